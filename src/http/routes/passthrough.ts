/**
 * Native Anthropic pass-through: the request goes to the upstream with the same method, path, query string,
 * body bytes and `anthropic-*` headers, the proxy's credential in place of the client's; the answer comes
 * back byte for byte with its status and the headers a client needs (`request-id`, rate-limit headers,
 * `retry-after`, content type and length). Bodies are never parsed: the few things the access log wants
 * (model, the request's `stream` flag, an error's type) are found by cheap byte scans.
 *
 * Which paths exist and how each one's body is handled is decided in anthropic-api.ts; this file is the
 * mechanics.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_ANTHROPIC_VERSION,
  forEachChunk,
  ReplayableBody,
  StreamedBody,
  toMidStreamError,
  type Upstream,
  type UpstreamResponse,
} from '../../upstream/index.js';
import { checkDeclaredLength, tooLarge } from '../body.js';
import {
  addCorrelationHeaders,
  logFieldsOf,
  noteUpstreamAnswer,
  stageMarker,
  type RequestContext,
} from '../context.js';
import { abortOnDisconnect, markFirstByte, writeChunk } from '../respond.js';
import { UsageScanner } from '../../metrics/index.js';

/** Never forwarded upstream: hop-by-hop headers, the client's own credentials, and what the proxy sets itself. */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'authorization',
  'x-api-key',
  'cookie',
  'accept-encoding',
  'traceparent',
  'tracestate',
  'content-length',
  'expect',
  'origin',
  'referer',
]);

/** Never passed back to the client: hop-by-hop headers and what node:http sets itself. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'set-cookie',
  'content-length',
  'date',
]);

/**
 * The client's headers as the upstream gets them. `content-length` goes along when there is a body (undici
 * then checks the body matches it), so the upstream sees the request framed as the client framed it.
 */
export function forwardedRequestHeaders(
  incoming: IncomingHttpHeaders,
  ctx: RequestContext,
  withBody = true,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in incoming) {
    if (DROPPED_REQUEST_HEADERS.has(name)) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (withBody) {
    const length = incoming['content-length'];
    if (length !== undefined && /^\d{1,15}$/.test(length)) headers['content-length'] = length;
  } else {
    delete headers['content-type'];
  }
  headers['anthropic-version'] ??= DEFAULT_ANTHROPIC_VERSION;
  return addCorrelationHeaders(headers, ctx);
}

/** The upstream's headers as the client gets them; `content-length` only when the bytes pass unchanged. */
export function passedBackHeaders(
  upstream: UpstreamResponse['headers'],
  keepLength = false,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    if (DROPPED_RESPONSE_HEADERS.has(name)) continue;
    const value = upstream[name];
    if (value !== undefined) headers[name] = value;
  }
  const length = upstream['content-length'];
  if (keepLength && typeof length === 'string' && /^\d{1,15}$/.test(length))
    headers['content-length'] = length;
  return headers;
}

/** Cheap look at the start of a body for `"model":"…"`, for the access log only; never parses the body. */
export function sniffModel(chunk: Buffer | undefined): string | null {
  if (chunk === undefined) return null;
  const m = /"model"\s*:\s*"([^"\\]{1,128})"/.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 4096)));
  return m?.[1] ?? null;
}

const STREAM_KEY = Buffer.from('"stream"', 'latin1');
/** Enough bytes after the key for `  :  false`. */
const STREAM_LOOKAHEAD = 24;

/**
 * The request's own `stream` flag, from the bytes as they pass (Buffer.indexOf, native). An unescaped
 * `"stream"` is always a key (quotes inside JSON strings are escaped), and the last one followed by
 * `true`/`false` wins: the SDKs put the top-level flag last. A tool input with its own `stream` key after
 * it could fool this; it is for the access log and metrics only, and the default (no key) is false.
 */
export class StreamFlagSniffer {
  value: boolean | null = null;
  #carry: Buffer | null = null;

  push(chunk: Buffer): void {
    if (this.#carry !== null) {
      // A key split across two chunks: look at the seam.
      const seam = Buffer.concat([this.#carry, chunk.subarray(0, STREAM_KEY.length + STREAM_LOOKAHEAD)]);
      this.#scan(seam, this.#carry.length);
    }
    this.#scan(chunk, chunk.length);
    // The end of the body so far (a short chunk does not push out the end of the one before it).
    const keep = STREAM_KEY.length + STREAM_LOOKAHEAD;
    const end = chunk.length >= keep || this.#carry === null ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = Buffer.from(end.subarray(Math.max(0, end.length - keep)));
  }

  /** Scans `buf` for keys starting before `startsBefore`. */
  #scan(buf: Buffer, startsBefore: number): void {
    let at = buf.indexOf(STREAM_KEY);
    while (at !== -1 && at < startsBefore) {
      const after = buf.toString('latin1', at + STREAM_KEY.length, at + STREAM_KEY.length + STREAM_LOOKAHEAD);
      const m = /^\s*:\s*(true|false)/.exec(after);
      if (m !== null) this.value = m[1] === 'true';
      at = buf.indexOf(STREAM_KEY, at + 1);
    }
  }
}

/** Anthropic's error type for a status, when the body did not say. */
function errorTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

const ERROR_TYPE = /"error"\s*:\s*\{\s*"type"\s*:\s*"([a-z_]{1,64})"/;

/** The `error.type` of an upstream error body, from its first bytes. */
export function upstreamErrorType(first: Buffer | undefined, status: number): string {
  const m =
    first === undefined ? null : ERROR_TYPE.exec(first.toString('latin1', 0, Math.min(first.length, 2048)));
  return m?.[1] ?? errorTypeForStatus(status);
}

const ERROR_EVENT = Buffer.from('event: error', 'latin1');
const MESSAGE_STOP = Buffer.from('message_stop', 'latin1');
/** The end of a stream kept to see how it ended: `event: message_stop\ndata: {"type":"message_stop"}\n\n`. */
const TAIL_BYTES = 64;

export interface PipeOptions {
  /** A /v1/messages stream must end with message_stop; one that does not gets an error event (issue 13.9). */
  readonly requireMessageStop?: boolean;
  /**
   * Look for token counts (Messages answers). Off for the other APIs: a batch's JSONL results or a file's
   * bytes may hold a `"usage"` that is not this request's.
   */
  readonly scanUsage?: boolean;
}

/**
 * Ends an event stream with Anthropic's error event, so the SDK raises an error instead of quietly
 * returning a truncated answer. A partial event before it is closed first (it is lost either way).
 */
async function endStreamWithError(
  res: ServerResponse,
  ctx: RequestContext,
  tail: Buffer,
  message: string,
  type = 'api_error',
): Promise<void> {
  const closed = tail.length === 0 || tail.toString('latin1').endsWith('\n\n');
  const event = `${closed ? '' : '\n\n'}event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`;
  await writeChunk(res, ctx, event);
  res.end();
}

/**
 * Streams the upstream answer to the client. Client disconnect aborts the upstream; an upstream that dies
 * mid-stream ends the client's stream (with an SSE error event when it is a stream) instead of hanging.
 */
export async function pipeUpstreamResponse(
  response: UpstreamResponse,
  res: ServerResponse,
  ctx: RequestContext,
  abort: AbortController,
  options: PipeOptions = {},
): Promise<void> {
  const status = response.statusCode;
  const isEventStream = String(response.headers['content-type'] ?? '').startsWith('text/event-stream');
  markFirstByte(ctx);
  res.writeHead(status, passedBackHeaders(response.headers, !isEventStream));
  // No flushHeaders(): the headers leave with the first chunk, one write instead of two (TTFB).
  // Token counts for the access log and metrics without parsing the body (see metrics/usage-scan.ts).
  const usage = status < 300 && options.scanUsage !== false ? new UsageScanner(isEventStream) : null;
  const watchEvents = isEventStream && status < 300;
  let first: Buffer | undefined;
  let tail: Buffer = Buffer.alloc(0);
  let sawErrorEvent = false;
  try {
    await forEachChunk(response.body, (chunk) => {
      // A vanished client aborts the upstream (abortOnDisconnect); until that lands, chunks are dropped.
      if (res.destroyed) return undefined;
      first ??= chunk;
      if (watchEvents) {
        if (!sawErrorEvent && chunk.indexOf(ERROR_EVENT) !== -1) sawErrorEvent = true;
        tail =
          chunk.length >= TAIL_BYTES
            ? chunk
            : Buffer.concat([tail, chunk]).subarray(Math.max(0, tail.length + chunk.length - TAIL_BYTES));
      }
      usage?.push(chunk);
      return writeChunk(res, ctx, chunk);
    });
  } catch (err) {
    if (res.destroyed || abort.signal.aborted) return;
    ctx.outcome = 'upstream_abort';
    ctx.errorType = 'upstream_stream_error';
    ctx.usage = usage?.usage() ?? null;
    if (isEventStream) {
      // forEachChunk says why in an UpstreamError: a timeout is a timeout_error, a shutdown an overloaded_error.
      const failure = toMidStreamError(err);
      await endStreamWithError(
        res,
        ctx,
        tail,
        `upstream stream ended early: ${failure.message}`,
        failure.upstreamType ?? 'api_error',
      );
    } else {
      res.destroy();
    }
    return;
  }
  ctx.usage = usage?.usage() ?? null;
  if (status >= 400) ctx.errorType ??= upstreamErrorType(first, status);
  else if (sawErrorEvent)
    ctx.errorType ??= upstreamErrorType(tail.indexOf(ERROR_EVENT) === -1 ? first : tail, 500);
  if (
    options.requireMessageStop === true &&
    watchEvents &&
    !sawErrorEvent &&
    tail.indexOf(MESSAGE_STOP) === -1 &&
    !res.destroyed
  ) {
    ctx.outcome = 'upstream_abort';
    ctx.errorType = 'upstream_stream_truncated';
    await endStreamWithError(res, ctx, tail, 'the upstream stream ended without message_stop');
    return;
  }
  res.end();
}

/** How one kind of request's body travels. */
export type BodyMode =
  /** No body (GET, DELETE): none is forwarded whatever the client sent. */
  | 'none'
  /** Kept (by reference) until the answer, so a retry or a 401 renewal can send it again. */
  | 'replayable'
  /** Piped once with backpressure, never held whole: large uploads; no retry. */
  | 'streamed';

export interface ForwardPlan {
  readonly upstream: Upstream;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path below the upstream base URL with the client's query string (`/messages?beta=true`). */
  readonly upstreamPath: string;
  readonly body: BodyMode;
  /** Largest body accepted, and the setting that sets it (named in the 413). */
  readonly bodyLimit: number;
  readonly bodyLimitSetting: string;
  /** Read the request's `model` and `stream` for the access log (Messages API bodies). */
  readonly sniffRequest: boolean;
  readonly requireMessageStop: boolean;
  /** Answers whose JSON may hold a batch `results_url`, rewritten to point at the proxy. */
  readonly rewriteResultsUrl: boolean;
}

/** Forwards one request as planned and streams the answer back. */
export async function forward(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  plan: ForwardPlan,
): Promise<void> {
  const hasBody = plan.body !== 'none';
  if (hasBody) checkDeclaredLength(req, plan.bodyLimit, plan.bodyLimitSetting);
  const abort = abortOnDisconnect(res);
  const headers = forwardedRequestHeaders(req.headers, ctx, hasBody);
  const sniffer = plan.sniffRequest ? new StreamFlagSniffer() : null;
  const onChunk = (total: number, chunk: Buffer): void => {
    if (total > plan.bodyLimit) throw tooLarge(plan.bodyLimit, plan.bodyLimitSetting);
    sniffer?.push(chunk);
  };
  const body =
    plan.body === 'replayable'
      ? new ReplayableBody(req, onChunk)
      : plan.body === 'streamed'
        ? new StreamedBody(req, onChunk)
        : null;
  const started = performance.now();
  const response = await plan.upstream.send({
    method: plan.method,
    path: plan.upstreamPath,
    headers,
    body,
    signal: abort.signal,
    logFields: logFieldsOf(ctx),
    stage: stageMarker(ctx),
  });
  ctx.bytesIn = body?.bytes ?? 0;
  if (plan.sniffRequest) {
    ctx.model = sniffModel(body?.firstChunk);
    ctx.stream = sniffer?.value ?? false;
  }
  noteUpstreamAnswer(ctx, response, started);
  if (plan.rewriteResultsUrl && response.statusCode === 200) {
    await sendWithProxyResultsUrl(response, res, ctx, req.headers.host);
    return;
  }
  await pipeUpstreamResponse(response, res, ctx, abort, {
    requireMessageStop: plan.requireMessageStop,
    scanUsage: plan.sniffRequest,
  });
}

/** A batch object or list is a few hundred bytes per batch; anything bigger is passed on unchanged. */
const MAX_REWRITTEN_BODY = 8 * 1024 * 1024;
const RESULTS_URL = /("results_url"\s*:\s*")([^"\\]*?)(\/messages\/batches\/[^"\\]*)"/g;

/**
 * The one deliberate change to an answer: a batch's `results_url` names the upstream, and the SDKs fetch
 * it directly — past the proxy, with the client's placeholder key. It is rewritten to this proxy's own
 * address (the Host the client used, which the guard already accepted), keeping the batch path, so the
 * results flow through the proxy like everything else. Nothing else in the body changes.
 */
export function rewriteResultsUrls(body: string, proxyOrigin: string): string {
  return body.replace(
    RESULTS_URL,
    (_m, key: string, _upstream: string, rest: string) => `${key}${proxyOrigin}/v1${rest}"`,
  );
}

async function sendWithProxyResultsUrl(
  response: UpstreamResponse,
  res: ServerResponse,
  ctx: RequestContext,
  host: string | undefined,
): Promise<void> {
  const chunks: Buffer[] = [];
  await forEachChunk(response.body, (chunk) => {
    chunks.push(chunk);
    return undefined;
  });
  const raw = Buffer.concat(chunks);
  const payload =
    raw.length <= MAX_REWRITTEN_BODY && host !== undefined && raw.indexOf('"results_url"') !== -1
      ? Buffer.from(rewriteResultsUrls(raw.toString('utf8'), `http://${host}`), 'utf8')
      : raw;
  markFirstByte(ctx);
  ctx.bytesOut += payload.length;
  res.writeHead(response.statusCode, {
    ...passedBackHeaders(response.headers),
    'content-length': String(payload.length),
  });
  res.end(payload);
}
