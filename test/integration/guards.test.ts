import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

let upstream: Simulator;
let proxy: RunningProxy;
const ALLOWED_ORIGIN = 'http://127.0.0.1:5999';
const CLIENT_KEY = 'client-key-for-tests-only';

/** Raw request so the Host header can be anything (fetch would not let us forge it). */
function raw(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'POST',
  body = '{}',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(method === 'GET' || method === 'OPTIONS' ? undefined : body);
  });
}

const chatBody = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] });

beforeAll(async () => {
  upstream = await startSimulator();
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    flags: { '--server--cors-origins': ALLOWED_ORIGIN, '--server--allowed-hosts': 'claudine.internal' },
  });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

describe('guarding the door', () => {
  it('refuses a rebinding Host header with 403', async () => {
    const res = await raw(
      proxy.url,
      '/v1/chat/completions',
      { host: 'evil.example:4000', 'content-type': 'application/json' },
      'POST',
      chatBody,
    );
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toContain('evil.example');
    expect(upstream.requests).toHaveLength(0);
  });

  it('accepts localhost, loopback addresses and configured host names', async () => {
    for (const host of [
      `localhost:${proxy.port}`,
      `127.0.0.1:${proxy.port}`,
      '[::1]:4000',
      'claudine.internal',
    ]) {
      const res = await raw(proxy.url, '/health/liveness', { host }, 'GET');
      expect(res.status, host).toBe(200);
    }
  });

  it('refuses a cross-origin "simple" text/plain POST from a web page', async () => {
    const res = await raw(
      proxy.url,
      '/v1/chat/completions',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      'POST',
      chatBody,
    );
    expect(res.status).toBe(403);
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers CORS preflights only for allowed origins', async () => {
    const denied = await raw(
      proxy.url,
      '/v1/chat/completions',
      { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect(denied.status).toBe(403);
    const allowed = await raw(
      proxy.url,
      '/v1/chat/completions',
      {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
      'OPTIONS',
    );
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers['access-control-allow-headers']).toBe('content-type, authorization');
  });

  it('serves the same request from the allowed origin', async () => {
    const res = await raw(
      proxy.url,
      '/v1/chat/completions',
      { origin: ALLOWED_ORIGIN, 'content-type': 'application/json' },
      'POST',
      chatBody,
    );
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
  });
});

describe('client keys', () => {
  it('requires one of server.api_keys on /v1 routes, by Bearer or x-api-key', async () => {
    const keyed = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--api-keys': `other-key,${CLIENT_KEY}` },
    });
    try {
      const none = await raw(
        keyed.url,
        '/v1/chat/completions',
        { 'content-type': 'application/json' },
        'POST',
        chatBody,
      );
      expect(none.status).toBe(401);
      const wrong = await raw(
        keyed.url,
        '/v1/chat/completions',
        { 'content-type': 'application/json', authorization: 'Bearer nope' },
        'POST',
        chatBody,
      );
      expect(wrong.status).toBe(401);
      const bearer = await raw(
        keyed.url,
        '/v1/chat/completions',
        { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        'POST',
        chatBody,
      );
      expect(bearer.status).toBe(200);
      const xKey = await raw(
        keyed.url,
        '/v1/messages',
        { 'content-type': 'application/json', 'x-api-key': CLIENT_KEY },
        'POST',
        JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      );
      expect(xKey.status).toBe(200);
      // The client key is the client's business: it never goes upstream.
      expect(JSON.stringify(upstream.requests.map((r) => r.headers))).not.toContain(CLIENT_KEY);
      // Health stays open for probes.
      expect((await raw(keyed.url, '/health/liveness', {}, 'GET')).status).toBe(200);
    } finally {
      await keyed.close();
    }
  });

  it('refuses to start on a non-loopback address without client keys', async () => {
    await expect(
      startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--server--host': '0.0.0.0' } }),
    ).rejects.toThrow(/server.api_keys/);
  });
});
