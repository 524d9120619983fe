/**
 * The few error classes the proxy throws. Each dialect (OpenAI, Anthropic) has exactly one function that
 * turns any of these — or any unknown throwable — into its own error envelope:
 * `toOpenAIError` in adapter/errors.ts and `toAnthropicError` in http/anthropic-errors.ts.
 */

/** The kinds of failure a client can be told about; each dialect maps them to its own `type` strings. */
export type ErrorKind =
  | 'invalid_request' // the client's request is malformed or asks for something unsupported (400)
  | 'authentication' // no usable upstream credential, or a client key is missing/wrong (401)
  | 'permission' // the request is refused by a guard (403)
  | 'not_found' // unknown route or model (404)
  | 'method_not_allowed' // known route, wrong method (405)
  | 'request_too_large' // body over the configured limit (413)
  | 'rate_limit' // the upstream or the proxy says slow down (429)
  | 'overloaded' // the upstream is overloaded (529 upstream, 503 to OpenAI clients)
  | 'timeout' // the upstream did not answer in time (504)
  | 'unavailable' // the proxy is shutting down or at its concurrency limit (503)
  | 'upstream' // the upstream failed in a way the client cannot fix (502)
  | 'internal'; // a bug in the proxy (500)

/** Thrown for anything the client can fix: bad JSON, wrong types, unsupported fields. Always a 4xx. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    readonly status: number = 400,
    readonly kind: ErrorKind = 'invalid_request',
    /** The request field at fault, as a dotted path (`messages[2].content`), when there is one. */
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** Thrown when the proxy has no usable upstream credential, or a client key check fails. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    message: string,
    readonly status: number = 401,
  ) {
    super(message);
  }
}

/**
 * Thrown when the upstream answered with a non-2xx status, or could not be reached at all (status 0 is
 * never used: unreachable maps to 502, timeouts to 504). `body` is the upstream's parsed error JSON when it
 * sent one; `headers` keeps what a client may need (`retry-after`, `request-id`, rate-limit headers).
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    readonly status: number,
    readonly upstreamType: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Whether the upstream answered at all (false: connection refused/reset/timeout). */
    readonly answered: boolean = true,
  ) {
    super(message);
  }
}
