/**
 * Fault injection over real loopback sockets: upstream failures before and after the first byte, timeouts,
 * slow clients, concurrency limits and bad input. After every fault the proxy must still be healthy.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, startServerProcess } from '../helpers/cli.js';
import {
  defaultHandler,
  sendJson,
  sendSse,
  startFakeUpstream,
  textStreamEvents,
  type FakeHandler,
  type FakeUpstream,
} from '../helpers/fake-upstream.js';
import { FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

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

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function expectHealthy(): Promise<void> {
  const res = await fetch(`${proxy.url}/health/liveness`);
  expect(res.status).toBe(200);
}

/** Answers `status` (or destroys the socket when status is 'reset') `times` times, then behaves normally. */
function failing(times: number, status: number | 'reset', headers: Record<string, string> = {}): FakeHandler {
  let left = times;
  return (req, res) => {
    if (left-- > 0) {
      if (status === 'reset') {
        res.socket?.destroy();
        return;
      }
      const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
      return sendJson(
        res,
        status,
        { type: 'error', error: { type, message: `injected ${status}` } },
        headers,
      );
    }
    return defaultHandler(req, res);
  };
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    flags: {
      '--upstream--max-retries': '3',
      '--upstream--retry-deadline': '10s',
      '--upstream--headers-timeout': '2s',
      '--upstream--idle-timeout': '1s',
    },
  });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
afterEach(async () => {
  upstream.handler = defaultHandler;
  upstream.requests.length = 0;
  await expectHealthy();
});

describe('faults before any byte reached the client are retried', () => {
  for (const status of [429, 500, 502, 503, 504, 529] as const) {
    it(`retries an upstream ${status} and answers the client normally`, async () => {
      upstream.handler = failing(1, status, { 'retry-after': '0' });
      const res = await post('/v1/chat/completions', chat(), { 'x-request-id': `retry-${status}` });
      expect(res.status).toBe(200);
      expect(
        ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
      ).toBe('Hello, world');
      expect(upstream.requests).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 20));
      expect(
        proxy.logs.find((l) => l['msg'] === 'request' && l['request_id'] === `retry-${status}`),
      ).toMatchObject({
        upstream_status: 200,
        upstream_attempts: 2,
      });
      // The retry's own debug line says which request it belongs to.
      expect(
        proxy.logs.find(
          (l) => l['msg'] === 'retrying upstream request' && l['request_id'] === `retry-${status}`,
        ),
      ).toMatchObject({ attempt: 1, trace_id: expect.any(String) });
    });
  }

  it('retries a reset connection, for the native route too, sending the same body bytes again', async () => {
    upstream.handler = failing(2, 'reset');
    const body = native({ note: 'x'.repeat(10_000) });
    const res = await post('/v1/messages', body);
    expect(res.status).toBe(200);
    await res.text();
    expect(upstream.requests.length).toBe(3);
    expect(new Set(upstream.requests.map((r) => r.sha256)).size).toBe(1);
    expect(upstream.requests[2]!.body.toString()).toBe(body);
  });

  it('retries a stream whose first event is an overloaded_error', async () => {
    let calls = 0;
    upstream.handler = (req, res) => {
      if (calls++ === 0)
        return sendSse(res, [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
      return defaultHandler(req, res);
    };
    const res = await post('/v1/chat/completions', chat({ stream: true }));
    const text = await res.text();
    expect(text).toContain('"content":"Hello"');
    expect(text).not.toContain('overloaded');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(calls).toBe(2);
  });

  it('honours retry-after before retrying', async () => {
    upstream.handler = failing(1, 429, { 'retry-after': '0.4' });
    const started = performance.now();
    const res = await post('/v1/chat/completions', chat());
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('returns the last error in each dialect when the retries run out', async () => {
    upstream.handler = failing(100, 529, { 'retry-after': '0' });
    const openai = await post('/v1/chat/completions', chat());
    expect(openai.status).toBe(503);
    expect(((await openai.json()) as { error: { type: string } }).error.type).toBeTruthy();
    expect(upstream.requests).toHaveLength(4);
    upstream.requests.length = 0;
    const anthropic = await post('/v1/messages', native());
    expect(anthropic.status).toBe(529);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(upstream.requests).toHaveLength(4);
  });

  it('does not retry past a retry-after longer than the deadline, and passes it on', async () => {
    upstream.handler = failing(100, 429, { 'retry-after': '60' });
    const res = await post('/v1/chat/completions', chat());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(upstream.requests).toHaveLength(1);
  });

  it('answers 502 in each dialect when the upstream cannot be reached at all', async () => {
    const dead = await startFakeUpstream();
    await dead.close();
    const isolated = await startProxy({
      upstreamBaseUrl: dead.baseUrl,
      flags: { '--upstream--max-retries': '1' },
    });
    try {
      const openai = await fetch(`${isolated.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat(),
      });
      expect(openai.status).toBe(502);
      expect(((await openai.json()) as { error: { message: string } }).error.message).toContain(
        'could not be reached',
      );
      const anthropic = await fetch(`${isolated.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: native(),
      });
      expect(anthropic.status).toBe(502);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    } finally {
      await isolated.close();
    }
  });

  it('answers 504 when the upstream sends no headers in time', async () => {
    upstream.handler = () => new Promise<void>(() => undefined);
    const res = await post('/v1/chat/completions', chat());
    expect(res.status).toBe(504);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('faults after bytes reached the client', () => {
  it('ends an OpenAI stream with an error payload when the upstream goes silent', async () => {
    upstream.handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of textStreamEvents(['partial']).slice(0, 4))
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      await new Promise((r) => setTimeout(r, 3000));
      res.end();
    };
    const started = performance.now();
    const res = await post('/v1/chat/completions', chat({ stream: true }));
    const text = await res.text();
    expect(performance.now() - started).toBeLessThan(2500);
    expect(text).toContain('partial');
    expect(text).toMatch(/data: \{"error":\{/);
    expect(upstream.requests).toHaveLength(1);
  });

  it('ends an Anthropic stream with an error event when the upstream connection drops', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: message_start\ndata: ${JSON.stringify(textStreamEvents([])[0])}\n\n`);
      setTimeout(() => res.socket?.destroy(), 30);
    };
    const res = await post('/v1/messages', native({ stream: true }));
    const text = await res.text();
    expect(text).toContain('event: message_start');
    expect(text).toContain('event: error');
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('an upstream that answers nonsense', () => {
  it('turns a 200 with an HTML body into a 502 that says so', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    };
    const res = await post('/v1/chat/completions', chat());
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('not JSON');
    expect(proxy.logs.some((l) => l['msg'] === 'unexpected error')).toBe(false);
  });

  it('ends a stream with an error payload when an event is not JSON', async () => {
    upstream.handler = (_req, res) =>
      sendSse(res, [textStreamEvents([])[0]!, 'event: content_block_delta\ndata: {not json\n\n']);
    const res = await post('/v1/chat/completions', chat({ stream: true }));
    const text = await res.text();
    expect(text).toMatch(
      /data: \{"error":\{"message":"the upstream sent a \\"content_block_delta\\" event that is not JSON"/,
    );
    expect(proxy.logs.some((l) => l['msg'] === 'unexpected error')).toBe(false);
  });
});

describe('limits', () => {
  it('answers 503 with retry-after beyond max_concurrent_requests', async () => {
    const limited = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--max-concurrent-requests': '1' },
    });
    try {
      let release: () => void = () => undefined;
      upstream.handler = (req, res) =>
        new Promise<void>((resolve) => (release = () => resolve(defaultHandler(req, res))));
      const first = fetch(`${limited.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat(),
      });
      while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const second = await fetch(`${limited.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat(),
      });
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('1');
      release();
      expect((await first).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('drops a client that sends its headers too slowly (slow-loris)', async () => {
    const strict = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--headers-timeout': '500ms' },
    });
    try {
      const closedAfter = await new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const socket = connect(strict.port, '127.0.0.1', () =>
          socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n'),
        );
        socket.on('error', reject);
        socket.resume();
        socket.on('close', () => resolve(performance.now() - started));
      });
      expect(closedAfter).toBeGreaterThanOrEqual(450);
      expect(closedAfter).toBeLessThan(3000);
    } finally {
      await strict.close();
    }
  });
});

describe('a slow client', () => {
  it('keeps proxy memory bounded while the upstream pushes 50 MB to a client that does not read', async () => {
    const MB = 1024 * 1024;
    let pushed = 0;
    let upstreamDone = false;
    upstream.handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'z'.repeat(16 * 1024) } })}\n\n`;
      while (pushed < 50 * MB && !res.destroyed) {
        pushed += piece.length;
        if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
      }
      // Ends as a real stream does: one without message_stop would get an error event added (issue 13.9).
      const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
      pushed += stop.length;
      res.end(stop);
      upstreamDone = true;
    };
    const server = await startServerProcess(
      // No background model-list fetch: this upstream answers every request with the 50 MB stream.
      [
        '--upstream--base-url',
        upstream.baseUrl,
        '--auth--storage',
        'env',
        '--models--refresh-interval',
        '0s',
      ],
      cleanEnv({ ANTHROPIC_API_KEY: FAKE_API_KEY }),
    );
    const rss = (): number =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0) *
      1024;
    try {
      await fetch(`${server.url}/health/liveness`);
      const before = rss();
      let received = 0;
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/v1/messages`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.pause();
            // Not reading for a while: only socket buffers may fill, not the proxy's heap.
            setTimeout(() => {
              const during = rss();
              expect(pushed).toBeLessThan(20 * MB);
              expect(during - before).toBeLessThan(50 * MB);
              res.on('data', (d: Buffer) => (received += d.length));
              res.on('end', resolve);
              res.resume();
            }, 1500);
          },
        );
        req.on('error', reject);
        req.end(native({ stream: true }));
      });
      expect(upstreamDone).toBe(true);
      expect(received).toBe(pushed);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 30_000);
});

describe('bad input gets a clear 4xx in the client dialect', () => {
  const cases: [string, string, Record<string, string>, number][] = [
    ['malformed JSON', '{"model": "x", "messages": [', {}, 400],
    ['a JSON array', '[1,2,3]', {}, 400],
    ['wrong types', JSON.stringify({ model: 42, messages: 'hi' }), {}, 400],
    ['missing messages', JSON.stringify({ model: 'claude-sonnet-4-5' }), {}, 400],
    [
      'a huge number',
      JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 1e300,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      {},
      400,
    ],
    ['deeply nested JSON', '['.repeat(10_000) + ']'.repeat(10_000), {}, 400],
    ['an empty body', '', {}, 400],
    ['the wrong content-type', chat(), { 'content-type': 'text/plain' }, 415],
  ];
  for (const [name, body, headers, status] of cases) {
    it(`answers ${name} with ${status} on the OpenAI route`, async () => {
      const res = await post('/v1/chat/completions', body, headers);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: { message: string; type: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message.length).toBeGreaterThan(10);
      expect(upstream.requests).toHaveLength(0);
    });
  }

  it('answers invalid UTF-8 with 400', async () => {
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from('{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}]}'),
      ]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('UTF-8');
  });

  it('reads a body that starts with a UTF-8 byte order mark, as a decoder would', async () => {
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}'),
      ]),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
  });
});
