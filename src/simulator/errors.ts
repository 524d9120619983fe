/**
 * The real API's error envelope: `{"type":"error","error":{"type","message"},"request_id"}` with the status
 * that goes with each error type (claude-models.md, "Errors").
 */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export const STATUS_OF: Record<ApiErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** A request the real API would refuse; thrown by the validators, answered by the server. */
export class SimulatedApiError extends Error {
  override readonly name = 'SimulatedApiError';
  readonly status: number;
  constructor(
    readonly type: ApiErrorType,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS_OF[type];
  }
}

export const invalid = (message: string): SimulatedApiError =>
  new SimulatedApiError('invalid_request_error', message);

export function errorEnvelope(
  type: string,
  message: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): { type: 'error'; error: Record<string, unknown>; request_id: string } {
  return { type: 'error', error: { type, message, ...extra }, request_id: requestId };
}
