/**
 * The one way out to the provider: a keep-alive undici Pool on the upstream origin, the proxy's credential
 * added to every request, and the retry policy.
 *
 * Retry policy (only before any byte has gone to the client — this class never writes to the client):
 * - Connection refused/reset, and answers 429, 500, 502, 503, 504 and 529, are retried up to
 *   `maxRetries` times with exponential backoff and jitter, waiting at least the upstream's `retry-after`,
 *   as long as the wait ends within `retryDeadline` of the first attempt; `x-should-retry: false` is obeyed.
 * - A 200 event stream whose first event is an `overloaded_error` counts as a 529.
 * - A 401 asks the token source to renew the credential once, then the request is sent once more.
 * - Timeouts are not retried: the upstream already had its full time.
 * After the last attempt the last answer (or error) is returned for the route to translate.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { CredentialHeaders, TokenSource } from '../auth/index.js';
import { AuthError, UpstreamError } from '../errors.js';
import { ReplayableBody, StreamedBody, UpstreamBody } from './body.js';

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

export interface UpstreamOptions {
  readonly baseUrl: string;
  readonly headersTimeout: number;
  readonly idleTimeout: number;
  readonly connections: number;
  readonly maxRetries: number;
  readonly retryDeadline: number;
  /** Called once per retry, with why (for logs and metrics). */
  readonly onRetry?: (reason: string, attempt: number, waitMs: number, request: UpstreamRequest) => void;
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
  /** Who asked, for the log lines this request causes (request id, trace and span id). */
  readonly logFields?: Readonly<Record<string, string>>;
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

/** Seconds or an HTTP date → milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function backoffMs(
  attempt: number,
  retryAfter: number | null,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  const jittered = exponential * (0.5 + random() * 0.5);
  return Math.round(Math.max(jittered, retryAfter ?? 0));
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

export class UpstreamClient {
  readonly #pool: Pool;
  readonly #pathPrefix: string;
  readonly #tokens: TokenSource;
  readonly #options: UpstreamOptions;

  constructor(options: UpstreamOptions, tokens: TokenSource) {
    const url = new URL(options.baseUrl);
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#tokens = tokens;
    this.#options = options;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: options.headersTimeout,
      bodyTimeout: options.idleTimeout,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * Sends one request upstream, retrying as the policy above says. Resolves with the final response whatever
   * its status (the route translates errors); rejects with UpstreamError when the upstream could not be
   * reached or timed out, AuthError when there is no credential, or the abort reason when `signal` aborts.
   */
  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const started = Date.now();
    let credential = await this.#tokens.current();
    const oneShot = request.body instanceof StreamedBody;
    // A one-shot body is gone after the first attempt: nothing can be sent again, not even after a renewal.
    let renewed = oneShot;
    for (let attempt = 0; ; attempt++) {
      const retriesLeft = !oneShot && attempt < this.#options.maxRetries;
      let raw: Dispatcher.ResponseData;
      try {
        raw = await this.#dispatch(request, credential);
      } catch (err) {
        const error = toUpstreamError(err, request.signal);
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

      if (RETRYABLE_STATUS.has(raw.statusCode) && retriesLeft && raw.headers['x-should-retry'] !== 'false') {
        const retryAfter = retryAfterMs(raw.headers['retry-after']);
        if (this.#canWait(started, attempt, retryAfter)) {
          await raw.body.dump().catch(() => undefined);
          if (await this.#waitToRetry(request, started, attempt, retryAfter, `status ${raw.statusCode}`))
            continue;
        }
      }

      const contentType = raw.headers['content-type'];
      if (
        raw.statusCode === 200 &&
        typeof contentType === 'string' &&
        contentType.startsWith('text/event-stream')
      ) {
        const peeked = await peekFirstEvent(raw.body);
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
      return {
        statusCode: raw.statusCode,
        headers: raw.headers,
        body: new UpstreamBody(raw.body),
        attempts: attempt + 1,
      };
    }
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
    this.#options.onRetry?.(reason, attempt + 1, wait, request);
    await sleep(wait, undefined, request.signal !== undefined ? { signal: request.signal } : undefined);
    return true;
  }

  async #dispatch(request: UpstreamRequest, credential: CredentialHeaders): Promise<Dispatcher.ResponseData> {
    const body =
      request.body instanceof ReplayableBody || request.body instanceof StreamedBody
        ? request.body.stream()
        : (request.body ?? null);
    try {
      return await this.#pool.request({
        method: request.method,
        path: this.#pathPrefix + request.path,
        headers: { ...request.headers, ...credential },
        body: body,
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
      });
    } catch (err) {
      // A body that failed (over the size limit) explains itself better than the socket error it caused.
      if (
        (request.body instanceof ReplayableBody || request.body instanceof StreamedBody) &&
        request.body.error !== null
      )
        throw request.body.error;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  destroy(): void {
    void this.#pool.destroy();
  }
}

/** Network-level failures become UpstreamError with a status the client dialects understand. */
export function toUpstreamError(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return err;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new UpstreamError('the upstream did not answer in time', 504, 'timeout_error', {}, false);
  }
  if (err instanceof UpstreamError || !(err instanceof Error) || err.name === 'ClientError') return err;
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  const detail = code !== undefined ? ` (${code})` : '';
  return new UpstreamError(`the upstream could not be reached${detail}`, 502, 'api_error', {}, false);
}
