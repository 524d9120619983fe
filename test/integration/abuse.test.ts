/**
 * The abuse fault suite (issue 13): a scripted faulty upstream and hostile or broken clients, over real
 * loopback sockets, driven where it matters by the official SDKs. Every load loop is bounded in count and
 * time; the whole file is meant to stay within a few seconds on a 2-core CI machine.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultHandler,
  sendJson,
  sseEvent,
  startFakeUpstream,
  textStreamEvents,
  type FakeHandler,
  type FakeUpstream,
} from '../helpers/fake-upstream.js';
import { startProxy, eventually, type RunningProxy } from '../helpers/proxy.js';

const TEST_KEY = 'sk-ant-test-not-a-real-key';

let upstream: FakeUpstream;
let proxy: RunningProxy;

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], ...extra });
const native = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  });

function post(
  target: RunningProxy,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${target.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** Answers with headers and half an event, then drops the connection: `times` times, then normally. */
function resetAfterHeaders(times: number): FakeHandler {
  let left = times;
  return (req, res) => {
    if (left-- <= 0) return defaultHandler(req, res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: message_start\ndata: {"type":"message_st');
    setTimeout(() => res.socket?.destroy(), 10);
  };
}

function error529(headers: Record<string, string> = {}): FakeHandler {
  return (_req, res) =>
    sendJson(
      res,
      529,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      headers,
    );
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    flags: { '--upstream--max-retries': '2', '--upstream--retry-deadline': '10s' },
  });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
afterEach(async () => {
  upstream.handler = defaultHandler;
  upstream.requests.length = 0;
  expect((await fetch(`${proxy.url}/health/liveness`)).status).toBe(200);
});

describe('a connection that fails after the headers, before the first event (item 2)', () => {
  it('is retried on both routes, so the client gets its answer', async () => {
    upstream.handler = resetAfterHeaders(1);
    const openai = await post(proxy, '/v1/chat/completions', chat({ stream: true }));
    expect(openai.status).toBe(200);
    expect(await openai.text()).toContain('"content":"Hello"');
    expect(upstream.requests).toHaveLength(2);

    upstream.requests.length = 0;
    upstream.handler = resetAfterHeaders(1);
    const anthropic = await post(proxy, '/v1/messages', native({ stream: true }));
    expect(anthropic.status).toBe(200);
    expect(await anthropic.text()).toContain('event: message_stop');
    expect(upstream.requests).toHaveLength(2);
  });

  it('is a 502 in each dialect when it keeps happening, never a 500 "internal error"', async () => {
    upstream.handler = resetAfterHeaders(100);
    const openai = await post(proxy, '/v1/chat/completions', chat({ stream: true }));
    expect(openai.status).toBe(502);
    const body = (await openai.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toContain('the upstream');
    expect(body.error.message).not.toContain('internal error');
    expect(upstream.requests).toHaveLength(3);

    const anthropic = await post(proxy, '/v1/messages', native({ stream: true }));
    expect(anthropic.status).toBe(502);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(proxy.logs.some((l) => l['msg'] === 'unexpected error')).toBe(false);
  });
});

describe('retry discipline', () => {
  it('honours retry-after: 0 exactly (no backoff of its own)', async () => {
    let calls = 0;
    upstream.handler = (req, res) =>
      calls++ < 2
        ? sendJson(
            res,
            429,
            { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
            { 'retry-after': '0' },
          )
        : defaultHandler(req, res);
    const started = performance.now();
    const res = await post(proxy, '/v1/chat/completions', chat());
    expect(res.status).toBe(200);
    expect(calls).toBe(3);
    // Two retries with the default backoff would take at least 250 + 500 ms.
    expect(performance.now() - started).toBeLessThan(600);
  });

  it('never retries a spend-limit 429, and tells the client not to either', async () => {
    upstream.handler = (_req, res) =>
      sendJson(res, 429, {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'You have reached your specified API usage limits.',
          details: { error_code: 'enforced_spend_limit_reached' },
        },
      });
    const anthropic = await post(proxy, '/v1/messages', native());
    expect(anthropic.status).toBe(429);
    expect(anthropic.headers.get('x-should-retry')).toBe('false');
    expect(((await anthropic.json()) as { error: { details: unknown } }).error.details).toEqual({
      error_code: 'enforced_spend_limit_reached',
    });
    expect(upstream.requests).toHaveLength(1);

    const openai = await post(proxy, '/v1/chat/completions', chat());
    expect(openai.status).toBe(429);
    expect(openai.headers.get('x-should-retry')).toBe('false');
    expect(upstream.requests).toHaveLength(2);

    // The official SDK obeys x-should-retry: one call, not 1 + its 2 retries.
    const sdk = new Anthropic({ baseURL: proxy.url, apiKey: TEST_KEY });
    await expect(
      sdk.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 429 });
    expect(upstream.requests).toHaveLength(3);
  });

  it('does not multiply the official SDKs’ retries on a persistent 529', async () => {
    // retry-after-ms keeps the SDK's own waits short; the SDK default is maxRetries = 2 (3 calls).
    upstream.handler = error529({ 'retry-after-ms': '5' });
    const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: TEST_KEY });
    await expect(
      anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 529 });
    expect(upstream.requests).toHaveLength(3);

    upstream.requests.length = 0;
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: TEST_KEY });
    await expect(
      openai.chat.completions.create({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(upstream.requests).toHaveLength(3);

    upstream.requests.length = 0;
    await expect(
      openai.responses.create({ model: 'claude-sonnet-4-5', input: 'hi', store: false }),
    ).rejects.toMatchObject({ status: 503 });
    expect(upstream.requests).toHaveLength(3);
  });

  it('still retries for a client that does not retry itself (plain fetch): the documented bound', async () => {
    upstream.handler = error529({ 'retry-after': '0' });
    const res = await post(proxy, '/v1/messages', native());
    expect(res.status).toBe(529);
    expect(upstream.requests).toHaveLength(3); // 1 + upstream.max_retries
  });

  it('multiplies again only when told to (upstream.defer_to_client_retries = false)', async () => {
    const eager = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--upstream--max-retries': '1', '--upstream--defer-to-client-retries': 'false' },
    });
    try {
      upstream.handler = error529({ 'retry-after-ms': '5' });
      const anthropic = new Anthropic({ baseURL: eager.url, apiKey: TEST_KEY, maxRetries: 1 });
      await expect(
        anthropic.messages.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ).rejects.toMatchObject({ status: 529 });
      expect(upstream.requests).toHaveLength(4); // (1 + 1 SDK retry) × (1 + 1 proxy retry)
    } finally {
      await eager.close();
    }
  });

  it('retries a reset connection even for an SDK client (nothing was spent)', async () => {
    let calls = 0;
    upstream.handler = (req, res) => {
      if (calls++ === 0) {
        res.socket?.destroy();
        return;
      }
      return defaultHandler(req, res);
    };
    const res = await post(proxy, '/v1/messages', native(), { 'x-stainless-retry-count': '0' });
    expect(res.status).toBe(200);
    expect(calls).toBe(2);
  });
});

/** Opens a streaming request on a raw socket and never reads the answer. */
function stalledStream(target: RunningProxy, path: string, body: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(target.port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.pause();
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** An upstream stream that never ends: message_start, then a ping every 100 ms. */
const endlessStream: FakeHandler = async (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(sseEvent(textStreamEvents([])[0]!));
  while (!res.destroyed) {
    res.write(sseEvent({ type: 'ping' }));
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('admission: a full upstream pool (item 1)', () => {
  let small: RunningProxy;
  beforeAll(async () => {
    small = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--upstream--connections': '4', '--upstream--queue-timeout': '300ms' },
    });
  });
  afterAll(async () => {
    await small.close();
  });

  it('answers a fast 503 with retry-after in each dialect instead of a hang, and recovers', async () => {
    const sockets: Socket[] = [];
    try {
      upstream.handler = (req, res) =>
        req.path === '/v1/messages' && (req.json as { stream?: boolean }).stream === true
          ? endlessStream(req, res)
          : defaultHandler(req, res);
      for (let i = 0; i < 6; i++)
        sockets.push(await stalledStream(small, '/v1/messages', native({ stream: true })));
      await eventually(() => upstream.requests.length >= 4, 'four upstream streams');

      const started = performance.now();
      const openai = await post(small, '/v1/chat/completions', chat());
      expect(openai.status).toBe(503);
      expect(openai.headers.get('retry-after')).toBe('1');
      expect(((await openai.json()) as { error: { type: string; message: string } }).error).toMatchObject({
        type: 'server_error',
        message: expect.stringContaining('upstream.queue_timeout') as string,
      });
      const anthropic = await post(small, '/v1/messages', native());
      expect(anthropic.status).toBe(503);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
      expect(performance.now() - started).toBeLessThan(2000);

      // Readiness says why, metrics show it.
      const ready = await fetch(`${small.url}/health/readiness`);
      expect(await ready.json()).toMatchObject({ upstream: { in_use: 4, capacity: 4 } });
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      expect(metrics).toMatch(/claudine_upstream_connections_in_use 4/);
      expect(metrics).toMatch(/claudine_upstream_queue_timeouts_total [1-9]/);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // Freed connections serve the next request.
    upstream.handler = defaultHandler;
    await eventually(() => small.app.readiness().ready, 'the pool to drain', 3000);
    const after = await post(small, '/v1/chat/completions', chat());
    expect(after.status).toBe(200);
  });

  it('does not give an upstream connection to a client that drips its body', async () => {
    const drippers: Socket[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const socket = connect(small.port, '127.0.0.1');
        await new Promise((r) => socket.once('connect', r));
        socket.on('error', () => undefined);
        socket.write(
          'POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
            'Content-Length: 100000\r\n\r\n{"model":"claude-sonnet-4-5",',
        );
        drippers.push(socket);
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(upstream.requests).toHaveLength(0);
      const started = performance.now();
      const res = await post(small, '/v1/messages', native());
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      for (const socket of drippers) socket.destroy();
    }
  });
});

describe('parsing bounded before any full parse (item 3)', () => {
  it('refuses a 30 MB nested body at once, without the memory a parse would take, and keeps serving', async () => {
    const body = Buffer.from('{"model":"claude-sonnet-4-5","messages":' + '['.repeat(30 * 1024 * 1024));
    let peak = process.memoryUsage().rss;
    const baseline = peak;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const started = performance.now();
      const [res, health] = await Promise.all([
        fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
        (async () => {
          const at = performance.now();
          await fetch(`${proxy.url}/health/liveness`);
          return performance.now() - at;
        })(),
      ]);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
        'nested deeper than 256',
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(health).toBeLessThan(500);
      expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses nesting hidden inside a string the body carries (tool-call arguments)', async () => {
    const started = performance.now();
    const res = await post(
      proxy,
      '/v1/chat/completions',
      chat({
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'f', arguments: '{"a":' + '['.repeat(5_000_000) },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
        ],
      }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('nested deeper');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('still accepts deep-but-allowed nesting and brackets inside strings', async () => {
    const res = await post(
      proxy,
      '/v1/chat/completions',
      chat({
        messages: [{ role: 'user', content: '[[[[{{{{ "\\"[[[[' + '['.repeat(1000) }],
        metadata: { user_id: 'x' },
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'n',
            schema: JSON.parse('{"a":'.repeat(100) + '1' + '}'.repeat(100)) as object,
          },
        },
      }),
    );
    expect(res.status).not.toBe(400);
  });
});

describe('linear-time SSE for any line length (item 4)', () => {
  it('translates a stream with a 50 MB event line in linear time on the chat route', async () => {
    const big = 'y'.repeat(50 * 1024 * 1024);
    upstream.handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = textStreamEvents(['PLACEHOLDER']);
      for (const event of events) {
        let frame = sseEvent(event);
        if (frame.includes('PLACEHOLDER')) frame = frame.replace('PLACEHOLDER', big);
        // 64 KiB writes, as a socket would deliver them.
        for (let i = 0; i < frame.length; i += 65536)
          if (!res.write(frame.slice(i, i + 65536))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    };
    const started = performance.now();
    const res = await post(proxy, '/v1/chat/completions', chat({ stream: true }));
    const text = await res.text();
    // Quadratic line handling took ~50 s for this; linear takes well under a second of decoding.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(text.length).toBeGreaterThan(50 * 1024 * 1024);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  }, 30_000);
});

describe('what the logs and counters say', () => {
  it('logs a client that left before the answer as a 499 disconnect at info level, not as a bug or a 200 (item 8)', async () => {
    upstream.handler = async (req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      if (!res.destroyed) await defaultHandler(req, res);
    };
    const controller = new AbortController();
    const pending = fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'leaves-early' },
      body: chat(),
      signal: controller.signal,
    }).catch(() => 'aborted');
    await eventually(() => upstream.requests.length === 1, 'the upstream request');
    controller.abort();
    expect(await pending).toBe('aborted');
    await eventually(
      () => proxy.logs.some((l) => l['msg'] === 'request' && l['request_id'] === 'leaves-early'),
      'the access log line',
    );
    await new Promise((r) => setTimeout(r, 50));
    const line = proxy.logs.find((l) => l['msg'] === 'request' && l['request_id'] === 'leaves-early')!;
    expect(line).toMatchObject({ status: 499, outcome: 'client_disconnect', level: 30 });
    expect(proxy.logs.some((l) => l['msg'] === 'unexpected error')).toBe(false);
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toMatch(/claudine_http_requests_total\{route="\/v1\/chat\/completions",status="499"\} 1/);
  });

  it('never writes control or bidi characters from a client raw into a log line (item 6)', async () => {
    const model = 'claude\u001b[2J\r\nfake=line\u0085\u009b31m\u202eevil\u2028';
    const res = await post(proxy, '/v1/chat/completions', chat({ model }), { 'x-request-id': 'ctl-chars' });
    await res.text();
    await eventually(
      () => proxy.rawLogs.some((l) => l.includes('ctl-chars') && l.includes('"msg":"request"')),
      'the access log line',
    );
    const raw = proxy.rawLogs.find((l) => l.includes('ctl-chars') && l.includes('"msg":"request"'))!;
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const unsafe = new RegExp('[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e]');
    expect(raw).not.toMatch(unsafe);
    const { formatTextLine } = await import('../../src/log/index.js');
    const text = formatTextLine(raw);
    expect(text.slice(0, -1)).not.toMatch(unsafe);
    expect(text).toContain('model=');
  });
});

describe('stalled readers cannot freeze everyone (item 1)', () => {
  it('150 streaming clients that stop reading: a normal client is still answered promptly, on both routes', async () => {
    const crowd = await startProxy({ upstreamBaseUrl: upstream.baseUrl });
    const sockets: Socket[] = [];
    try {
      upstream.handler = (req, res) =>
        (req.json as { stream?: boolean }).stream === true
          ? endlessStream(req, res)
          : defaultHandler(req, res);
      for (let i = 0; i < 150; i++)
        sockets.push(await stalledStream(crowd, '/v1/messages', native({ stream: true })));
      await eventually(() => upstream.requests.length >= 150, '150 upstream streams', 10_000);
      const started = performance.now();
      const [openai, anthropic] = await Promise.all([
        post(crowd, '/v1/chat/completions', chat()),
        post(crowd, '/v1/messages', native()),
      ]);
      expect(openai.status).toBe(200);
      expect(anthropic.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await crowd.close();
    }
  }, 30_000);

  it('with a pool smaller than the crowd, the normal client gets a fast 503, never a hang', async () => {
    const crowd = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--upstream--connections': '128', '--upstream--queue-timeout': '500ms' },
    });
    const sockets: Socket[] = [];
    try {
      upstream.handler = (req, res) =>
        (req.json as { stream?: boolean }).stream === true
          ? endlessStream(req, res)
          : defaultHandler(req, res);
      for (let i = 0; i < 150; i++)
        sockets.push(await stalledStream(crowd, '/v1/messages', native({ stream: true })));
      await eventually(() => upstream.requests.length >= 128, '128 upstream streams', 10_000);
      const started = performance.now();
      const res = await post(crowd, '/v1/chat/completions', chat());
      expect([200, 503]).toContain(res.status);
      expect(res.status === 503 ? res.headers.get('retry-after') : '1').toBe('1');
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await crowd.close();
    }
  }, 30_000);

  it('cuts off a client that leaves its answer unread, freeing its upstream connection', async () => {
    const strict = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: {
        '--upstream--connections': '2',
        '--upstream--queue-timeout': '5s',
        '--server--client-stall-timeout': '500ms',
      },
    });
    const sockets: Socket[] = [];
    try {
      // An upstream that pushes as fast as the proxy takes it: a client that does not read fills up.
      upstream.handler = async (req, res) => {
        if ((req.json as { stream?: boolean }).stream !== true) return defaultHandler(req, res);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sseEvent(textStreamEvents([])[0]!));
        const piece = sseEvent({
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'z'.repeat(16 * 1024) },
        });
        for (let sent = 0; sent < 64 * 1024 * 1024 && !res.destroyed; sent += piece.length)
          if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
        res.end();
      };
      for (let i = 0; i < 2; i++)
        sockets.push(await stalledStream(strict, '/v1/messages', native({ stream: true })));
      await eventually(() => upstream.requests.length >= 2, 'two upstream streams');
      const started = performance.now();
      const res = await post(strict, '/v1/chat/completions', chat());
      expect(res.status).toBe(200);
      // The stalled pair were cut after ~0.5 s of not reading; the normal client waited for a connection.
      expect(performance.now() - started).toBeLessThan(4000);
      expect(upstream.aborted.length).toBeGreaterThanOrEqual(2);
      await eventually(
        () => strict.logs.filter((l) => l['error_type'] === 'client_stalled').length >= 2,
        'two client_stalled log lines',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await strict.close();
    }
  }, 30_000);
});

describe('shutdown (item 10)', () => {
  it('ends streams still running at the shutdown timeout with an error in each dialect, not a reset', async () => {
    const stopping = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--shutdown--timeout': '300ms' },
    });
    upstream.handler = (req, res) =>
      (req.json as { stream?: boolean }).stream === true
        ? endlessStream(req, res)
        : new Promise<void>(() => undefined); // never answers
    const openai = await post(stopping, '/v1/chat/completions', chat({ stream: true }));
    const anthropic = await post(stopping, '/v1/messages', native({ stream: true }));
    const waiting = post(stopping, '/v1/messages', native());
    await eventually(() => upstream.requests.length >= 3, 'three upstream requests');
    const openaiText = openai.text();
    const anthropicText = anthropic.text();
    await stopping.close();
    const chatBody = await openaiText;
    expect(chatBody).toMatch(/data: \{"error":\{"message":"claudine is shutting down/);
    expect(chatBody.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const nativeBody = await anthropicText;
    expect(nativeBody).toContain('event: error');
    expect(nativeBody).toContain('"type":"overloaded_error"');
    const notBegun = await waiting;
    expect(notBegun.status).toBe(503);
    expect(notBegun.headers.get('retry-after')).toBe('1');
    expect(await notBegun.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});

describe('timeouts that match real streams', () => {
  it('a stream gets first_byte_timeout for its headers, and idle_timeout mid-stream, each ending in its dialect', async () => {
    const timed = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: {
        '--upstream--first-byte-timeout': '300ms',
        '--upstream--headers-timeout': '20s',
        '--upstream--idle-timeout': '400ms',
      },
    });
    try {
      upstream.handler = () => new Promise<void>(() => undefined); // never answers
      let started = performance.now();
      const openai = await post(timed, '/v1/chat/completions', chat({ stream: true }));
      expect(openai.status).toBe(504);
      const anthropic = await post(timed, '/v1/messages', native({ stream: true }));
      expect(anthropic.status).toBe(504);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
      expect(performance.now() - started).toBeLessThan(3000);

      // Mid-stream silence: message_start, then nothing.
      upstream.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sseEvent(textStreamEvents([])[0]!));
      };
      started = performance.now();
      const chatText = await (await post(timed, '/v1/chat/completions', chat({ stream: true }))).text();
      expect(chatText).toMatch(/data: \{"error":\{"message":"the upstream sent nothing for too long/);
      expect(chatText.trimEnd().endsWith('data: [DONE]')).toBe(true);
      const nativeText = await (await post(timed, '/v1/messages', native({ stream: true }))).text();
      expect(nativeText).toContain('event: error');
      expect(nativeText).toContain('"type":"timeout_error"');
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      await timed.close();
    }
  });
});
