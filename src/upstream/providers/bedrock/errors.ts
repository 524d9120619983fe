/**
 * Bedrock's exceptions → Anthropic's error types and statuses, so every client dialect sees the error it
 * would have seen from Anthropic (throttling → 429 rate_limit_error, which OpenAI clients get as
 * `rate_limit_exceeded`). One table; HTTP error answers and in-stream exception frames both use it.
 * Source: the InvokeModel / InvokeModelWithResponseStream "Errors" sections of the Bedrock API reference.
 */
export interface MappedError {
  readonly status: number;
  readonly type: string;
}

const BY_EXCEPTION: ReadonlyMap<string, MappedError> = new Map([
  ['throttlingexception', { status: 429, type: 'rate_limit_error' }],
  ['servicequotaexceededexception', { status: 429, type: 'rate_limit_error' }],
  ['serviceunavailableexception', { status: 529, type: 'overloaded_error' }],
  ['modelnotreadyexception', { status: 529, type: 'overloaded_error' }],
  ['validationexception', { status: 400, type: 'invalid_request_error' }],
  ['accessdeniedexception', { status: 403, type: 'permission_error' }],
  ['resourcenotfoundexception', { status: 404, type: 'not_found_error' }],
  ['unrecognizedclientexception', { status: 401, type: 'authentication_error' }],
  ['expiredtokenexception', { status: 401, type: 'authentication_error' }],
  ['invalidsignatureexception', { status: 401, type: 'authentication_error' }],
  ['modeltimeoutexception', { status: 504, type: 'timeout_error' }],
  ['modelerrorexception', { status: 502, type: 'api_error' }],
  ['modelstreamerrorexception', { status: 502, type: 'api_error' }],
  ['internalserverexception', { status: 500, type: 'api_error' }],
]);

function byStatus(status: number): MappedError {
  if (status === 429) return { status, type: 'rate_limit_error' };
  if (status === 503) return { status: 529, type: 'overloaded_error' };
  if (status === 401) return { status, type: 'authentication_error' };
  if (status === 403) return { status, type: 'permission_error' };
  if (status === 404) return { status, type: 'not_found_error' };
  if (status === 413) return { status, type: 'request_too_large' };
  if (status >= 400 && status < 500) return { status, type: 'invalid_request_error' };
  return { status: status >= 500 ? status : 502, type: 'api_error' };
}

/**
 * `x-amzn-errortype: ThrottlingException:http://…` or an exception frame's `:exception-type`
 * (`throttlingException`) → the mapping; by HTTP status when the name is unknown.
 */
export function mapBedrockError(name: string | undefined, status: number): MappedError {
  const key = (name ?? '').split(':', 1)[0]?.trim().toLowerCase() ?? '';
  return BY_EXCEPTION.get(key) ?? byStatus(status);
}

/** The Anthropic error event or body for a Bedrock exception. */
export function anthropicErrorJson(name: string | undefined, status: number, message: string): string {
  const mapped = mapBedrockError(name, status);
  const said = message !== '' ? message : `Bedrock answered ${name ?? `status ${status}`}`;
  return JSON.stringify({ type: 'error', error: { type: mapped.type, message: said } });
}
