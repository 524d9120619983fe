/**
 * The ONE OpenAI-dialect error normaliser, and the upstream-error constructor it pairs with.
 *
 * | upstream status / type            | client status | OpenAI `type`          |
 * |-----------------------------------|---------------|------------------------|
 * | 400 invalid_request_error         | 400           | invalid_request_error  |
 * | 401 authentication_error          | 401           | authentication_error   |
 * | 402 billing_error                 | 402           | insufficient_quota     |
 * | 403 permission_error              | 403           | permission_denied      |
 * | 404 not_found_error               | 404           | invalid_request_error  |
 * | 413 request_too_large             | 413           | invalid_request_error  |
 * | 429 rate_limit_error              | 429           | rate_limit_error (code rate_limit_exceeded) |
 * | 500 api_error                     | 500           | api_error              |
 * | 529 overloaded_error              | 503           | server_error           |
 * | 504 timeout_error / no answer     | 504           | server_error           |
 * | other 5xx / unreachable           | 502           | server_error           |
 *
 * The `type` strings follow the conformance fixtures (the Go original). `code` carries the upstream's own
 * error type so nothing is lost. Headers: `retry-after` and the upstream request id (as `request-id`; the
 * proxy's own id owns `x-request-id`) are kept, and `anthropic-ratelimit-{requests,tokens}-{limit,remaining,
 * reset}` are offered under OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` names too (the
 * reset value stays Anthropic's RFC 3339 time, not OpenAI's duration).
 */
import { AuthError, ClientError, UpstreamError, type ErrorKind } from '../errors.js';
import type { OpenAIErrorBody } from '../wire/index.js';
import { field, isObject } from './check.js';

export interface OpenAIErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: OpenAIErrorBody;
}

interface Mapping {
  status: number;
  type: string;
}

const BY_UPSTREAM_TYPE: ReadonlyMap<string, Mapping> = new Map([
  ['invalid_request_error', { status: 400, type: 'invalid_request_error' }],
  ['authentication_error', { status: 401, type: 'authentication_error' }],
  ['billing_error', { status: 402, type: 'insufficient_quota' }],
  ['permission_error', { status: 403, type: 'permission_denied' }],
  ['not_found_error', { status: 404, type: 'invalid_request_error' }],
  ['request_too_large', { status: 413, type: 'invalid_request_error' }],
  ['rate_limit_error', { status: 429, type: 'rate_limit_error' }],
  ['api_error', { status: 500, type: 'api_error' }],
  ['overloaded_error', { status: 503, type: 'server_error' }],
  ['timeout_error', { status: 504, type: 'server_error' }],
]);

function byStatus(status: number): Mapping {
  switch (status) {
    case 400:
      return { status, type: 'invalid_request_error' };
    case 401:
      return { status, type: 'authentication_error' };
    case 402:
      return { status, type: 'insufficient_quota' };
    case 403:
      return { status, type: 'permission_denied' };
    case 404:
    case 413:
      return { status, type: 'invalid_request_error' };
    case 429:
      return { status, type: 'rate_limit_error' };
    case 500:
      return { status, type: 'api_error' };
    case 503:
    case 529:
      return { status: 503, type: 'server_error' };
    case 408:
    case 504:
      return { status: 504, type: 'server_error' };
    default:
      if (status >= 400 && status < 500) return { status, type: 'invalid_request_error' };
      return { status: 502, type: 'server_error' };
  }
}

const TYPE_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_denied',
  not_found: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  overloaded: 'server_error',
  timeout: 'server_error',
  unavailable: 'server_error',
  upstream: 'server_error',
  internal: 'server_error',
};

/** Any throwable → status, headers and OpenAI's `{error:{message,type,param,code}}`. */
export function toOpenAIError(err: unknown): OpenAIErrorResponse {
  if (err instanceof ClientError) {
    return envelope(err.status, TYPE_BY_KIND[err.kind], err.message, err.param, err.code);
  }
  if (err instanceof AuthError) {
    return envelope(
      err.status,
      err.status === 403 ? 'permission_denied' : 'authentication_error',
      err.message,
    );
  }
  if (err instanceof UpstreamError) {
    const known = err.upstreamType === null ? undefined : BY_UPSTREAM_TYPE.get(err.upstreamType);
    const fromStatus = byStatus(err.status);
    // The status decides the client status (a 404 stays a 404); the upstream type, when known, the type.
    const status = err.answered ? fromStatus.status : err.status === 504 ? 504 : 502;
    const type = known?.type ?? fromStatus.type;
    return envelope(
      status,
      type,
      err.message,
      null,
      openAICode(type, err.upstreamType),
      openAIHeaders(err.headers),
    );
  }
  return envelope(
    500,
    'server_error',
    'internal error in claudine; the log has details under this request id',
  );
}

/**
 * An `error` event inside an upstream stream: the status line is long gone, so the type decides. The body is
 * what the stream sends in place of a chunk (the openai SDK raises an APIError for a payload with `error`).
 */
export function streamErrorToOpenAI(error: unknown): OpenAIErrorResponse {
  const type = isObject(error) ? field(error, 'type') : undefined;
  const message = isObject(error) ? field(error, 'message') : undefined;
  const upstreamType = typeof type === 'string' ? type : null;
  const mapping = (upstreamType !== null ? BY_UPSTREAM_TYPE.get(upstreamType) : undefined) ?? byStatus(502);
  const text = typeof message === 'string' && message.length > 0 ? message : 'the upstream stream failed';
  return envelope(mapping.status, mapping.type, text, null, openAICode(mapping.type, upstreamType));
}

/**
 * `code` carries the upstream's own error type so nothing is lost, except for rate limits, where OpenAI
 * clients look for OpenAI's own code (`rate_limit_exceeded`) to decide to back off — whichever upstream
 * (Anthropic's 429, Bedrock's throttling) said it.
 */
function openAICode(type: string, upstreamType: string | null): string | null {
  return type === 'rate_limit_error' ? 'rate_limit_exceeded' : upstreamType;
}

const KEPT_HEADERS = ['retry-after', 'retry-after-ms', 'x-should-retry', 'request-id', 'x-request-id'];

/**
 * A non-2xx upstream answer → UpstreamError. `body` is the parsed JSON (or undefined); only headers a client
 * can use are kept: retry-after, the request id, and the rate-limit headers.
 */
export function upstreamErrorFromResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): UpstreamError {
  let message = `the upstream answered with status ${status}`;
  let type: string | null = null;
  const error = isObject(body) ? field(body, 'error') : undefined;
  if (isObject(error)) {
    const m = field(error, 'message');
    const t = field(error, 'type');
    if (typeof m === 'string' && m.length > 0) message = m;
    if (typeof t === 'string' && t.length > 0) type = t;
  }
  const kept: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (typeof value !== 'string') continue;
    if (KEPT_HEADERS.includes(lower) || lower.startsWith('anthropic-ratelimit-')) kept[lower] = value;
  }
  return new UpstreamError(message, status, type, kept);
}

/**
 * Upstream headers → what the OpenAI client gets, on errors and successful answers alike (see the table
 * comment at the top). Repeated headers (arrays) are not among them and are skipped.
 */
export function openAIHeaders(
  upstream: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(upstream)) {
    const value = upstream[name];
    if (typeof value !== 'string') continue;
    const lower = name.toLowerCase();
    if (lower === 'x-request-id' || lower === 'request-id') {
      out['request-id'] = value;
    } else if (lower === 'retry-after' || lower === 'retry-after-ms' || lower === 'x-should-retry') {
      out[lower] = value;
    } else if (lower.startsWith('anthropic-ratelimit-')) {
      out[lower] = value;
      const m = /^anthropic-ratelimit-(requests|tokens)-(limit|remaining|reset)$/.exec(lower);
      if (m !== null) out[`x-ratelimit-${m[2]}-${m[1]}`] = value;
    }
  }
  return out;
}

function envelope(
  status: number,
  type: string,
  message: string,
  param: string | null = null,
  code: string | null = null,
  headers: Record<string, string> = {},
): OpenAIErrorResponse {
  return { status, headers, body: { error: { message, type, param, code } } };
}
