/**
 * Native Anthropic pass-through: the request body streams to the upstream untouched (counted against the
 * size limit, never parsed), the proxy's credential replaces the client's, and the answer streams back
 * byte for byte with its status and the headers a client needs.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_ANTHROPIC_VERSION,
  type UpstreamClient,
  type UpstreamResponse,
} from '../../upstream/index.js';
import { checkDeclaredLength, tooLarge } from '../body.js';
import { forEachChunk, ReplayableBody } from '../../upstream/index.js';
import {
  addCorrelationHeaders,
  logFieldsOf,
  noteUpstreamAnswer,
  type RequestContext,
  type RouteHandler,
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

export function forwardedRequestHeaders(
  incoming: IncomingHttpHeaders,
  ctx: RequestContext,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in incoming) {
    if (DROPPED_REQUEST_HEADERS.has(name)) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['anthropic-version'] ??= DEFAULT_ANTHROPIC_VERSION;
  return addCorrelationHeaders(headers, ctx);
}

export function passedBackHeaders(upstream: UpstreamResponse['headers']): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    if (DROPPED_RESPONSE_HEADERS.has(name)) continue;
    const value = upstream[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** Cheap look at the start of a body for `"model":"…"`, for the access log only; never parses the body. */
function sniffModel(chunk: Buffer | undefined): string | null {
  if (chunk === undefined) return null;
  const m = /"model"\s*:\s*"([^"\\]{1,128})"/.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 4096)));
  return m?.[1] ?? null;
}

export interface PassthroughOptions {
  readonly upstream: UpstreamClient;
  readonly maxBodySize: number;
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
): Promise<void> {
  const isEventStream = String(response.headers['content-type'] ?? '').startsWith('text/event-stream');
  ctx.stream ||= isEventStream;
  markFirstByte(ctx);
  res.writeHead(response.statusCode, passedBackHeaders(response.headers));
  // No flushHeaders(): the headers leave with the first chunk, one write instead of two (TTFB).
  // Token counts for the access log and metrics without parsing the body (see metrics/usage-scan.ts).
  const usage = response.statusCode < 300 ? new UsageScanner(isEventStream) : null;
  try {
    await forEachChunk(response.body, (chunk) => {
      // A vanished client aborts the upstream (abortOnDisconnect); until that lands, chunks are dropped.
      if (res.destroyed) return undefined;
      usage?.push(chunk);
      return writeChunk(res, ctx, chunk);
    });
  } catch (err) {
    if (res.destroyed || abort.signal.aborted) return;
    ctx.outcome = 'upstream_abort';
    ctx.errorType = 'upstream_stream_error';
    ctx.usage = usage?.usage() ?? null;
    if (isEventStream) {
      const message = err instanceof Error ? err.message : 'the upstream stream failed';
      const event = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `upstream stream ended early: ${message}` } })}\n\n`;
      await writeChunk(res, ctx, event);
      res.end();
    } else {
      res.destroy();
    }
    return;
  }
  ctx.usage = usage?.usage() ?? null;
  res.end();
}

export function passthroughRoute(options: PassthroughOptions, upstreamPath: string): RouteHandler {
  return async (req, res, ctx) => {
    checkDeclaredLength(req, options.maxBodySize);
    const abort = abortOnDisconnect(res);
    const headers = forwardedRequestHeaders(req.headers, ctx);
    // Streamed to the upstream as it arrives, and kept (by reference) until the answer comes so that a
    // retry or a 401 renewal can send it again.
    const body = new ReplayableBody(req, (total) => {
      if (total > options.maxBodySize) throw tooLarge(options.maxBodySize);
    });
    const started = performance.now();
    const response = await options.upstream.send({
      method: 'POST',
      path: upstreamPath,
      headers,
      body,
      signal: abort.signal,
      logFields: logFieldsOf(ctx),
    });
    ctx.bytesIn = body.bytes;
    ctx.model = sniffModel(body.firstChunk);
    noteUpstreamAnswer(ctx, response, started);
    await pipeUpstreamResponse(response, res, ctx, abort);
  };
}

/** GET pass-through (models), with the proxy's credential. */
export function passthroughGetRoute(
  options: PassthroughOptions,
  upstreamPathFor: (path: string, query: string) => string,
): RouteHandler {
  return async (req, res, ctx) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt);
    const abort = abortOnDisconnect(res);
    const started = performance.now();
    const response = await options.upstream.send({
      method: 'GET',
      path: upstreamPathFor(path, query),
      headers: forwardedRequestHeaders(req.headers, ctx),
      signal: abort.signal,
      logFields: logFieldsOf(ctx),
    });
    noteUpstreamAnswer(ctx, response, started);
    await pipeUpstreamResponse(response, res, ctx, abort);
  };
}
