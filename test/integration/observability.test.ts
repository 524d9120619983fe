import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/index.js';
import { UsageScanner } from '../../src/metrics/usage-scan.js';
import { otelLogSettingsFrom } from '../../src/log/index.js';
import { sseFrame as sseEvent, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { message, stream, textBlock } from '../helpers/anthropic-streams.js';
import { eventually, FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

interface ParsedFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}
// The parser ships no types; its one function is all we use.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[];

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const SECRET_PROMPT = 'PROMPT-MUST-NOT-BE-LOGGED-7d1f';

let upstream: Simulator;
let proxy: RunningProxy;

beforeAll(async () => {
  upstream = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--upstream--max-retries': '0' } });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
});

function chat(
  base: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: SECRET_PROMPT }],
      ...body,
    }),
  });
}

function native(base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'client-dummy', ...headers },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 32,
      messages: [{ role: 'user', content: SECRET_PROMPT }],
      ...body,
    }),
  });
}

/** A text stream with known usage: 10 input tokens, 3 output tokens. */
const helloStream = () => stream([textBlock(0, ['Hello', ', ', 'world'])], { outputTokens: 3 });
/** A JSON answer with known usage: 12 input tokens, 5 output tokens. */
const helloMessage = () =>
  message([{ type: 'text', text: 'Hello, world' }], { usage: { input_tokens: 12, output_tokens: 5 } });

/** The access-log line of a request, once written. */
async function accessLog(p: RunningProxy, requestId: string): Promise<Record<string, unknown>> {
  await eventually(
    () => p.logs.some((l) => l['request_id'] === requestId && l['msg'] === 'request'),
    `the access log of ${requestId}`,
  );
  return p.logs.find((l) => l['request_id'] === requestId && l['msg'] === 'request')!;
}

function upstreamTraceparent(): RegExpExecArray {
  const seen = upstream.requests.at(-1)?.headers['traceparent'];
  expect(typeof seen).toBe('string');
  const m = TRACEPARENT.exec(seen as string);
  expect(m).not.toBeNull();
  return m!;
}

describe('W3C trace context', () => {
  const incomingTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const incomingSpan = '00f067aa0ba902b7';

  it('continues a valid incoming trace: the upstream gets the same trace id with the proxy span as parent', async () => {
    const res = await chat(
      proxy.url,
      {},
      {
        traceparent: `00-${incomingTrace}-${incomingSpan}-01`,
        tracestate: 'vendor=abc',
        'x-request-id': 'trace-continued',
      },
    );
    expect(res.status).toBe(200);
    await res.text();
    const [, traceId, parentSpan, flags] = upstreamTraceparent();
    expect(traceId).toBe(incomingTrace);
    expect(parentSpan).not.toBe(incomingSpan);
    expect(flags).toBe('01');
    expect(upstream.requests.at(-1)!.headers['tracestate']).toBe('vendor=abc');
    // The client is told the proxy's span, the one the upstream saw as its parent.
    expect(res.headers.get('traceparent')).toBe(`00-${incomingTrace}-${parentSpan}-01`);
    expect(await accessLog(proxy, 'trace-continued')).toMatchObject({
      trace_id: incomingTrace,
      span_id: parentSpan,
    });
  });

  it('continues the trace on the native pass-through as well', async () => {
    const res = await native(proxy.url, {}, { traceparent: `00-${incomingTrace}-${incomingSpan}-00` });
    expect(res.status).toBe(200);
    await res.text();
    const [, traceId, parentSpan, flags] = upstreamTraceparent();
    expect(traceId).toBe(incomingTrace);
    expect(parentSpan).not.toBe(incomingSpan);
    expect(flags).toBe('00');
  });

  it('starts a new trace when the client sends none', async () => {
    const res = await chat(proxy.url, {}, { 'x-request-id': 'trace-new' });
    await res.text();
    const [, traceId, spanId] = upstreamTraceparent();
    expect(traceId).not.toBe('0'.repeat(32));
    expect(res.headers.get('traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    expect(await accessLog(proxy, 'trace-new')).toMatchObject({ trace_id: traceId, span_id: spanId });
  });

  it.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${incomingSpan}-01`],
    ['an all-zero parent id', `00-${incomingTrace}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${incomingTrace}-${incomingSpan}-01`],
    ['upper-case hex', `00-${incomingTrace.toUpperCase()}-${incomingSpan}-01`],
    ['a short trace id', `00-${incomingTrace.slice(2)}-${incomingSpan}-01`],
    ['extra fields on version 00', `00-${incomingTrace}-${incomingSpan}-01-extra`],
  ])('replaces an invalid traceparent (%s) with a new trace and drops its tracestate', async (_what, bad) => {
    const res = await chat(proxy.url, {}, { traceparent: bad, tracestate: 'vendor=abc' });
    await res.text();
    const [, traceId] = upstreamTraceparent();
    expect(traceId).not.toBe(incomingTrace);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(upstream.requests.at(-1)!.headers['tracestate']).toBeUndefined();
  });
});

describe('the access log in json mode', () => {
  it('has every field for a streamed request, and no prompt, completion or credential', async () => {
    upstream.script({ kind: 'reply', events: helloStream() });
    const res = await chat(
      proxy.url,
      { stream: true, stream_options: { include_usage: true } },
      { 'x-request-id': 'log-streamed', authorization: 'Bearer client-secret-key-123' },
    );
    const text = await res.text();
    expect(text).toContain('Hello');
    const line = await accessLog(proxy, 'log-streamed');
    expect(line).toMatchObject({
      msg: 'request',
      level: 30,
      method: 'POST',
      route: '/v1/chat/completions',
      status: 200,
      model: 'claude-sonnet-4-5',
      stream: true,
      upstream: 'anthropic',
      upstream_status: 200,
      input_tokens: 10,
      output_tokens: 3,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
    });
    for (const field of ['duration_ms', 'ttfb_ms', 'upstream_ms', 'bytes_in', 'bytes_out'])
      expect(typeof line[field], field).toBe('number');
    expect(line['bytes_in']).toBeGreaterThan(0);
    expect(line['bytes_out']).toBe(Buffer.byteLength(text));
    expect(line['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(line['span_id']).toMatch(/^[0-9a-f]{16}$/);
    const all = proxy.rawLogs.join('\n');
    expect(all).not.toContain(SECRET_PROMPT);
    expect(all).not.toContain('client-secret-key-123');
    expect(all).not.toContain(FAKE_API_KEY);
    expect(all).not.toContain('Hello, world');
  });

  it('has no stage timings unless log_stages asks for them', async () => {
    upstream.script({ kind: 'reply', events: helloStream() });
    await (await chat(proxy.url, { stream: true }, { 'x-request-id': 'no-stages' })).text();
    expect(await accessLog(proxy, 'no-stages')).not.toHaveProperty('stages_ms');
  });

  it('times every stage of a request in order when log_stages is on', async () => {
    const staged = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--log-stages': 'true', '--upstream--max-retries': '0' },
    });
    try {
      const expected = {
        chat: [
          'routed',
          'body_read',
          'translated',
          'credential',
          'connection_slot',
          'upstream_headers',
          'upstream_first_event',
          'first_byte',
        ],
        native: [
          'routed',
          'body_read',
          'credential',
          'connection_slot',
          'upstream_headers',
          'upstream_first_event',
          'first_byte',
        ],
      };
      upstream.script({ kind: 'reply', events: helloStream() });
      await (await chat(staged.url, { stream: true }, { 'x-request-id': 'stages-chat' })).text();
      upstream.script({ kind: 'reply', events: helloStream() });
      await (await native(staged.url, { stream: true }, { 'x-request-id': 'stages-native' })).text();
      for (const [id, names] of [
        ['stages-chat', expected.chat],
        ['stages-native', expected.native],
      ] as const) {
        const line = await accessLog(staged, id);
        const stages = line['stages_ms'] as Record<string, number>;
        expect(Object.keys(stages), id).toEqual(names);
        const times = names.map((n) => stages[n] as number);
        // Milliseconds since arrival, each stage at or after the one before, all within the request.
        expect(times, id).toEqual([...times].sort((a, b) => a - b));
        expect(times[0], id).toBeGreaterThanOrEqual(0);
        expect(times.at(-1), id).toBeLessThanOrEqual(line['duration_ms'] as number);
        expect(stages['first_byte'], id).toBeCloseTo(line['ttfb_ms'] as number, 3);
      }
    } finally {
      await staged.close();
    }
  });

  it('logs a failed request at warn with the upstream status and error type', async () => {
    upstream.script({ kind: 'error', status: 429, message: 'slow down' });
    const res = await chat(proxy.url, {}, { 'x-request-id': 'log-failed' });
    expect(res.status).toBe(429);
    await res.text();
    expect(await accessLog(proxy, 'log-failed')).toMatchObject({
      level: 40,
      status: 429,
      upstream_status: 429,
      error_type: 'rate_limit_error',
      route: '/v1/chat/completions',
      model: 'claude-sonnet-4-5',
      stream: false,
    });
  });

  it('logs an upstream that dies mid-stream at error level with outcome upstream_abort', async () => {
    // message_start (10 input tokens), then the connection is destroyed.
    upstream.script({
      kind: 'reply',
      events: stream([textBlock(0, ['a'])]),
      fault: { kind: 'reset', afterEvents: 1 },
    });
    const res = await native(proxy.url, { stream: true }, { 'x-request-id': 'log-aborted' });
    await res.text().catch(() => '');
    const line = await accessLog(proxy, 'log-aborted');
    expect(line).toMatchObject({ level: 50, outcome: 'upstream_abort', stream: true, route: '/v1/messages' });
    // The message_start already told the input tokens.
    expect(line['input_tokens']).toBe(10);
  });

  it('counts the tokens of a streamed pass-through from its message_start and message_delta', async () => {
    upstream.script({ kind: 'reply', events: helloStream() });
    const res = await native(proxy.url, { stream: true }, { 'x-request-id': 'log-native-stream' });
    const text = await res.text();
    expect(text).toContain('message_stop');
    expect(await accessLog(proxy, 'log-native-stream')).toMatchObject({
      route: '/v1/messages',
      stream: true,
      model: 'claude-sonnet-4-5',
      input_tokens: 10,
      output_tokens: 3,
    });
  });

  it('counts the tokens of a JSON pass-through from the top-level usage, not a tool input', async () => {
    upstream.script({
      kind: 'reply',
      message: message([{ type: 'tool_use', id: 't', name: 'f', input: { usage: { input_tokens: 999 } } }], {
        usage: {
          input_tokens: 21,
          output_tokens: 8,
          cache_read_input_tokens: 5,
          cache_creation_input_tokens: 2,
        },
      }),
    });
    const res = await native(proxy.url, {}, { 'x-request-id': 'log-native-json' });
    await res.text();
    expect(await accessLog(proxy, 'log-native-json')).toMatchObject({
      stream: false,
      input_tokens: 21,
      output_tokens: 8,
      cache_read_tokens: 5,
      cache_creation_tokens: 2,
    });
  });

  it('logs a client that goes away mid-stream as client_disconnect', async () => {
    upstream.script({
      kind: 'reply',
      events: stream([
        textBlock(
          0,
          Array.from({ length: 50 }, () => 'tick'),
        ),
      ]),
      fault: { kind: 'slow', ms: 20 },
    });
    const res = await chat(proxy.url, { stream: true }, { 'x-request-id': 'log-disconnect' });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(await accessLog(proxy, 'log-disconnect')).toMatchObject({ outcome: 'client_disconnect' });
  });
});

/** A metric's value for the given labels (0 when the series is absent). */
function sample(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  const series = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return series?.value === undefined ? 0 : Number(series.value);
}

async function scrapeText(): Promise<string> {
  const res = await fetch(`${proxy.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

async function scrape(): Promise<ParsedFamily[]> {
  return parsePrometheus(await scrapeText());
}

describe('GET /metrics', () => {
  it('is valid Prometheus text with every documented metric', async () => {
    const families = await scrape();
    const names = families.map((f) => f.name);
    for (const name of [
      'claudine_http_requests_total',
      'claudine_http_request_duration_seconds',
      'claudine_http_time_to_first_byte_seconds',
      'claudine_upstream_response_seconds',
      'claudine_active_requests',
      'claudine_active_streams',
      'claudine_upstream_errors_total',
      'claudine_client_disconnects_total',
      'claudine_tokens_total',
      'claudine_token_refreshes_total',
      'process_cpu_user_seconds_total',
    ])
      expect(names, name).toContain(name);
  });

  it('moves the request, token and histogram counters as requests are made', async () => {
    const route = '/v1/chat/completions';
    const beforeText = await scrapeText();
    upstream.script({ kind: 'reply', message: helloMessage() }, { times: 2 });
    upstream.script({ kind: 'reply', events: helloStream() });
    for (let i = 0; i < 2; i++) await (await chat(proxy.url, {})).text();
    await (await native(proxy.url, { stream: true })).text();
    await new Promise((r) => setTimeout(r, 20));
    const afterText = await scrapeText();
    const before = parsePrometheus(beforeText);
    const after = parsePrometheus(afterText);
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('claudine_http_requests_total', { route, status: '200' })).toBe(2);
    expect(delta('claudine_http_requests_total', { route: '/v1/messages', status: '200' })).toBe(1);
    expect(delta('claudine_upstream_responses_total', { upstream: 'anthropic', status: '200' })).toBe(3);
    // Two JSON completions (12 in, 5 out each) and one native stream (10 in, 3 out).
    expect(delta('claudine_tokens_total', { model: 'claude-sonnet-4-5', type: 'input' })).toBe(34);
    expect(delta('claudine_tokens_total', { model: 'claude-sonnet-4-5', type: 'output' })).toBe(13);
    // parse-prometheus-text-format folds a histogram's labelled series into one when `le` comes first (as
    // prom-client writes it), so the histograms' _count lines are read from the text itself.
    const observed = (text: string, name: string, labels: string): number =>
      Number(new RegExp(`^${name}_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    for (const name of [
      'claudine_http_request_duration_seconds',
      'claudine_http_time_to_first_byte_seconds',
    ]) {
      expect(
        observed(afterText, name, `route="${route}",stream="false"`) -
          observed(beforeText, name, `route="${route}",stream="false"`),
        name,
      ).toBe(2);
      expect(
        observed(afterText, name, `route="/v1/messages",stream="true"`) -
          observed(beforeText, name, `route="/v1/messages",stream="true"`),
        name,
      ).toBe(1);
    }
  });

  it('counts upstream errors by type', async () => {
    const before = await scrape();
    upstream.script({ kind: 'error', status: 529, message: 'busy' });
    upstream.script({ kind: 'error', status: 429, message: 'slow' });
    await (await chat(proxy.url, {})).text();
    await (await native(proxy.url, {})).text();
    await new Promise((r) => setTimeout(r, 20));
    const after = await scrape();
    const delta = (type: string) =>
      sample(after, 'claudine_upstream_errors_total', { type }) -
      sample(before, 'claudine_upstream_errors_total', { type });
    expect(delta('overloaded')).toBe(1);
    expect(delta('rate_limited')).toBe(1);
    expect(delta('server_error')).toBe(0);
  });

  it('shows a stream as active while it runs and not after', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    upstream.script({ kind: 'stall', afterEvents: 1, ms: 10_000, until: held });
    const res = await chat(proxy.url, { stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    expect(sample(await scrape(), 'claudine_active_streams')).toBe(1);
    release();
    while (!(await reader.read()).done);
    await new Promise((r) => setTimeout(r, 20));
    expect(sample(await scrape(), 'claudine_active_streams')).toBe(0);
  });

  it('counts token refreshes and their failures through the auth hook', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.onRefresh('success');
    metrics.onRefresh('failure');
    metrics.onRefresh('failure');
    const families = parsePrometheus(await metrics.registry.metrics());
    expect(sample(families, 'claudine_token_refreshes_total', { outcome: 'success' })).toBe(1);
    expect(sample(families, 'claudine_token_refreshes_total', { outcome: 'failure' })).toBe(2);
  });

  it('answers 404 when metrics.enabled is false', async () => {
    const off = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--metrics--enabled': 'false' },
    });
    try {
      const res = await fetch(`${off.url}/metrics`);
      expect(res.status).toBe(404);
      await res.text();
      // Requests still work and are still logged.
      await (await chat(off.url, {}, { 'x-request-id': 'metrics-off' })).text();
      expect(await accessLog(off, 'metrics-off')).toMatchObject({ status: 200 });
    } finally {
      await off.close();
    }
  });
});

describe('the pass-through usage scanner', () => {
  const stream = Buffer.from(
    sseEvent({
      type: 'message_start',
      message: {
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 3,
          cache_read_input_tokens: 7,
          cache_creation: { ephemeral_5m_input_tokens: 3 },
          output_tokens: 1,
        },
      },
    }) +
      sseEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'he wrote "usage": {"input_tokens": 999}' },
      }) +
      sseEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"usage":{"output_tokens":55}' },
      }) +
      sseEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42 } }) +
      sseEvent({ type: 'message_stop' }),
  );

  it('finds the counts whatever the chunk boundaries, ignoring "usage" inside strings', () => {
    for (let size = 1; size <= stream.length; size++) {
      const scanner = new UsageScanner(true);
      for (let i = 0; i < stream.length; i += size) scanner.push(stream.subarray(i, i + size));
      expect(scanner.usage(), `chunks of ${size}`).toEqual({
        input: 10,
        output: 42,
        cacheRead: 7,
        cacheCreation: 3,
      });
    }
  });

  it('reports nothing for a body without usage', () => {
    const scanner = new UsageScanner(false);
    scanner.push(Buffer.from('{"input_tokens":42}'));
    expect(scanner.usage()).toBeNull();
  });
});

describe('OpenTelemetry log export', () => {
  interface Receiver {
    url: string;
    bodies: { contentType: string; body: Buffer }[];
    server: Server;
  }
  async function startReceiver(): Promise<Receiver> {
    const bodies: Receiver['bodies'] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/logs') {
          bodies.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
          res.writeHead(200, { 'content-type': String(req.headers['content-type']) });
          res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
        } else {
          res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
  }

  interface OtlpRecord {
    body?: { stringValue?: string };
    severityText?: string;
    traceId?: string;
    spanId?: string;
    attributes?: { key: string; value: Record<string, unknown> }[];
  }

  it('exports every log line as an OTLP/HTTP JSON record with its trace context', async () => {
    const receiver = await startReceiver();
    const exporting = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      env: {
        ANTHROPIC_API_KEY: FAKE_API_KEY,
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'claudine-under-test',
      },
    });
    const trace = '0af7651916cd43dd8448eb211c80319c';
    try {
      const res = await chat(
        exporting.url,
        {},
        {
          traceparent: `00-${trace}-b7ad6b7169203331-01`,
          'x-request-id': 'otel-exported',
        },
      );
      await res.text();
    } finally {
      // Shutdown flushes the batch: everything, up to the 'stopped' line, must be out after it.
      await exporting.close();
      receiver.server.close();
    }
    expect(receiver.bodies.length).toBeGreaterThan(0);
    const records: OtlpRecord[] = [];
    let serviceName: unknown;
    for (const { contentType, body } of receiver.bodies) {
      expect(contentType).toBe('application/json');
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceLogs: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeLogs: { logRecords: OtlpRecord[] }[];
        }[];
      };
      for (const rl of payload.resourceLogs) {
        serviceName = rl.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const sl of rl.scopeLogs) records.push(...sl.logRecords);
      }
    }
    expect(serviceName).toBe('claudine-under-test');
    const messages = records.map((r) => r.body?.stringValue);
    expect(messages).toContain('claudine is listening');
    expect(messages).toContain('stopped');
    const access = records.find((r) =>
      r.attributes?.some((a) => a.key === 'request_id' && a.value['stringValue'] === 'otel-exported'),
    );
    expect(access).toBeDefined();
    expect(access!.body?.stringValue).toBe('request');
    expect(access!.severityText).toBe('INFO');
    expect(access!.traceId).toBe(trace);
    expect(access!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(access!.spanId).not.toBe('b7ad6b7169203331');
    const keys = access!.attributes!.map((a) => a.key);
    expect(keys).toEqual(expect.arrayContaining(['route', 'status', 'duration_ms', 'model']));
    expect(keys).not.toContain('trace_id');
    expect(JSON.stringify(records)).not.toContain(SECRET_PROMPT);
  });

  it('exports OTLP/HTTP protobuf when asked for', async () => {
    const receiver = await startReceiver();
    const exporting = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      env: {
        ANTHROPIC_API_KEY: FAKE_API_KEY,
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/v1/logs`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      },
    });
    const trace = 'aaf7651916cd43dd8448eb211c80319c';
    try {
      await (await chat(exporting.url, {}, { traceparent: `00-${trace}-b7ad6b7169203331-01` })).text();
    } finally {
      await exporting.close();
      receiver.server.close();
    }
    expect(receiver.bodies.length).toBeGreaterThan(0);
    expect(receiver.bodies.every((b) => b.contentType === 'application/x-protobuf')).toBe(true);
    // Protobuf carries the trace id as its 16 raw bytes.
    const all = Buffer.concat(receiver.bodies.map((b) => b.body));
    expect(all.includes(Buffer.from(trace, 'hex'))).toBe(true);
    expect(all.includes(Buffer.from('claudine is listening'))).toBe(true);
  });

  it('is off unless OTEL_LOGS_EXPORTER asks for it, and says why it ignores a setting', () => {
    expect(otelLogSettingsFrom({}).settings).toBeNull();
    expect(otelLogSettingsFrom({ OTEL_LOGS_EXPORTER: 'none' }).settings).toBeNull();
    expect(
      otelLogSettingsFrom({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).settings,
    ).toBeNull();
    const defaults = otelLogSettingsFrom({ OTEL_LOGS_EXPORTER: 'otlp' }).settings;
    expect(defaults).toMatchObject({
      protocol: 'http/protobuf',
      url: 'http://localhost:4318/v1/logs',
      serviceName: 'claudine',
    });
    const grpc = otelLogSettingsFrom({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(grpc.settings).toBeNull();
    expect(grpc.problems.join()).toContain('grpc');
    const headers = otelLogSettingsFrom({
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1',
    }).settings;
    expect(headers?.headers).toEqual({ authorization: 'Bearer abc', 'x-tenant': 't1' });
  });
});
