/**
 * A credential that expires and is fetched again: the refresh policy shared by the AWS and Google sources.
 *
 * Refresh policy:
 * - Ahead of expiry: from `expiresAt - skew` a caller starts a refresh in the background and keeps using the
 *   still-valid value; only once it has expired (or before the first fetch) do callers wait.
 * - Single-flight: every caller joins the one refresh in flight, so 50 requests at expiry cause one fetch.
 * - A failed refresh while the value is still valid is logged once and tried again by the next caller after
 *   `retryAfterMs`; once the value has expired, callers get an AuthError (503: the credential service is
 *   failing; the message says why) until a fetch succeeds.
 * - `force()` (after the upstream refused the value) refreshes once even before expiry; a caller whose
 *   rejected value was already replaced gets the new one without another fetch.
 */
import type { Logger } from 'pino';
import { AuthError } from '../errors.js';

export interface Expiring<T> {
  readonly value: T;
  /** ms since the epoch; null when it does not expire. */
  readonly expiresAt: number | null;
}

export interface RefreshingOptions<T> {
  readonly what: string;
  readonly fetch: () => Promise<Expiring<T>>;
  readonly skewMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly retryAfterMs?: number;
  /** Called after every fetch, for metrics. */
  readonly onRefresh?: ((outcome: 'success' | 'failure') => void) | undefined;
}

export class RefreshingCredential<T> {
  readonly #o: RefreshingOptions<T>;
  #current: Expiring<T> | null = null;
  #inflight: Promise<T> | null = null;
  #lastFailure: { at: number; reason: string } | null = null;
  /** How many fetches were made (for tests and logs). */
  fetches = 0;

  constructor(options: RefreshingOptions<T>) {
    this.#o = options;
  }

  /** The value to use now: synchronous while a fresh one is cached. */
  get(): T | Promise<T> {
    const current = this.#current;
    const now = this.#o.now();
    if (current !== null && (current.expiresAt === null || now < current.expiresAt)) {
      if (current.expiresAt !== null && now >= current.expiresAt - this.#o.skewMs) {
        const backoff =
          this.#lastFailure !== null && now - this.#lastFailure.at < (this.#o.retryAfterMs ?? 5_000);
        if (!backoff) this.#refresh().catch(() => undefined);
      }
      return current.value;
    }
    return this.#refresh();
  }

  /** The upstream refused `rejected`: fetch again unless another caller already did. */
  async force(rejected: T): Promise<T> {
    if (this.#inflight !== null) return this.#inflight;
    if (this.#current !== null && this.#current.value !== rejected) return this.#current.value;
    return this.#refresh();
  }

  /** Resolves when the fetch in flight (if any) has settled, or after `maxMs`. */
  settled(maxMs: number): Promise<void> {
    const inflight = this.#inflight;
    if (inflight === null) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
      timer.unref();
    });
    return Promise.race([
      inflight.then(
        () => undefined,
        () => undefined,
      ),
      timeout,
    ]).finally(() => clearTimeout(timer));
  }

  /** Whether a usable value is held, and if not, why. */
  state(): { ready: boolean; reason?: string } {
    const current = this.#current;
    if (current !== null && (current.expiresAt === null || this.#o.now() < current.expiresAt))
      return { ready: true };
    if (this.#lastFailure !== null) return { ready: false, reason: this.#lastFailure.reason };
    return { ready: false, reason: `${this.#o.what} not fetched yet` };
  }

  #refresh(): Promise<T> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<T> {
    this.fetches++;
    try {
      const next = await this.#o.fetch();
      this.#current = next;
      this.#lastFailure = null;
      this.#o.onRefresh?.('success');
      return next.value;
    } catch (err) {
      const reason = `${this.#o.what} could not be obtained: ${err instanceof Error ? err.message : String(err)}`;
      if (this.#lastFailure?.reason !== reason) this.#o.logger.error(reason);
      this.#lastFailure = { at: this.#o.now(), reason };
      this.#o.onRefresh?.('failure');
      throw err instanceof AuthError ? err : new AuthError(reason, 503);
    }
  }
}
