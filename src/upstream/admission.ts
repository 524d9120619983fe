/**
 * Admission to the upstream connection pool: at most `capacity` upstream requests hold a connection at once
 * (from dispatch until their response body is finished or destroyed), and a request that finds them all
 * taken waits in a FIFO queue for at most `queueTimeout`. A request that cannot get a connection in that
 * time is refused at once with a 503 and `retry-after`, in the client's dialect, instead of hanging behind
 * long streams or clients that stopped reading (issue 13, item 1).
 *
 * undici's own Pool queue has no time bound, so the pool is given exactly `capacity` connections and this
 * gate sits in front of it: undici never queues for long, this class decides who waits and how long.
 */
import { UpstreamError } from '../errors.js';

export interface AdmissionStats {
  /** Upstream requests holding a connection now. */
  readonly inUse: number;
  /** Requests waiting for a connection now. */
  readonly queued: number;
  /** The most that can hold a connection at once (`upstream.connections`). */
  readonly capacity: number;
}

export interface AdmissionOptions {
  readonly capacity: number;
  /** Longest wait for a connection, in milliseconds. */
  readonly queueTimeout: number;
  /** Called when a request that had to wait got a connection or gave up (metrics). */
  readonly onWait?: (waitedMs: number, outcome: 'admitted' | 'timeout' | 'aborted') => void;
}

/** Hands back the connection slot; calling it more than once is harmless. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  done: boolean;
}

export class Admission {
  #inUse = 0;
  /** Live waiters (#queue may still hold finished ones until they reach the front). */
  #waiting = 0;
  readonly #queue: Waiter[] = [];
  /** Index of the first live waiter in #queue (a FIFO without shifting on every grant). */
  #head = 0;

  constructor(readonly options: AdmissionOptions) {}

  stats(): AdmissionStats {
    return { inUse: this.#inUse, queued: this.#waiting, capacity: this.options.capacity };
  }

  /**
   * Resolves with a release function once a connection slot is free. Rejects with a 503 UpstreamError when
   * none frees up within the queue timeout, or with the signal's reason when it aborts first.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (this.#inUse < this.options.capacity && this.#waiting === 0) {
      this.#inUse++;
      return Promise.resolve(this.#releaser());
    }
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<Release>((resolve, reject) => {
      const started = performance.now();
      const finish = (outcome: 'admitted' | 'timeout' | 'aborted'): void => {
        waiter.done = true;
        this.#waiting--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.options.onWait?.(performance.now() - started, outcome);
        this.#compact();
      };
      const waiter: Waiter = {
        done: false,
        grant: (release) => {
          finish('admitted');
          resolve(release);
        },
      };
      const onAbort = (): void => {
        if (waiter.done) return;
        finish('aborted');
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        if (waiter.done) return;
        finish('timeout');
        reject(this.#busyError());
      }, this.options.queueTimeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#waiting++;
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse--;
      this.#grantNext();
    };
  }

  #grantNext(): void {
    while (this.#head < this.#queue.length && this.#inUse < this.options.capacity) {
      const waiter = this.#queue[this.#head++] as Waiter;
      if (waiter.done) continue;
      this.#inUse++;
      waiter.grant(this.#releaser());
    }
    this.#compact();
  }

  /** Drops finished waiters from the front, and rebuilds the array now and then so it does not grow. */
  #compact(): void {
    while (this.#head < this.#queue.length && (this.#queue[this.#head] as Waiter).done) this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #busyError(): UpstreamError {
    const seconds = Math.max(1, Math.ceil(this.options.queueTimeout / 1000));
    return new UpstreamError(
      `claudine has no free upstream connection: all ${this.options.capacity} are busy (upstream.connections) and ` +
        `none freed up within ${this.options.queueTimeout} ms (upstream.queue_timeout); retry shortly`,
      503,
      'overloaded_error',
      { 'retry-after': String(seconds) },
      // Not an upstream failure, but a definite answer: never retried by the proxy, and the OpenAI dialect
      // keeps the 503 (an unanswered upstream error would become a 502).
      true,
    );
  }
}
