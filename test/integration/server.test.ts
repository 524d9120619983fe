import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

let upstream: Simulator;
let proxy: RunningProxy;

beforeAll(async () => {
  upstream = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

describe('the HTTP edge', () => {
  it('answers liveness and readiness with 200 when a credential is configured', async () => {
    const live = await fetch(`${proxy.url}/health/liveness`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${proxy.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      upstream: { in_use: 0, queued: 0, capacity: 256 },
    });
  });

  it('answers an unknown route with 404 in the OpenAI error format', async () => {
    const res = await fetch(`${proxy.url}/v1/nope`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toContain('/v1/nope');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const res = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('not allowed');
  });

  it('keeps a sane client request id and returns it', async () => {
    const res = await fetch(`${proxy.url}/health/liveness`, {
      headers: { 'x-request-id': 'client-chosen-id-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('client-chosen-id-123');
  });

  it('replaces an insane request id with a generated one', async () => {
    const long = 'x'.repeat(129);
    const res = await fetch(`${proxy.url}/health/liveness`, { headers: { 'x-request-id': long } });
    const id = res.headers.get('x-request-id');
    expect(id).not.toBe(long);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes one access-log line per request with the request id and no body', async () => {
    const res = await fetch(`${proxy.url}/health/liveness`, {
      headers: { 'x-request-id': 'log-line-check' },
    });
    await res.text();
    await new Promise((r) => setTimeout(r, 20));
    const lines = proxy.logs.filter((l) => l['request_id'] === 'log-line-check');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request',
      method: 'GET',
      route: '/health/liveness',
      status: 200,
      level: 30,
    });
    expect(typeof lines[0]!['duration_ms']).toBe('number');
    expect(typeof lines[0]!['bytes_out']).toBe('number');
  });

  it('logs 4xx answers at warn level', async () => {
    await (await fetch(`${proxy.url}/v1/nope`, { headers: { 'x-request-id': 'warn-level-check' } })).text();
    await new Promise((r) => setTimeout(r, 20));
    expect(proxy.logs.find((l) => l['request_id'] === 'warn-level-check')).toMatchObject({
      level: 40,
      status: 404,
    });
  });
});

describe('without a credential', () => {
  it('still starts, reports 503 on readiness and tells /v1 clients how to provide a key', async () => {
    const bare = await startProxy({ upstreamBaseUrl: upstream.baseUrl, env: {} });
    try {
      const ready = await fetch(`${bare.url}/health/readiness`);
      expect(ready.status).toBe(503);
      const reason = ((await ready.json()) as { reason: string }).reason;
      expect(reason).toContain('ANTHROPIC_API_KEY');
      const res = await fetch(`${bare.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { message: string; type: string } };
      expect(body.error.type).toBe('authentication_error');
      // auth.storage = "env": the variable is the only way to provide one, and the message says so.
      expect(body.error.message).toContain('ANTHROPIC_API_KEY');
      const native = await fetch(`${bare.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(native.status).toBe(401);
      expect(await native.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    } finally {
      await bare.close();
    }
  });
});

describe('IPv6', () => {
  it('listens on ::1 when asked', async () => {
    const v6 = await startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--server--host': '::1' } });
    try {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const res = await fetch(`${v6.url}/health/liveness`);
      expect(res.status).toBe(200);
    } finally {
      await v6.close();
    }
  });
});
