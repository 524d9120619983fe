/**
 * A fake Anthropic API on 127.0.0.1 that speaks the real wire format: JSON messages, SSE event streams,
 * models, count_tokens and error envelopes. Tests replace `handler` to script an answer and read
 * `requests` to see exactly what the proxy sent.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly json: unknown;
  readonly sha256: string;
}

export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  readonly url: string;
  /** The base URL to give the proxy (`…/v1`). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  handler: FakeHandler;
  /** Requests whose connection closed before the fake finished answering them. */
  readonly aborted: { path: string; at: number }[];
  close(): Promise<void>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake_0001', ...headers });
  res.end(text);
}

/** One SSE event as Anthropic frames it. */
export function sseEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function sendSse(
  res: ServerResponse,
  events: readonly (({ type: string } & Record<string, unknown>) | string)[],
  options: { delayMs?: number; headers?: Record<string, string> } = {},
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': 'req_fake_0002',
    ...options.headers,
  });
  for (const event of events) {
    if (res.destroyed) return;
    res.write(typeof event === 'string' ? event : sseEvent(event));
    if (options.delayMs !== undefined && options.delayMs > 0)
      await new Promise((r) => setTimeout(r, options.delayMs));
  }
  res.end();
}

export function anthropicMessage(
  text: string,
  model = 'claude-sonnet-4-5',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'msg_fake_01',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    ...extra,
  };
}

/** A complete, realistic text stream: message_start, ping, one text block in pieces, message_delta, message_stop. */
export function textStreamEvents(
  pieces: readonly string[],
  model = 'claude-sonnet-4-5',
): ({ type: string } & Record<string, unknown>)[] {
  return [
    {
      type: 'message_start',
      message: {
        id: 'msg_fake_stream',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...pieces.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: pieces.length },
    },
    { type: 'message_stop' },
  ];
}

/** The default behaviour: echo-ish answers for every endpoint the proxy uses. */
export const defaultHandler: FakeHandler = async (req, res) => {
  const body = (req.json ?? {}) as { stream?: boolean; model?: string };
  if (req.method === 'GET' && req.path.startsWith('/v1/models')) {
    const id = req.path.split('?', 1)[0]!.slice('/v1/models/'.length);
    const model = (mid: string) => ({
      type: 'model',
      id: mid,
      display_name: mid,
      created_at: '2025-09-29T00:00:00Z',
    });
    if (id !== '') return sendJson(res, 200, model(id));
    return sendJson(res, 200, {
      data: [model('claude-sonnet-4-5'), model('claude-haiku-4-5')],
      has_more: false,
      first_id: 'claude-sonnet-4-5',
      last_id: 'claude-haiku-4-5',
    });
  }
  if (req.path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: 42 });
  if (req.path === '/v1/messages') {
    if (body.stream === true) return sendSse(res, textStreamEvents(['Hello', ', ', 'world'], body.model));
    return sendJson(res, 200, anthropicMessage('Hello, world', body.model));
  }
  sendJson(res, 404, {
    type: 'error',
    error: { type: 'not_found_error', message: `fake upstream has no ${req.path}` },
  });
};

export async function startFakeUpstream(handler: FakeHandler = defaultHandler): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const aborted: { path: string; at: number }[] = [];
  const fake: { handler: FakeHandler } = { handler };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        json,
        sha256: createHash('sha256').update(body).digest('hex'),
      };
      requests.push(recorded);
      res.once('close', () => {
        if (!res.writableFinished) aborted.push({ path: recorded.path, at: performance.now() });
      });
      Promise.resolve(fake.handler(recorded, res)).catch((err: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    aborted,
    get handler() {
      return fake.handler;
    },
    set handler(h: FakeHandler) {
      fake.handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
