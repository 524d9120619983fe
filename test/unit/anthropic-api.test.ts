import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/errors.js';
import type { RequestContext } from '../../src/http/context.js';
import {
  anthropicApiRoute,
  anthropicRouteLabel,
  matchAnthropicPath,
} from '../../src/http/routes/anthropic-api.js';
import {
  rewriteResultsUrls,
  StreamFlagSniffer,
  upstreamErrorType,
} from '../../src/http/routes/passthrough.js';
import type { Upstream } from '../../src/upstream/index.js';

describe('the Anthropic path table', () => {
  it.each([
    ['POST', '/v1/messages', 'found'],
    ['POST', '/v1/messages/count_tokens', 'found'],
    ['GET', '/v1/messages/batches', 'found'],
    ['POST', '/v1/messages/batches/msgbatch_01/cancel', 'found'],
    ['GET', '/v1/messages/batches/msgbatch_01/results', 'found'],
    ['DELETE', '/v1/files/file_01', 'found'],
    ['GET', '/v1/models/anthropic.claude-3-5-sonnet-20241022-v2:0', 'found'],
    ['GET', '/v1/models/claude-3-5-sonnet-v2@20241022', 'found'],
    ['GET', '/v1/messages', 'method'],
    ['POST', '/v1/files/file_01', 'method'],
    ['GET', '/v1/organizations/me', 'none'],
    ['GET', '/v1/files/file_01/content/extra', 'none'],
    ['GET', '/v2/messages', 'none'],
  ])('%s %s → %s', (method, path, kind) => {
    expect(matchAnthropicPath(method, path).kind).toBe(kind);
  });

  it.each(['/v1/models/..', '/v1/models/%2e%2E', '/v1/files/a%2Fb', '/v1/files/%ZZ', '/v1/files/a b'])(
    'refuses the id in %s',
    (path) => {
      expect(() => matchAnthropicPath('GET', path)).toThrow(ClientError);
    },
  );

  it('labels paths by template, so ids never become metric labels', () => {
    expect(anthropicRouteLabel('/v1/messages/batches/msgbatch_x/results')).toBe(
      '/v1/messages/batches/{id}/results',
    );
    expect(anthropicRouteLabel('/v1/files/file_x')).toBe('/v1/files/{id}');
    expect(anthropicRouteLabel('/v1/nothing')).toBeNull();
  });

  it('answers 501 for an API the upstream does not have, before touching it', () => {
    const route = anthropicApiRoute({
      upstream: {} as Upstream,
      limits: { messages: 1, batches: 1, files: 1 },
      supports: (api) => api !== 'files',
    });
    const req = { url: '/v1/files?limit=1', method: 'GET', headers: {} } as IncomingMessage;
    let thrown: unknown;
    try {
      void route(req, {} as ServerResponse, {} as RequestContext);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ClientError);
    expect((thrown as ClientError).status).toBe(501);
    expect((thrown as ClientError).message).toContain('files API is not available');
  });
});

describe('byte scans of pass-through bodies', () => {
  const sniff = (...chunks: string[]): boolean | null => {
    const sniffer = new StreamFlagSniffer();
    for (const chunk of chunks) sniffer.push(Buffer.from(chunk));
    return sniffer.value;
  };

  it('finds the request stream flag, the last top-level one winning, across chunk seams', () => {
    expect(sniff('{"model":"m","stream":true}')).toBe(true);
    expect(sniff('{"model":"m", "stream" : false}')).toBe(false);
    expect(sniff('{"model":"m"}')).toBeNull();
    expect(sniff('{"model":"m","str', 'eam":tr', 'ue}')).toBe(true);
    // Inside a string the quotes are escaped, so text about streams is not the flag.
    expect(sniff('{"messages":[{"content":"{\\"stream\\":true}"}],"stream":false}')).toBe(false);
  });

  it('reads the error type of an upstream error body, or the type of its status', () => {
    expect(
      upstreamErrorType(
        Buffer.from('{"type":"error","error":{"type":"overloaded_error","message":"x"}}'),
        529,
      ),
    ).toBe('overloaded_error');
    expect(upstreamErrorType(Buffer.from('<html>bad gateway</html>'), 502)).toBe('api_error');
    expect(upstreamErrorType(undefined, 404)).toBe('not_found_error');
  });

  it('rewrites only results_url values, keeping the batch path and query', () => {
    const body =
      '{"id":"msgbatch_1","results_url":"https://api.anthropic.com/v1/messages/batches/msgbatch_1/results?beta=true","note":"https://api.anthropic.com/v1/messages/batches/x"}';
    expect(rewriteResultsUrls(body, 'http://localhost:4000')).toBe(
      '{"id":"msgbatch_1","results_url":"http://localhost:4000/v1/messages/batches/msgbatch_1/results?beta=true","note":"https://api.anthropic.com/v1/messages/batches/x"}',
    );
    expect(rewriteResultsUrls('{"results_url":null}', 'http://localhost:4000')).toBe('{"results_url":null}');
  });
});
