/**
 * The simulated Anthropic API as an HTTP server on loopback: /v1/messages (JSON and SSE),
 * /v1/messages/count_tokens, /v1/models and /v1/models/{id}. Every request is checked like the real API
 * (headers, then body, per model from rules.ts), then answered by answer.ts — unless a scripted fault or
 * reply is queued for it (see `Fault`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answer, messageId } from './answer.js';
import { PromptCache, type PromptSegment } from './cache.js';
import { errorEnvelope, invalid, SimulatedApiError, STATUS_OF } from './errors.js';
import { sseFrame, toEvents, toMessage, type SseEvent } from './events.js';
import { capabilitiesOf, MODEL_RULES, modelRule, type ModelRule } from './rules.js';
import { digest, Signer } from './signatures.js';
import { countValueTokens } from './tokens.js';
import {
  checkHeaders,
  isObject,
  validateMessagesRequest,
  type Json,
  type ValidatedRequest,
} from './validate.js';

/**
 * A scripted misbehaviour or answer for the next matching request(s).
 * - `error`: answered at once, before validation, with the real envelope (429/529 carry `retry-after` when
 *   `retryAfter` is given; `details` lands in `error.details`, e.g. the spend-limit code).
 * - `stream-error`: an `event: error` (default overloaded_error) after `afterEvents` events — 0 is "first".
 * - `stall`: silence of `ms` after `afterEvents` events (-1: before the response headers).
 * - `reset`: the connection is destroyed after `afterEvents` events (-1: before the response headers).
 * - `truncate`: the response ends cleanly after `afterEvents` events (a JSON body is cut in half).
 * - `slow`: `ms` between stream events (a slow generation, e.g. to abort mid-stream).
 * - `reply`: after validation, answer with this message (JSON) or these events (SSE) instead of the
 *   simulated model; for tests that need exact upstream output, e.g. golden fixtures.
 */
export type Fault =
  | {
      readonly kind: 'error';
      readonly status: number;
      /** An error type (`ApiErrorType`), or any string to test unknown ones. */
      readonly type?: string;
      readonly message?: string;
      readonly retryAfter?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly details?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'stream-error';
      readonly afterEvents: number;
      readonly type?: string;
      readonly message?: string;
    }
  | {
      readonly kind: 'stall';
      readonly afterEvents: number;
      readonly ms: number;
      /** Ends the stall early when it settles (a test holding a stream open until it says so). */
      readonly until?: Promise<unknown>;
    }
  | { readonly kind: 'reset'; readonly afterEvents: number }
  | { readonly kind: 'truncate'; readonly afterEvents: number }
  | { readonly kind: 'slow'; readonly ms: number }
  | {
      readonly kind: 'reply';
      readonly status?: number;
      /** The JSON body; a string or bytes are sent as they are. */
      readonly message?: unknown;
      /** Events, or pre-framed SSE text/bytes written as they are. */
      readonly events?: readonly (SseEvent | string | Uint8Array)[];
      readonly headers?: Readonly<Record<string, string>>;
      /** A stream fault (stream-error, stall, reset, truncate, slow) applied to the scripted events. */
      readonly fault?: Fault;
    };

export interface ScriptOptions {
  /** How many matching requests it applies to (default 1). */
  readonly times?: number;
  /** Only requests to this path (default: /v1/messages). */
  readonly path?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly json: unknown;
  readonly sha256: string;
}

export interface SimulatorOptions {
  /** Demo mode: answers and headers say it is the simulator, not Claude. */
  readonly demo?: boolean;
  /** Default 0 (any free port). Always bound to 127.0.0.1. */
  readonly port?: number;
  /** Which credentials are accepted; default: any non-empty key. */
  readonly acceptKey?: (key: string) => boolean;
  /** Delay between stream events, in ms (default 0: as fast as the socket takes them). */
  readonly eventDelayMs?: number;
  /**
   * Give the event loop a turn between stream events (setImmediate), so a reader sees them in separate reads
   * as from a real provider, without wall-clock delay. The benchmark uses it.
   */
  readonly yieldBetweenEvents?: boolean;
  /** Extra endpoints outside the API, by exact path (e.g. a benchmark's control endpoints). */
  readonly extraRoutes?: Readonly<Record<string, (res: ServerResponse, method: string) => void>>;
  /** A fault or reply for a request no queued fault matched (e.g. a benchmark's fixed answer). */
  readonly respond?: (request: {
    readonly path: string;
    readonly headers: IncomingHttpHeaders;
    readonly body: string;
  }) => Fault | undefined;
  /** How many requests `requests` keeps (oldest dropped first); default 1000, 0 for none (demo). */
  readonly recordLimit?: number;
  /** Signing key for thinking signatures; random per instance by default. */
  readonly signingKey?: Buffer;
  /** Largest request body (default 32 MiB, the real API's limit) → 413 beyond. */
  readonly maxBodyBytes?: number;
}

export interface Simulator {
  readonly url: string;
  /** The base URL to give a client or the proxy (`…/v1`). */
  readonly baseUrl: string;
  readonly port: number;
  /** The last requests received (bounded by `recordLimit`). */
  readonly requests: RecordedRequest[];
  /** Requests whose connection closed before the answer was complete. */
  readonly aborted: { path: string; at: number }[];
  /** Queues a fault or scripted reply for the next matching request(s). */
  script(fault: Fault, options?: ScriptOptions): void;
  /** Drops queued faults, recorded requests and the prompt cache. */
  reset(): void;
  /** Faults still queued. */
  readonly pending: number;
  /**
   * A signature the simulator will accept for a thinking block with this text, for scripted replies; on
   * models that bind signatures to the conversation, give the text of its first user turn.
   */
  signThinking(model: string, thinking: string, firstUserText?: string): string;
  /** The `request-id` of the last answer (errors included). */
  readonly lastRequestId: string | undefined;
  close(): Promise<void>;
}

interface QueuedFault {
  readonly fault: Fault;
  readonly path: string;
  remaining: number;
}

const FAULT_HEADER = 'x-simulator-fault';

function requestId(): string {
  return (
    'req_sim_' +
    randomBytes(12)
      .toString('base64url')
      .replace(/[^a-zA-Z0-9]/g, 'x')
  );
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  err: SimulatedApiError,
  headers: Record<string, string>,
  id: string,
): void {
  send(res, err.status, errorEnvelope(err.type, err.message, id), headers);
}

const stripCache = (block: Json): Json => {
  if (block['cache_control'] === undefined) return block;
  const { cache_control: _ignored, ...rest } = block;
  return rest;
};

const breakpointOf = (block: Json): PromptSegment['breakpoint'] => {
  const control = block['cache_control'];
  if (!isObject(control)) return null;
  return control['ttl'] === '1h' ? '1h' : '5m';
};

/** The prompt in reading order (tools, system, messages), with its breakpoints. */
function promptSegments(request: ValidatedRequest): PromptSegment[] {
  const segments: PromptSegment[] = [];
  for (const tool of request.tools)
    segments.push({ value: stripCache(tool), breakpoint: breakpointOf(tool) });
  for (const block of request.system)
    segments.push({ value: stripCache(block), breakpoint: breakpointOf(block) });
  request.messages.forEach((message) => {
    segments.push({ value: message.role, breakpoint: null });
    for (const block of message.content)
      segments.push({ value: stripCache(block), breakpoint: breakpointOf(block) });
  });
  // Automatic caching: a top-level cache_control puts the breakpoint on the last block.
  const automatic = request.body['cache_control'];
  if (isObject(automatic) && segments.length > 0) {
    const last = segments[segments.length - 1] as PromptSegment;
    segments[segments.length - 1] = {
      value: last.value,
      breakpoint: automatic['ttl'] === '1h' ? '1h' : '5m',
    };
  }
  return segments;
}

function modelObject(rule: ModelRule): Record<string, unknown> {
  return {
    type: 'model',
    id: rule.id,
    display_name: rule.displayName,
    created_at: rule.createdAt,
    max_input_tokens: rule.contextWindow,
    max_tokens: rule.maxOutput,
    capabilities: capabilitiesOf(rule),
  };
}

function listModels(query: URLSearchParams): Record<string, unknown> {
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit)) throw invalid('limit: Input should be a valid integer');
  if (limit < 1) throw invalid('limit: Input should be greater than or equal to 1');
  if (limit > 1000) throw invalid('limit: Input should be less than or equal to 1000');
  const ids = MODEL_RULES.map((r) => r.id);
  const afterId = query.get('after_id');
  const beforeId = query.get('before_id');
  let page: ModelRule[];
  let hasMore: boolean;
  if (beforeId !== null) {
    const end = ids.indexOf(beforeId);
    if (end === -1) throw invalid(`before_id: no model with id ${beforeId}`);
    const start = Math.max(0, end - limit);
    page = MODEL_RULES.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = afterId === null ? 0 : ids.indexOf(afterId) + 1;
    if (afterId !== null && start === 0) throw invalid(`after_id: no model with id ${afterId}`);
    page = MODEL_RULES.slice(start, start + limit);
    hasMore = start + limit < MODEL_RULES.length;
  }
  return {
    data: page.map(modelObject),
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or less when `until` settles first; leaves no timer behind. */
async function stall(ms: number, until?: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([
    elapsed,
    until?.then(
      () => undefined,
      () => undefined,
    ) ?? elapsed,
  ]);
  clearTimeout(timer);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const demo = options.demo === true;
  const signer = new Signer(options.signingKey);
  const cache = new PromptCache();
  const acceptKey = options.acceptKey ?? ((key: string) => key !== '');
  const recordLimit = options.recordLimit ?? 1000;
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const eventDelay = options.eventDelayMs ?? 0;
  const yieldBetween = options.yieldBetweenEvents === true;
  const requests: RecordedRequest[] = [];
  const aborted: { path: string; at: number }[] = [];
  let queue: QueuedFault[] = [];
  let lastRequestId: string | undefined;

  const takeFault = (path: string, headers: IncomingHttpHeaders, body: string): Fault | undefined => {
    const fromHeader = headers[FAULT_HEADER];
    if (typeof fromHeader === 'string') {
      try {
        const parsed: unknown = JSON.parse(fromHeader);
        if (isObject(parsed) && typeof parsed['kind'] === 'string') return parsed as unknown as Fault;
      } catch {
        // An unreadable fault header is ignored, like any unknown header.
      }
    }
    const entry = queue.find((q) => q.path === path);
    if (entry === undefined) return options.respond?.({ path, headers, body });
    entry.remaining--;
    if (entry.remaining <= 0) queue = queue.filter((q) => q !== entry);
    return entry.fault;
  };

  /** Writes SSE events, honouring backpressure and the stream faults. */
  const writeEvents = async (
    res: ServerResponse,
    events: readonly (SseEvent | string | Uint8Array)[],
    fault: Fault | undefined,
    headers: Record<string, string>,
  ): Promise<void> => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
    for (let i = 0; i <= events.length; i++) {
      if (res.destroyed) return;
      if (fault !== undefined && 'afterEvents' in fault && fault.afterEvents === i) {
        if (fault.kind === 'stream-error') {
          res.end(
            sseFrame({
              type: 'error',
              error: { type: fault.type ?? 'overloaded_error', message: fault.message ?? 'Overloaded' },
            }),
          );
          return;
        }
        if (fault.kind === 'reset') {
          // Let what was written reach the peer first: a reset after bytes, not instead of them.
          if (i > 0) await sleep(20);
          res.destroy();
          return;
        }
        if (fault.kind === 'truncate') {
          res.end();
          return;
        }
        if (fault.kind === 'stall') await stall(fault.ms, fault.until);
      }
      const event = events[i];
      if (event === undefined) break;
      const ok = res.write(
        typeof event === 'string' || event instanceof Uint8Array ? event : sseFrame(event),
      );
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
      const delay = fault?.kind === 'slow' ? fault.ms : eventDelay;
      if (delay > 0) await sleep(delay);
      else if (yieldBetween) await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  };

  const handle = async (
    method: string,
    url: URL,
    headers: IncomingHttpHeaders,
    bodyText: string,
    res: ServerResponse,
  ): Promise<void> => {
    const id = requestId();
    lastRequestId = id;
    const baseHeaders: Record<string, string> = {
      'request-id': id,
      ...(demo ? { 'x-claudine-demo': 'simulated, not Claude' } : {}),
    };
    const path = url.pathname;
    const fault = takeFault(path, headers, bodyText);
    try {
      if (fault?.kind === 'error') {
        const type =
          fault.type ?? Object.entries(STATUS_OF).find(([, s]) => s === fault.status)?.[0] ?? 'api_error';
        const extra = fault.details !== undefined ? { details: fault.details } : {};
        send(res, fault.status, errorEnvelope(type, fault.message ?? defaultMessage(type), id, extra), {
          ...baseHeaders,
          ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
          ...fault.headers,
        });
        return;
      }
      if (
        fault !== undefined &&
        (fault.kind === 'stall' || fault.kind === 'reset') &&
        fault.afterEvents < 0
      ) {
        if (fault.kind === 'reset') {
          res.destroy();
          return;
        }
        await stall(fault.ms, fault.until);
      }
      const { version } = checkHeaders(headers, acceptKey);
      if (method === 'GET' && path === '/v1/models')
        return send(res, 200, listModels(url.searchParams), baseHeaders);
      if (method === 'GET' && path.startsWith('/v1/models/')) {
        const modelId = decodeURIComponent(path.slice('/v1/models/'.length));
        const rule = modelRule(modelId);
        if (rule === undefined) throw new SimulatedApiError('not_found_error', `model: ${modelId}`);
        return send(res, 200, modelObject(rule), baseHeaders);
      }
      if (method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
        throw new SimulatedApiError('not_found_error', 'Not Found');
      }
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        throw invalid(
          'There was an error parsing the body of your request. Please make sure it is valid JSON.',
        );
      }
      const countOnly = path === '/v1/messages/count_tokens';
      const request = validateMessagesRequest(body, { version, signer, countOnly });
      const segments = promptSegments(request);
      if (countOnly) {
        const total = segments.reduce((sum, s) => sum + countValueTokens(s.value), 0);
        return send(res, 200, { input_tokens: total }, baseHeaders);
      }
      const inputTokens = segments.reduce((sum, s) => sum + countValueTokens(s.value), 0);
      if (inputTokens > request.rule.contextWindow) {
        throw invalid(`prompt is too long: ${inputTokens} tokens > ${request.rule.contextWindow} maximum`);
      }
      if (
        request.rule.contextWindow <= 200_000 &&
        inputTokens + request.maxTokens > request.rule.contextWindow
      ) {
        throw invalid(
          `input length and \`max_tokens\` exceed context limit: ${inputTokens} + ${request.maxTokens} > ${request.rule.contextWindow}, decrease input length or \`max_tokens\` and try again`,
        );
      }
      if (fault?.kind === 'reply') {
        if (request.stream && fault.events !== undefined)
          return writeEvents(res, fault.events, fault.fault, { ...baseHeaders, ...fault.headers });
        if (typeof fault.message === 'string' || fault.message instanceof Uint8Array) {
          res.writeHead(fault.status ?? 200, {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(fault.message)),
            ...baseHeaders,
            ...fault.headers,
          });
          res.end(fault.message);
          return;
        }
        return send(res, fault.status ?? 200, fault.message ?? {}, { ...baseHeaders, ...fault.headers });
      }
      const usage = cache.account(request.rule.id, segments, request.rule.cacheMinimum);
      const envelope = { id: messageId(), model: request.body['model'] as string, usage };
      const result = answer(request, { signer, demo });
      if (request.stream) return writeEvents(res, toEvents(envelope, result), fault, baseHeaders);
      const text = JSON.stringify(toMessage(envelope, result));
      if (fault?.kind === 'truncate') {
        res.writeHead(200, { 'content-type': 'application/json', ...baseHeaders });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      if (fault?.kind === 'reset') {
        res.destroy();
        return;
      }
      if (fault?.kind === 'stall') await stall(fault.ms, fault.until);
      res.writeHead(200, { 'content-type': 'application/json', ...baseHeaders });
      res.end(text);
    } catch (err) {
      if (err instanceof SimulatedApiError) return sendError(res, err, baseHeaders, id);
      throw err;
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (recordLimit > 0) {
        let json: unknown;
        try {
          json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
        } catch {
          json = undefined;
        }
        requests.push({
          method: req.method ?? 'GET',
          path,
          headers: req.headers,
          body,
          json,
          sha256: createHash('sha256').update(body).digest('hex'),
        });
        if (requests.length > recordLimit) requests.splice(0, requests.length - recordLimit);
      }
      res.once('close', () => {
        if (!res.writableFinished) aborted.push({ path, at: performance.now() });
      });
      if (tooLarge) {
        const id = requestId();
        sendError(
          res,
          new SimulatedApiError('request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
          { 'request-id': id },
          id,
        );
        return;
      }
      const url = new URL(path, 'http://127.0.0.1');
      const extra = options.extraRoutes?.[url.pathname];
      if (extra !== undefined) return extra(res, req.method ?? 'GET');
      handle(req.method ?? 'GET', url, req.headers, body.toString('utf8'), res).catch((err: unknown) => {
        const id = requestId();
        if (!res.headersSent)
          send(res, 500, errorEnvelope('api_error', `simulator failure: ${String(err)}`, id), {
            'request-id': id,
          });
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    requests,
    aborted,
    script(fault, scriptOptions = {}) {
      queue.push({ fault, path: scriptOptions.path ?? '/v1/messages', remaining: scriptOptions.times ?? 1 });
    },
    reset() {
      queue = [];
      requests.length = 0;
      aborted.length = 0;
      cache.clear();
    },
    signThinking(model, thinking, firstUserText = '') {
      const rule = modelRule(model);
      if (rule === undefined) throw new Error(`the simulator has no model ${model}`);
      const conversation = rule.signatureBoundToConversation ? digest(firstUserText) : '';
      return signer.sign({ model: rule.id, conversation }, thinking);
    },
    get lastRequestId() {
      return lastRequestId;
    },
    get pending() {
      return queue.reduce((sum, q) => sum + q.remaining, 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function defaultMessage(type: string): string {
  switch (type) {
    case 'rate_limit_error':
      return 'Number of request tokens has exceeded your per-minute rate limit';
    case 'overloaded_error':
      return 'Overloaded';
    case 'api_error':
      return 'Internal server error';
    default:
      return type;
  }
}
