/**
 * The one way out to the provider: a keep-alive undici Pool on the upstream origin behind an admission gate
 * (admission.ts), the proxy's credential added to every request, the timeouts, and the retry policy.
 *
 * Retry policy (only before any byte has gone to the client — this class never writes to the client):
 * - Connection refused/reset before an answer, and a connection that breaks after the headers but before
 *   the first complete event of a stream, are retried: nothing was spent and nothing reached the client.
 * - Answers 429, 500, 502, 503, 504 and 529 are retried up to `maxRetries` times. The wait is exactly the
 *   upstream's `retry-after-ms` / `retry-after` when it sends one (0 included), else exponential backoff
 *   with jitter; a retry whose wait would end after `retryDeadline` is not made (the answer goes back).
 *   `x-should-retry: false` is obeyed.
 * - A spend-limit 429 (`error.details.error_code = "enforced_spend_limit_reached"`) is never retried, and
 *   goes back with `x-should-retry: false` so the client's SDK does not retry it either.
 * - When the client retries by itself (the official SDKs send `x-stainless-retry-count`) and
 *   `deferToClientRetries` is on, answered errors are not retried here: the client's own retries would
 *   multiply them. Only the connection failures above are (bounded by `maxRetries` per client attempt).
 * - A 200 event stream whose first event is an `overloaded_error` counts as a 529; it is retried even for
 *   clients that retry, since no SDK retries an error that arrives inside a 200 stream.
 * - A 401 asks the token source to renew the credential once, then the request is sent once more.
 * - Timeouts are not retried: the upstream already had its full time.
 * After the last attempt the last answer (or error) is returned for the route to translate.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as UndiciModule from 'undici';
import type { TLSSocket } from 'node:tls';
import type { Client, Dispatcher, Pool } from 'undici';
import type { CredentialHeaders, TokenSource } from '../auth/index.js';
import { AuthError, UpstreamError } from '../errors.js';
import { Admission, type AdmissionStats } from './admission.js';
import { ReplayableBody, StreamedBody, UpstreamBody } from './body.js';
import { toUpstreamError } from './failure.js';
import { SpareConnections } from './warm.js';

export { toUpstreamError } from './failure.js';

type Undici = typeof UndiciModule;
let undiciLoading: Promise<Undici> | null = null;

/**
 * undici is about 100 ms of module loading on a small machine, most of a cold start: it is imported when
 * the first upstream connection is wanted (the warm-up just after the proxy listens, or a request), never
 * on the way to listening.
 */
function loadUndici(): Promise<Undici> {
  return (undiciLoading ??= import('undici'));
}

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

export interface UpstreamOptions {
  readonly baseUrl: string;
  /** Time to the response headers of a request that is not a stream (the whole answer comes at once). */
  readonly headersTimeout: number;
  /** Time to the response headers of a stream (the upstream starts a stream at once). */
  readonly firstByteTimeout: number;
  /** Longest silence inside an answer once it began. */
  readonly idleTimeout: number;
  /** Upstream connections, and upstream requests in flight at once. */
  readonly connections: number;
  /** Longest wait for a free upstream connection before a 503. */
  readonly queueTimeout: number;
  readonly maxRetries: number;
  readonly retryDeadline: number;
  /** Do not retry answered errors for clients that retry by themselves. */
  readonly deferToClientRetries: boolean;
  /** Called once per retry, with why (for logs and metrics). */
  readonly onRetry?: (reason: string, attempt: number, waitMs: number, request: UpstreamRequest) => void;
  /** Called when a request had to wait for a connection (metrics). */
  readonly onQueueWait?: (waitedMs: number, outcome: 'admitted' | 'timeout' | 'aborted') => void;
  /** Spare connections kept open to the origin by `warm()` (warm.ts); 0 or absent: none. */
  readonly warmConnections?: number;
  /** Offer HTTP/2 by ALPN (undici `allowH2`). */
  readonly http2?: boolean;
  /** A spare connection could not be opened; the next attempt waits `retryInMs` (for a debug line). */
  readonly onWarmFailure?: (origin: string, reason: string, retryInMs: number) => void;
  /** Testing seam: trust this CA for the upstream's certificate (a test's own, made at run time). */
  readonly tls?: { readonly ca: string };
}

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path below the base URL, with query string if any: `/messages`, `/models?limit=100`. */
  readonly path: string;
  /** Headers to send besides the credential (already filtered by the caller). */
  readonly headers: Record<string, string>;
  /** A StreamedBody is sent once: such a request is never retried nor re-sent after a 401 renewal. */
  readonly body?: string | Buffer | ReplayableBody | StreamedBody | null;
  readonly signal?: AbortSignal;
  /**
   * Whether the answer will be an event stream (picks the first-byte timeout). When absent, a replayable
   * body is searched for `"stream": true`.
   */
  readonly stream?: boolean;
  /**
   * Whether the client retries by itself. When absent, the forwarded headers are looked at for
   * `x-stainless-retry-count` (the official SDKs send it).
   */
  readonly clientRetries?: boolean;
  /** Who asked, for the log lines this request causes (request id, trace and span id). */
  readonly logFields?: Readonly<Record<string, string>>;
  /** Marks the stages of the request as they finish (`log_stages`); absent when stage timing is off. */
  readonly stage?: ((name: string) => void) | undefined;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamBody;
  /** How many attempts it took (1 when the first one was answered). */
  readonly attempts: number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504, 529]);
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** Only this much of a stream is held back while looking for the end of its first event. */
const PEEK_LIMIT = 64 * 1024;

/** Only this much of a 429 body is read to see whether it is a spend limit (error bodies are small). */
const ERROR_PEEK_LIMIT = 16 * 1024;

/** The header the official SDKs (Stainless-generated, OpenAI's and Anthropic's) send with every attempt. */
export const CLIENT_RETRY_HEADER = 'x-stainless-retry-count';

/** Whether a client says it retries by itself (it sends the official SDKs' retry counter). */
export function clientRetriesItself(
  headers: IncomingHttpHeaders | Readonly<Record<string, string>>,
): boolean {
  return headers[CLIENT_RETRY_HEADER] !== undefined;
}

/**
 * How long the upstream asks to wait: `retry-after-ms` (milliseconds), else `retry-after` (seconds or an
 * HTTP date), as milliseconds from now; null when absent or unreadable. 0 means "retry now".
 */
export function retryAfterMs(
  header: string | string[] | undefined,
  now = Date.now(),
  headerMs?: string | string[],
): number | null {
  const ms = Array.isArray(headerMs) ? headerMs[0] : headerMs;
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value)) return Math.max(0, value);
  }
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The wait before retry number `attempt + 1`: exactly what the upstream asked for, else backoff. */
export function backoffMs(
  attempt: number,
  retryAfter: number | null,
  random: () => number = Math.random,
): number {
  if (retryAfter !== null) return Math.round(retryAfter);
  const exponential = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/** A 429 that no wait will cure: the organisation hit its spend limit. */
export function isSpendLimit(body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { details?: { error_code?: unknown } } };
    return parsed.error?.details?.error_code === 'enforced_spend_limit_reached';
  } catch {
    return false;
  }
}

interface PeekResult {
  readonly chunks: Buffer[];
  readonly overloaded: boolean;
  /** The body ended within the peek. */
  readonly ended: boolean;
}

/**
 * Reads until the first SSE event is complete and says whether it is an overloaded error. Event-driven and
 * paused afterwards, so whoever reads on (forEachChunk) starts exactly where the peek stopped.
 */
function peekFirstEvent(body: Dispatcher.ResponseData['body']): Promise<PeekResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = '';
    const done = (result: PeekResult): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      resolve(result);
    };
    function onData(chunk: Buffer): void {
      chunks.push(chunk);
      seen += chunk.toString('latin1');
      const end = seen.search(/\r?\n\r?\n|\r\r/);
      if (end === -1 && seen.length <= PEEK_LIMIT) return;
      body.pause();
      const first = end === -1 ? seen : seen.slice(0, end);
      done({
        chunks,
        overloaded: /^event:\s*error\s*$/m.test(first) && first.includes('overloaded_error'),
        ended: false,
      });
    }
    function onEnd(): void {
      done({ chunks, overloaded: false, ended: true });
    }
    function onError(err: Error): void {
      body.off('data', onData);
      body.off('end', onEnd);
      reject(err);
    }
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    // Between the peek and the reader an error has no listener of its own; forEachChunk finds it in
    // `errored` instead of the process dying of an unhandled 'error' event.
    body.on('error', ignoreError);
  });
}

function ignoreError(): void {}

/**
 * Reads up to `limit` bytes of a body (or all of it, if shorter), then pauses it so a later reader carries
 * on where this stopped.
 */
function readPrefix(body: Dispatcher.ResponseData['body'], limit: number): Promise<PeekResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (ended: boolean): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      resolve({ chunks, overloaded: false, ended });
    };
    function onData(chunk: Buffer): void {
      chunks.push(chunk);
      size += chunk.length;
      if (size < limit) return;
      body.pause();
      done(false);
    }
    function onEnd(): void {
      done(true);
    }
    function onError(err: Error): void {
      body.off('data', onData);
      body.off('end', onEnd);
      reject(err);
    }
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.on('error', ignoreError);
  });
}

/** The `error.message` of an upstream error body, read whole (error bodies are small), or null. */
async function upstreamErrorMessage(body: Dispatcher.ResponseData['body']): Promise<string | null> {
  try {
    const parsed = (await body.json()) as { error?: { message?: unknown } } | null;
    const message = parsed?.error?.message;
    return typeof message === 'string' ? message.slice(0, 500) : null;
  } catch {
    return null;
  }
}

/** Why a shutdown cut a request short; the routes end the client's answer with it in their dialect. */
function shuttingDown(): UpstreamError {
  return new UpstreamError(
    'claudine is shutting down and could not finish this answer in time (shutdown.timeout); retry',
    503,
    'overloaded_error',
    { 'retry-after': '1' },
    true,
  );
}

const MULTIPLEXED = { idempotent: true } as const;
/** Requests at once on one HTTP/2 connection (the upstream's SETTINGS may say fewer). */
const H2_STREAMS = 100;

export class UpstreamClient {
  /** Built on first use (loadUndici); `#poolReady` is the one build. */
  #pool: Pool | null = null;
  #poolReady: Promise<Pool> | null = null;
  #spares: SpareConnections | null = null;
  #closed = false;
  readonly #origin: string;
  readonly #pathPrefix: string;
  readonly #tokens: TokenSource;
  readonly #options: UpstreamOptions;
  readonly #admission: Admission;
  /** Response bodies being read now, so a shutdown can end them with an error instead of a reset. */
  readonly #active = new Set<Dispatcher.ResponseData['body']>();
  /** One controller per request on its way (waiting for a connection or an answer), for a shutdown. */
  readonly #inFlight = new Set<AbortController>();
  /** A shutdown interrupted everything: later failures say so and nothing is retried. */
  #interrupted = false;

  constructor(options: UpstreamOptions, tokens: TokenSource) {
    const url = new URL(options.baseUrl);
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#tokens = tokens;
    this.#options = options;
    this.#admission = new Admission({
      capacity: options.connections,
      queueTimeout: options.queueTimeout,
      ...(options.onQueueWait !== undefined ? { onWait: options.onQueueWait } : {}),
    });
    this.#origin = url.origin;
  }

  /** The pool, built once undici has loaded. Rejects after close(). */
  #loadPool(): Promise<Pool> {
    return (this.#poolReady ??= loadUndici().then((undici) => {
      if (this.#closed) throw new Error('the upstream client is closed');
      const options = this.#options;
      const allowH2 = options.http2 === true;
      // One connector for the spares and the pool: same TLS options and ALPN, one TLS session cache (a
      // connection after the first resumes the session: one round trip less).
      const connector = undici.buildConnector({
        ...(options.tls !== undefined ? { ca: options.tls.ca } : {}),
        allowH2,
      });
      const warm = options.warmConnections ?? 0;
      const spares =
        warm > 0
          ? new SpareConnections({
              origin: this.#origin,
              count: warm,
              connector,
              poolConnections: () => this.#pool?.stats.connected ?? 0,
              ...(options.onWarmFailure !== undefined
                ? {
                    onFailure: (reason: string, retryInMs: number) =>
                      options.onWarmFailure?.(this.#origin, reason, retryInMs),
                  }
                : {}),
            })
          : null;
      const connect = spares?.connect ?? connector;
      const pool = new undici.Pool(this.#origin, {
        connections: options.connections,
        headersTimeout: options.headersTimeout,
        bodyTimeout: options.idleTimeout,
        keepAliveTimeout: 30_000,
        // One request per HTTP/1.1 connection at a time: a pipelined stream would hold up the ones behind it.
        pipelining: 1,
        allowH2,
        connect,
        // HTTP/2 offered: a connection that the upstream took as HTTP/2 carries up to H2_STREAMS requests at
        // once (undici's pipelining is per client and fixed before it knows the protocol, so it is raised
        // here, once ALPN has said h2). One on HTTP/1.1 still.
        ...(allowH2
          ? {
              factory: (origin: string | URL, opts: object) => {
                const client: Client = new undici.Client(origin, {
                  ...opts,
                  connect: (target, callback) =>
                    connect(target, (err, socket) => {
                      if (socket !== null && (socket as Partial<TLSSocket>).alpnProtocol === 'h2')
                        client.pipelining = H2_STREAMS;
                      (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
                    }),
                });
                return client;
              },
            }
          : {}),
      });
      if (spares !== null) pool.on('disconnect', () => spares.poolDisconnected());
      this.#spares = spares;
      this.#pool = pool;
      return pool;
    }));
  }

  /**
   * Loads undici and opens the spare connections (`warmConnections`), in the background: called once the
   * proxy listens. Failures only delay the next attempt (warm.ts); nothing here fails a start.
   */
  warm(): void {
    this.#loadPool().then(
      () => this.#spares?.start(),
      () => undefined,
    );
  }

  /** Spare connections open now, opened and taken by the pool so far (null: none configured or not built). */
  spareStats(): { ready: number; opened: number; taken: number } | null {
    return this.#spares?.stats() ?? null;
  }

  /** How busy the upstream connections are (readiness and metrics). */
  stats(): AdmissionStats {
    return this.#admission.stats();
  }

  /**
   * Sends one request upstream, retrying as the policy above says. Resolves with the final response whatever
   * its status (the route translates errors); rejects with UpstreamError when the upstream could not be
   * reached, timed out, or no connection freed up in time; AuthError when there is no credential; or the
   * abort reason when `signal` aborts.
   */
  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const started = Date.now();
    if (request.body instanceof ReplayableBody) {
      // The whole body first, then a connection: a slow client must not hold a shared one (admission.ts).
      await request.body.complete();
      if (request.body.error !== null) throw request.body.error;
      request.stage?.('body_read');
    }
    const deferToClient =
      this.#options.deferToClientRetries && (request.clientRetries ?? clientRetriesItself(request.headers));
    let credential = await this.#tokens.current();
    request.stage?.('credential');
    const oneShot = request.body instanceof StreamedBody;
    // A one-shot body is gone after the first attempt: nothing can be sent again, not even after a renewal.
    let renewed = oneShot;
    for (let attempt = 0; ; attempt++) {
      const retriesLeft = !oneShot && attempt < this.#options.maxRetries;
      let raw: Dispatcher.ResponseData;
      try {
        raw = await this.#dispatch(request, credential);
      } catch (err) {
        const error = this.#failure(err, request);
        if (!retriesLeft || !(error instanceof UpstreamError) || error.answered || error.status === 504)
          throw error;
        if (!(await this.#waitToRetry(request, started, attempt, null, error.message))) throw error;
        continue;
      }

      if (raw.statusCode === 401 && !renewed) {
        // The proxy's own credential was refused. Renew it and try once more. When it cannot be renewed (an
        // API key, or a failed refresh), the client learns both what the upstream said and what to do about
        // it: the upstream's words alone would blame a key the client never sent.
        renewed = true;
        const said = await upstreamErrorMessage(raw.body);
        try {
          credential = await this.#tokens.renew(credential);
        } catch (err) {
          if (err instanceof AuthError)
            throw new AuthError(
              `${said !== null ? `the upstream said "${said}"; ` : ''}${err.message}`,
              err.status,
            );
          throw err;
        }
        attempt--;
        continue;
      }

      if (raw.statusCode === 429) {
        // Read the (small) body to tell a spend limit from a rate limit; it is handed on as it was read.
        let peeked: PeekResult;
        try {
          peeked = await readPrefix(raw.body, ERROR_PEEK_LIMIT);
        } catch (err) {
          throw this.#failure(err, request);
        }
        const body = new UpstreamBody(raw.body, peeked.chunks, peeked.ended);
        if (peeked.ended && isSpendLimit(Buffer.concat(peeked.chunks))) {
          return {
            statusCode: raw.statusCode,
            headers: { ...raw.headers, 'x-should-retry': 'false' },
            body,
            attempts: attempt + 1,
          };
        }
        if (await this.#shouldRetryAnswer(raw, body, request, started, attempt, retriesLeft, deferToClient))
          continue;
        return { statusCode: raw.statusCode, headers: raw.headers, body, attempts: attempt + 1 };
      }

      const body = new UpstreamBody(raw.body);
      // Checked here first: a 200 should not pay for an async call (a promise and a tick) on its way.
      if (
        RETRYABLE_STATUS.has(raw.statusCode) &&
        (await this.#shouldRetryAnswer(raw, body, request, started, attempt, retriesLeft, deferToClient))
      )
        continue;

      const contentType = raw.headers['content-type'];
      if (
        raw.statusCode === 200 &&
        typeof contentType === 'string' &&
        contentType.startsWith('text/event-stream')
      ) {
        let peeked: PeekResult;
        try {
          peeked = await peekFirstEvent(raw.body);
          request.stage?.('upstream_first_event');
        } catch (err) {
          // The connection broke after the headers but before the first complete event: nothing has
          // reached the client, so this is a connection failure like any other (502, retried), not a bug.
          raw.body.destroy();
          const error = this.#failure(err, request);
          if (!retriesLeft || !(error instanceof UpstreamError) || error.answered || error.status === 504)
            throw error;
          if (!(await this.#waitToRetry(request, started, attempt, null, error.message))) throw error;
          continue;
        }
        if (peeked.overloaded && retriesLeft && this.#canWait(started, attempt, null)) {
          raw.body.destroy();
          if (await this.#waitToRetry(request, started, attempt, null, 'overloaded_error event')) continue;
        }
        return {
          statusCode: raw.statusCode,
          headers: raw.headers,
          body: new UpstreamBody(raw.body, peeked.chunks, peeked.ended),
          attempts: attempt + 1,
        };
      }
      return { statusCode: raw.statusCode, headers: raw.headers, body, attempts: attempt + 1 };
    }
  }

  /** For an error answer: true when it was dropped and the request should be sent again (after the wait). */
  async #shouldRetryAnswer(
    raw: Dispatcher.ResponseData,
    body: UpstreamBody,
    request: UpstreamRequest,
    started: number,
    attempt: number,
    retriesLeft: boolean,
    deferToClient: boolean,
  ): Promise<boolean> {
    if (!RETRYABLE_STATUS.has(raw.statusCode) || !retriesLeft || deferToClient) return false;
    if (raw.headers['x-should-retry'] === 'false') return false;
    const retryAfter = retryAfterMs(raw.headers['retry-after'], Date.now(), raw.headers['retry-after-ms']);
    if (!this.#canWait(started, attempt, retryAfter)) return false;
    await body.dump().catch(() => undefined);
    return this.#waitToRetry(request, started, attempt, retryAfter, `status ${raw.statusCode}`);
  }

  /** A dispatch failure as the client should hear it (a shutdown says so; aborts pass through). */
  #failure(err: unknown, request: UpstreamRequest): unknown {
    if (this.#interrupted && request.signal?.aborted !== true) return shuttingDown();
    return toUpstreamError(err, request.signal);
  }

  #canWait(started: number, attempt: number, retryAfter: number | null): boolean {
    const wait = backoffMs(attempt, retryAfter, () => 1);
    return Date.now() + wait - started <= this.#options.retryDeadline;
  }

  /** Sleeps the backoff (abortable). False when the deadline does not allow it. */
  async #waitToRetry(
    request: UpstreamRequest,
    started: number,
    attempt: number,
    retryAfter: number | null,
    reason: string,
  ): Promise<boolean> {
    const wait = backoffMs(attempt, retryAfter);
    if (Date.now() + wait - started > this.#options.retryDeadline) return false;
    if (this.#interrupted) return false;
    this.#options.onRetry?.(reason, attempt + 1, wait, request);
    if (wait > 0)
      await sleep(wait, undefined, request.signal !== undefined ? { signal: request.signal } : undefined);
    return true;
  }

  async #dispatch(request: UpstreamRequest, credential: CredentialHeaders): Promise<Dispatcher.ResponseData> {
    // The client's abort and a shutdown both end this attempt. Its own controller, not AbortSignal.any():
    // combining with one long-lived signal leaves a trace on it per request in Node 20.
    const local = new AbortController();
    const clientSignal = request.signal;
    const forward = (): void => local.abort(clientSignal?.reason);
    if (clientSignal?.aborted === true) local.abort(clientSignal.reason);
    else clientSignal?.addEventListener('abort', forward, { once: true });
    if (this.#interrupted) local.abort(shuttingDown());
    const inFlight = this.#inFlight;
    inFlight.add(local);
    const done = (): void => {
      clientSignal?.removeEventListener('abort', forward);
      inFlight.delete(local);
    };
    const signal = local.signal;
    let release: () => void;
    let pool: Pool;
    try {
      pool = this.#pool ?? (await this.#loadPool());
      release = await this.#admission.acquire(signal);
    } catch (err) {
      done();
      throw err;
    }
    request.stage?.('connection_slot');
    const body =
      request.body instanceof ReplayableBody
        ? request.body.payload()
        : request.body instanceof StreamedBody
          ? request.body.stream()
          : (request.body ?? null);
    const stream =
      request.stream ?? (request.body instanceof ReplayableBody ? request.body.declaresStream() : false);
    let raw: Dispatcher.ResponseData;
    try {
      raw = await pool.request({
        method: request.method,
        path: this.#pathPrefix + request.path,
        headers: { ...request.headers, ...credential },
        body: body,
        signal,
        headersTimeout: stream ? this.#options.firstByteTimeout : this.#options.headersTimeout,
        // undici puts a POST on an HTTP/2 connection beside others only when told it may (it would not be
        // retried by undici anyway; this client's own retry policy applies).
        ...(this.#options.http2 === true ? MULTIPLEXED : undefined),
      });
    } catch (err) {
      release();
      done();
      // A body that failed (over the size limit) explains itself better than the socket error it caused.
      if (
        (request.body instanceof ReplayableBody || request.body instanceof StreamedBody) &&
        request.body.error !== null
      )
        throw request.body.error;
      throw err;
    }
    request.stage?.('upstream_headers');
    // The connection is busy until its body is read to the end or destroyed; 'close' marks both.
    const active = this.#active;
    active.add(raw.body);
    // A body destroyed with an error while no reader listens (a shutdown, an abort) must not crash the
    // process; readers attach their own listeners or find it in `errored`.
    raw.body.on('error', ignoreError);
    raw.body.once('close', () => {
      active.delete(raw.body);
      release();
      done();
    });
    if (raw.body.destroyed) {
      active.delete(raw.body);
      release();
      done();
    }
    return raw;
  }

  /**
   * Ends every request still in flight with a 503 "shutting down" error: those waiting for an answer are
   * aborted, and the bodies being read are destroyed with it, so each route ends its client's answer with
   * an error in the client's dialect instead of a connection reset.
   */
  interrupt(): void {
    this.#interrupted = true;
    for (const controller of this.#inFlight) controller.abort(shuttingDown());
    for (const body of this.#active) body.destroy(shuttingDown());
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool ?? (await this.#poolReady?.catch(() => null)) ?? null;
    // After the pool build, if one was under way: it made the spares.
    this.#spares?.close();
    await pool?.close();
  }

  destroy(): void {
    this.#closed = true;
    this.#spares?.close();
    if (this.#pool !== null) void this.#pool.destroy();
    else
      void this.#poolReady?.then(
        (pool) => {
          this.#spares?.close();
          return pool.destroy();
        },
        () => undefined,
      );
  }
}
