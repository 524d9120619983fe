import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import Anthropic, { OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MODEL_RULES, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { stream as streamEvents, textBlock } from '../helpers/anthropic-streams.js';
import { eventually, FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

/** What clients send: the proxy must throw it away and use its own credential. */
const CLIENT_DUMMY_KEY = 'client-dummy-key';

let upstream: Simulator;
let proxy: RunningProxy;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startSimulator();
  // No proxy-side retries here: these tests look at how each single upstream answer reaches the SDK.
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--upstream--max-retries': '0' } });
  client = new Anthropic({ baseURL: proxy.url, apiKey: CLIENT_DUMMY_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
});

describe('the native /v1/messages pass-through with the official Anthropic SDK', () => {
  it('creates a message, with the proxy credential replacing the client key upstream', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Simulated answer to: "Hi"' }]);
    const seen = upstream.requests[0]!;
    expect(seen.path).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe(FAKE_API_KEY);
    expect(seen.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(CLIENT_DUMMY_KEY);
    // The SDK's own anthropic-version is passed on as it is.
    expect(seen.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((seen.json as { system: string }).system).toBe('You are terse.');
  });

  it('streams with messages.stream() to finalMessage()', async () => {
    const texts: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts).toEqual(['Simulated answer ', 'to: "Hi"']);
    expect(final.content).toEqual([{ type: 'text', text: 'Simulated answer to: "Hi"' }]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('passes tool use through both ways', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
      },
    ];
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      tools,
      messages: [{ role: 'user', content: 'Weather? call tool get_weather with {"city":"Paris"}' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'Paris' },
    });
    expect((upstream.requests[0]!.json as { tools: unknown }).tools).toEqual(tools);
  });

  it('counts tokens', async () => {
    const count = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(upstream.requests[0]!.path).toBe('/v1/messages/count_tokens');
  });

  it('lists and retrieves models in Anthropic format', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(MODEL_RULES.map((r) => r.id));
    const one = await client.models.retrieve('claude-haiku-4-5');
    expect(one).toMatchObject({ type: 'model', id: 'claude-haiku-4-5' });
    expect(upstream.requests.every((r) => r.headers['x-api-key'] === FAKE_API_KEY)).toBe(true);
  });

  it('surfaces an upstream 429 as the SDK RateLimitError with retry-after intact', async () => {
    upstream.script({
      kind: 'error',
      status: 429,
      message: 'slow down',
      retryAfter: 17,
      headers: { 'anthropic-ratelimit-requests-remaining': '0' },
    });
    const error = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rate = error as RateLimitError;
    expect(rate.headers.get('retry-after')).toBe('17');
    expect(rate.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(rate.headers.get('request-id')).toBe(upstream.lastRequestId);
    expect(rate.message).toContain('slow down');
  });

  it('surfaces an upstream 529 as the SDK OverloadedError', async () => {
    upstream.script({ kind: 'error', status: 529, retryAfter: 3 });
    const error = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverloadedError);
    expect((error as OverloadedError).headers.get('retry-after')).toBe('3');
  });
});

describe('fidelity', () => {
  it('forwards body bytes unchanged, including a large request with an image', async () => {
    const image = randomBytes(3 * 1024 * 1024).toString('base64');
    // Odd spacing and key order: a re-serialising proxy would change the hash.
    const body = `{"model":"claude-sonnet-4-5",  "max_tokens":16,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"${image}"}},{"type":"text","text":"caf\u00e9 \\u00e9"}]}], "metadata":{"user_id":"u1"}}`;
    const sent = createHash('sha256').update(body).digest('hex');
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': CLIENT_DUMMY_KEY,
        'anthropic-beta': 'some-beta-2025-01-01',
      },
      body,
    });
    expect(res.status).toBe(200);
    await res.text();
    const seen = upstream.requests[0]!;
    expect(seen.sha256).toBe(sent);
    expect(seen.headers['x-api-key']).toBe(FAKE_API_KEY);
    expect(seen.headers['anthropic-beta']).toBe('some-beta-2025-01-01');
  });

  it('sends anthropic-version 2023-06-01 when the client sends none, and passes a given one on', async () => {
    await (
      await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).text();
    expect(upstream.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
    await (
      await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2099-01-01' },
        body: '{}',
      })
    ).text();
    expect(upstream.requests[1]!.headers['anthropic-version']).toBe('2099-01-01');
  });

  it('returns the upstream answer byte for byte', async () => {
    const raw =
      '{"id":"msg_x","type":"message",   "content":[{"type":"text","text":"a"}],"extra_field":{"kept":true}}';
    upstream.script({ kind: 'reply', message: raw, headers: { 'request-id': 'req_abc' } });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    });
    expect(await res.text()).toBe(raw);
    expect(res.headers.get('request-id')).toBe('req_abc');
  });

  it('refuses a body over the size limit with 413 in Anthropic format', async () => {
    const small = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--max-body-size': '1KiB' },
    });
    try {
      const res = await fetch(`${small.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(4096),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    } finally {
      await small.close();
    }
  });

  it('refuses a chunked body that grows over the limit with 413', async () => {
    const small = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--max-body-size': '1KiB' },
    });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${small.url}/v1/messages`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        for (let i = 0; i < 8; i++) req.write('y'.repeat(512));
        req.end();
      });
      expect(status).toBe(413);
    } finally {
      await small.close();
    }
  });
});

describe('disconnects', () => {
  it('closes the upstream request at once when the client disconnects, not when the stream would end', async () => {
    upstream.script({
      kind: 'reply',
      events: streamEvents([
        textBlock(
          0,
          Array.from({ length: 200 }, () => 'tick '),
        ),
      ]),
      fault: { kind: 'slow', ms: 50 },
    });
    const controller = new AbortController();
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const abortedAt = performance.now();
    controller.abort();
    await eventually(() => upstream.aborted.length > 0, 'the upstream request to be closed', 2000);
    // The stream has 10 s left (200 events 50 ms apart). Typically closed within a few ms; the bound is
    // loose so a loaded 2-core machine cannot fail it, and still far below what is left of the stream.
    expect(upstream.aborted[0]!.at - abortedAt).toBeLessThan(1000);
    await eventually(
      () => proxy.logs.some((l) => l['outcome'] === 'client_disconnect'),
      'the access log to record the disconnect',
    );
    upstream.aborted.length = 0;
  });

  it('ends the client stream when the upstream dies mid-stream, and logs it', async () => {
    // message_start, then the connection is destroyed.
    upstream.script({ kind: 'reset', afterEvents: 1 });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'dies-mid-stream' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    const text = await res.text();
    expect(text).toContain('message_start');
    expect(text).toContain('event: error');
    await eventually(
      () =>
        proxy.logs.some((l) => l['request_id'] === 'dies-mid-stream' && l['outcome'] === 'upstream_abort'),
      'the access log to record the upstream abort',
    );
    expect((await fetch(`${proxy.url}/health/liveness`)).status).toBe(200);
  });
});
