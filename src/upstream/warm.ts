/**
 * Spare connections to one upstream origin: sockets opened ahead of need (TCP and TLS handshakes done, no
 * request sent) that the undici pool is handed when it would otherwise open a connection itself. A request
 * right after start, or after a quiet spell in which the pool closed its idle connections, then does not
 * wait for the handshakes (one to three round trips to a distant upstream).
 *
 * Policy:
 * - `start()` (called once the proxy is listening, never on the way to it) opens `count` spares.
 * - The pool takes a spare whenever it connects. A taken spare is not replaced at once: the pool keeps it
 *   alive while it is busy and for its keep-alive time after.
 * - When the pool has no connection left (it closed its idle ones), the spares are topped up to `count`.
 * - A spare the upstream closes is replaced, and so is one idle for `SPARE_MAX_IDLE_MS` (a connection idle
 *   that long through NATs and load balancers may be dead without anyone being told; it would fail at first
 *   use). Failures to connect, and spares that die young, back off from 1 s doubling to 5 min, so an
 *   unreachable or unwilling upstream gets at most one attempt per back-off step, and never delays or fails
 *   the start.
 * - Nothing here keeps the process alive: spares and timers are unref'd, and `close()` ends them.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';

/** A spare idle this long is replaced by a fresh one. */
export const SPARE_MAX_IDLE_MS = 4 * 60_000;
/** A spare that dies younger than this counts as a failure (the upstream does not want idle connections). */
const HEALTHY_LIFETIME_MS = 10_000;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

export interface SpareOptions {
  /** The origin, e.g. `https://api.anthropic.com`. */
  readonly origin: string;
  /** Spares to keep while the pool is empty. */
  readonly count: number;
  /** undici's connector, the same the pool would use (same TLS options, ALPN and session cache). */
  readonly connector: buildConnector.connector;
  /** How many connections the pool holds now. */
  readonly poolConnections: () => number;
  /** A spare could not be opened (or died young); the next attempt waits `retryInMs`. */
  readonly onFailure?: (reason: string, retryInMs: number) => void;
}

interface Spare {
  readonly socket: Socket;
  readonly openedAt: number;
  readonly retire: NodeJS.Timeout;
  readonly onClose: () => void;
  readonly onReadable: (() => void) | null;
}

export class SpareConnections {
  readonly #options: SpareOptions;
  readonly #target: buildConnector.Options;
  readonly #spares: Spare[] = [];
  #opening = 0;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;
  /** Spares opened and handed to the pool since start (tests and logs). */
  #opened = 0;
  #taken = 0;

  constructor(options: SpareOptions) {
    this.#options = options;
    const url = new URL(options.origin);
    // What undici's Client passes its connector for this origin (IPv6 literals without their brackets).
    this.#target = {
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      host: url.host,
      protocol: url.protocol,
      port: url.port,
    };
  }

  /** Spares open now, opened so far and handed to the pool so far. */
  stats(): { ready: number; opened: number; taken: number } {
    return { ready: this.#spares.length, opened: this.#opened, taken: this.#taken };
  }

  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#topUp();
  }

  /**
   * The pool's connector: a live spare when there is one, else a new connection as undici would make it.
   */
  readonly connect: buildConnector.connector = (options, callback) => {
    const spare = this.#take();
    if (spare !== null) {
      // Asynchronously, as a real connection would: undici's client ignores a connect that completes
      // inside its own resume loop (the request would wait forever).
      process.nextTick(callback, null, spare);
      return;
    }
    this.#options.connector(options, callback);
  };

  /** The pool closed a connection: when it has none left, open spares again (bounded by the back-off). */
  poolDisconnected(): void {
    if (!this.#started || this.#closed) return;
    // After undici has counted the closed connection out.
    setImmediate(() => {
      if (this.#options.poolConnections() === 0) this.#topUp();
    }).unref();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    for (const spare of this.#spares.splice(0)) this.#drop(spare).destroy();
  }

  #take(): Socket | null {
    while (this.#spares.length > 0) {
      const spare = this.#spares.shift() as Spare;
      const socket = this.#drop(spare);
      if (socket.destroyed || socket.readyState !== 'open' || socket.readableEnded) {
        socket.destroy();
        continue;
      }
      this.#taken++;
      // A spare is as good as any: one that lived to be used says the upstream keeps idle connections.
      this.#failures = 0;
      socket.ref();
      return socket;
    }
    return null;
  }

  /** Detaches a spare's own listeners and timer; the socket is the caller's. */
  #drop(spare: Spare): Socket {
    clearTimeout(spare.retire);
    spare.socket.off('close', spare.onClose);
    spare.socket.off('error', ignore);
    if (spare.onReadable !== null) spare.socket.off('readable', spare.onReadable);
    return spare.socket;
  }

  #topUp(): void {
    if (this.#closed || this.#retry !== undefined) return;
    while (this.#spares.length + this.#opening < this.#options.count) this.#open();
  }

  #open(): void {
    this.#opening++;
    const done = (err: Error | null, connected: Socket | null): void => {
      this.#opening--;
      if (err !== null || connected === null) {
        this.#failed(err?.message ?? 'no socket');
        return;
      }
      if (this.#closed) {
        connected.destroy();
        return;
      }
      this.#opened++;
      this.#keep(connected);
    };
    try {
      this.#options.connector({ ...this.#target }, (err, connected) => done(err, connected));
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)), null);
    }
  }

  #keep(socket: Socket): void {
    socket.unref();
    // Errors end in 'close', where the spare is dropped; without a listener an error would crash the process.
    socket.on('error', ignore);
    const openedAt = Date.now();
    const onClose = (): void => {
      const index = this.#spares.findIndex((s) => s.socket === socket);
      if (index === -1) return;
      const [spare] = this.#spares.splice(index, 1);
      if (spare !== undefined) this.#drop(spare);
      if (Date.now() - openedAt < HEALTHY_LIFETIME_MS) this.#failed('the upstream closed a spare connection');
      else this.#topUp();
    };
    // HTTP/1.1: nothing may arrive on an idle connection; anything that does (a 408, a close) makes it
    // unusable. Reading also lets a close by the upstream be seen at once. An HTTP/2 connection is left
    // unread: its SETTINGS frame waits in the socket for the session undici builds on it. A close by the
    // upstream is then seen only when undici reads it (the request fails before any answer and is retried
    // as a connection failure) or at the renewal after SPARE_MAX_IDLE_MS.
    const onReadable =
      (socket as Partial<TLSSocket>).alpnProtocol === 'h2'
        ? null
        : (): void => {
            if (socket.read() !== null) socket.destroy();
          };
    const retire = setTimeout(() => {
      const index = this.#spares.findIndex((s) => s.socket === socket);
      if (index === -1) return;
      const [spare] = this.#spares.splice(index, 1);
      if (spare !== undefined) this.#drop(spare).destroy();
      this.#topUp();
    }, SPARE_MAX_IDLE_MS).unref();
    socket.on('close', onClose);
    if (onReadable !== null) socket.on('readable', onReadable);
    this.#spares.push({ socket, openedAt, retire, onClose, onReadable });
  }

  #failed(reason: string): void {
    if (this.#closed) return;
    this.#failures++;
    const wait = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.#failures - 1));
    this.#options.onFailure?.(reason, wait);
    if (this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#topUp();
    }, wait).unref();
  }
}

function ignore(): void {}
