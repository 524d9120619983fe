/**
 * The one way out to the provider: a keep-alive undici Pool on the upstream origin, the proxy's credential
 * added to every request, and a single retry after a 401 once the token source has renewed the credential.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamError } from '../errors.js';
import type { CredentialHeaders, TokenSource } from '../auth/index.js';

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

export interface UpstreamOptions {
  readonly baseUrl: string;
  readonly headersTimeout: number;
  readonly idleTimeout: number;
  readonly connections: number;
}

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, with query string if any: `/messages`, `/models?limit=100`. */
  readonly path: string;
  /** Headers to send besides the credential (already filtered by the caller). */
  readonly headers: Record<string, string>;
  /**
   * The body. A string or Buffer can be sent twice, so it gets the retry after a 401; a stream cannot, so
   * a 401 on a streamed body is returned to the caller as it is.
   */
  readonly body?: string | Buffer | NodeJS.ReadableStream | null;
  readonly signal?: AbortSignal;
}

export type UpstreamResponse = Dispatcher.ResponseData;

export class UpstreamClient {
  readonly #pool: Pool;
  readonly #pathPrefix: string;
  readonly #tokens: TokenSource;

  constructor(options: UpstreamOptions, tokens: TokenSource) {
    const url = new URL(options.baseUrl);
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#tokens = tokens;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: options.headersTimeout,
      bodyTimeout: options.idleTimeout,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * Sends one request upstream. Resolves with the response whatever its status (the caller decides how to
   * translate errors); rejects with UpstreamError when the upstream could not be reached or timed out, and
   * with AuthError when there is no credential. An abort of `signal` rejects with the abort reason.
   */
  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const credential = await this.#tokens.current();
    const response = await this.#dispatch(request, credential);
    const replayable =
      request.body === undefined ||
      request.body === null ||
      typeof request.body === 'string' ||
      Buffer.isBuffer(request.body);
    if (response.statusCode !== 401 || !replayable) return response;
    // The credential was refused: drop this answer, renew once, and try once more.
    response.body.resume();
    const renewed = await this.#tokens.renew(credential);
    return this.#dispatch(request, renewed);
  }

  async #dispatch(request: UpstreamRequest, credential: CredentialHeaders): Promise<UpstreamResponse> {
    try {
      return await this.#pool.request({
        method: request.method,
        path: this.#pathPrefix + request.path,
        headers: { ...request.headers, ...credential },
        body: (request.body ?? null) as string | Buffer | null,
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
      });
    } catch (err) {
      throw toUpstreamError(err, request.signal);
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
  if (err instanceof UpstreamError) return err;
  const code =
    (err as { code?: string } | null)?.code ?? (err as { cause?: { code?: string } } | null)?.cause?.code;
  const detail = code !== undefined ? ` (${code})` : '';
  return new UpstreamError(`the upstream could not be reached${detail}`, 502, 'api_error', {}, false);
}
