/**
 * The one Anthropic-dialect error normaliser: any throwable becomes Anthropic's envelope
 * `{"type":"error","error":{"type","message"}}` with a fitting status, for the native routes.
 */
import { AuthError, ClientError, UpstreamError, type ErrorKind } from '../errors.js';
import { ConfigError } from '../config/index.js';

export interface AnthropicErrorResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: { type: 'error'; error: { type: string; message: string } };
}

const TYPE_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
  unavailable: 'overloaded_error',
  upstream: 'api_error',
  internal: 'api_error',
};

export function toAnthropicError(err: unknown): AnthropicErrorResponse {
  if (err instanceof ClientError) {
    return envelope(err.status, TYPE_BY_KIND[err.kind], err.message);
  }
  if (err instanceof AuthError) return envelope(err.status, 'authentication_error', err.message);
  if (err instanceof UpstreamError) {
    const type = err.upstreamType ?? (err.status === 504 ? 'timeout_error' : 'api_error');
    return envelope(err.status, type, err.message, err.headers);
  }
  if (err instanceof ConfigError) return envelope(500, 'api_error', err.message);
  return envelope(500, 'api_error', 'internal error in claudine; the log has details under this request id');
}

function envelope(
  status: number,
  type: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): AnthropicErrorResponse {
  return { status, headers: { ...headers }, body: { type: 'error', error: { type, message } } };
}
