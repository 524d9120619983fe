import { describe, expect, it } from 'vitest';
import { toOpenAIError, upstreamErrorFromResponse } from '../../src/adapter/index.js';
import { AuthError, ClientError, UpstreamError } from '../../src/errors.js';

const body = (type: string, message = 'm') => ({ type: 'error', error: { type, message } });

describe('toOpenAIError', () => {
  it.each([
    [400, 'invalid_request_error', 400, 'invalid_request_error'],
    [401, 'authentication_error', 401, 'authentication_error'],
    [402, 'billing_error', 402, 'insufficient_quota'],
    [403, 'permission_error', 403, 'permission_denied'],
    [404, 'not_found_error', 404, 'invalid_request_error'],
    [413, 'request_too_large', 413, 'invalid_request_error'],
    [429, 'rate_limit_error', 429, 'rate_limit_error'],
    [500, 'api_error', 500, 'api_error'],
    [529, 'overloaded_error', 503, 'server_error'],
    [504, 'timeout_error', 504, 'server_error'],
  ])('maps upstream %i %s to %i %s', (status, type, wantStatus, wantType) => {
    const out = toOpenAIError(upstreamErrorFromResponse(status, body(type, 'boom'), {}));
    expect(out.status).toBe(wantStatus);
    // OpenAI clients back off on OpenAI's own rate-limit code; every other code is the upstream's type.
    const code = type === 'rate_limit_error' ? 'rate_limit_exceeded' : type;
    expect(out.body).toEqual({ error: { message: 'boom', type: wantType, param: null, code } });
  });

  it('maps an upstream error without a JSON body by status alone', () => {
    const out = toOpenAIError(upstreamErrorFromResponse(502, undefined, {}));
    expect(out.status).toBe(502);
    expect(out.body.error).toMatchObject({ type: 'server_error', code: null });
    expect(out.body.error.message).toContain('502');
  });

  it('maps an unanswered upstream (timeout, connection refused) to 504 or 502', () => {
    expect(toOpenAIError(new UpstreamError('timed out', 504, null, {}, false)).status).toBe(504);
    expect(toOpenAIError(new UpstreamError('refused', 502, null, {}, false)).status).toBe(502);
  });

  it('keeps retry-after and the upstream request id, and offers rate-limit headers under OpenAI names', () => {
    const err = upstreamErrorFromResponse(429, body('rate_limit_error'), {
      'Retry-After': '7',
      'request-id': 'req_abc',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:07Z',
      'anthropic-ratelimit-tokens-limit': '1000',
      'anthropic-ratelimit-tokens-remaining': '10',
      'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:01Z',
      'content-type': 'application/json',
    });
    const { headers } = toOpenAIError(err);
    expect(headers).toMatchObject({
      'retry-after': '7',
      'request-id': 'req_abc',
      'x-ratelimit-limit-requests': '50',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '2026-01-01T00:00:07Z',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '10',
      'x-ratelimit-reset-tokens': '2026-01-01T00:00:01Z',
      'anthropic-ratelimit-requests-limit': '50',
    });
    expect(headers).not.toHaveProperty('content-type');
  });

  it('accepts x-request-id as the upstream request id', () => {
    const err = upstreamErrorFromResponse(500, body('api_error'), { 'x-request-id': 'r1' });
    expect(toOpenAIError(err).headers['request-id']).toBe('r1');
  });

  it('turns a ClientError into a 400 invalid_request_error with its param', () => {
    const out = toOpenAIError(new ClientError('bad', 400, 'invalid_request', 'messages[0].content'));
    expect(out).toEqual({
      status: 400,
      headers: {},
      body: {
        error: { message: 'bad', type: 'invalid_request_error', param: 'messages[0].content', code: null },
      },
    });
  });

  it('turns an AuthError into a 401 authentication_error', () => {
    const out = toOpenAIError(new AuthError('no credential'));
    expect(out.status).toBe(401);
    expect(out.body.error.type).toBe('authentication_error');
  });

  it('turns anything else into a 500 without leaking its message', () => {
    const out = toOpenAIError(new TypeError('secret internals'));
    expect(out.status).toBe(500);
    expect(out.body.error.type).toBe('server_error');
    expect(out.body.error.message).not.toContain('secret');
    expect(toOpenAIError('a string').status).toBe(500);
  });
});
