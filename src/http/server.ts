/**
 * The node:http edge: request id, trace context, routing, error envelopes in the route's dialect, and one
 * access-log line per request when it ends. No framework: this is the hot path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { toOpenAIError } from '../adapter/index.js';
import { AuthError, ClientError, UpstreamError } from '../errors.js';
import { formatTraceparent, traceContextFrom, type Logger } from '../log/index.js';
import { toAnthropicError } from './anthropic-errors.js';
import type { Guard } from './guards.js';
import { markStage, type Dialect, type RequestContext, type RouteHandler } from './context.js';
import { requestIdFrom } from './request-id.js';
import { sendJson } from './respond.js';

export interface Route {
  /**
   * The error dialect: the route's own, or `client` for routes both kinds of client use (models, health,
   * metrics), where a request carrying `anthropic-version` gets Anthropic's shape and any other OpenAI's.
   */
  readonly dialect: Dialect | 'client';
  readonly methods: Readonly<Partial<Record<'GET' | 'POST' | 'DELETE', RouteHandler>>>;
  /** The route's name in the access log and metrics when it is not the path itself (paths with ids). */
  readonly label?: (path: string) => string;
}

/** Paths only Anthropic's API has: a request for one is an Anthropic client's, whatever it sent. */
function isAnthropicOnlyPath(path: string): boolean {
  return path.startsWith('/v1/messages') || path.startsWith('/v1/files') || path === '/v1/complete';
}

/**
 * The dialect errors are answered in: the route's own when it speaks only one; otherwise the client's,
 * known by `anthropic-version` (every Anthropic SDK and Claude Code send it) or an Anthropic-only path.
 */
function dialectOf(route: Route | undefined, req: IncomingMessage, path: string): Dialect {
  if (route !== undefined && route.dialect !== 'client') return route.dialect;
  return req.headers['anthropic-version'] !== undefined || isAnthropicOnlyPath(path) ? 'anthropic' : 'openai';
}

/** A `.` or `..` segment, plain or percent-encoded: never routed, never forwarded (issue 13.5). */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/** Why a path cannot be served at all, or null when it can be routed. */
function malformedPath(path: string): string | null {
  if (!path.startsWith('/')) return 'the request target is not a path';
  if (DOT_SEGMENT.test(path)) return 'paths with "." or ".." segments are not served';
  if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      return 'the path has malformed percent-encoding';
    }
  }
  return null;
}

export interface RouteTable {
  /** Exact paths. */
  readonly exact: ReadonlyMap<string, Route>;
  /** Prefix routes (`/v1/models/` for `/v1/models/{id}`), tried in order after exact ones. */
  readonly prefixes: readonly (readonly [string, Route])[];
}

export interface HttpServerOptions {
  readonly routes: RouteTable;
  readonly logger: Logger;
  /** Called once per arriving request, before routing (metrics; absent when metrics are off). */
  readonly onRequestStart?: (ctx: RequestContext) => void;
  /** Called once per finished request with its context and status (metrics). */
  readonly onRequestEnd?: (ctx: RequestContext, status: number) => void;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  /** Longest a client may leave a full connection unread before it is cut off (0: never). */
  readonly clientStallTimeout?: number;
  /** Record per-stage timings into each access-log line (`log_stages`). */
  readonly stageTiming?: boolean;
  readonly guard: Guard;
  /** Requests served at once; more get 503 with retry-after. */
  readonly maxConcurrent: number;
}

export interface HttpServer {
  readonly server: Server;
  /** Requests currently being served. */
  inFlight(): number;
  /** Resolves when no request is in flight. */
  drained(): Promise<void>;
}

function errorResponse(
  dialect: Dialect,
  err: unknown,
): { status: number; headers: Record<string, string>; body: unknown } {
  return dialect === 'anthropic' ? toAnthropicError(err) : toOpenAIError(err);
}

export function sendError(res: ServerResponse, ctx: RequestContext, err: unknown): void {
  const { status, headers, body } = errorResponse(ctx.dialect, err);
  ctx.errorType ??= (body as { error?: { type?: string } }).error?.type ?? null;
  sendJson(res, ctx, status, body, headers);
}

function findRoute(routes: RouteTable, path: string): Route | undefined {
  const exact = routes.exact.get(path);
  if (exact !== undefined) return exact;
  for (const [prefix, route] of routes.prefixes) if (path.startsWith(prefix)) return route;
  return undefined;
}

function logRequestEnd(logger: Logger, req: IncomingMessage, ctx: RequestContext, status: number): void {
  const level =
    ctx.outcome === 'client_disconnect'
      ? 'info'
      : status >= 500 || ctx.outcome === 'upstream_abort' || ctx.outcome === 'upstream_error'
        ? 'error'
        : status >= 400
          ? 'warn'
          : 'info';
  // Most deployments log at info, but a quiet one (warn) should not build a line per request to drop it.
  if (!logger.isLevelEnabled(level)) return;
  const fields = {
    request_id: ctx.requestId,
    trace_id: ctx.trace.traceId,
    span_id: ctx.trace.spanId,
    method: req.method,
    route: ctx.route,
    status,
    duration_ms: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
    ttfb_ms: ctx.firstByteMs === null ? null : Math.round(ctx.firstByteMs * 1000) / 1000,
    bytes_in: ctx.bytesIn,
    bytes_out: ctx.bytesOut,
    ...(ctx.model !== null ? { model: ctx.model, stream: ctx.stream } : {}),
    ...(ctx.upstreamStatus !== null
      ? {
          ...(ctx.upstream !== null ? { upstream: ctx.upstream } : {}),
          upstream_status: ctx.upstreamStatus,
          upstream_ms: ctx.upstreamMs,
          ...(ctx.upstreamAttempts > 1 ? { upstream_attempts: ctx.upstreamAttempts } : {}),
          ...(ctx.upstreamRequestId !== null ? { upstream_request_id: ctx.upstreamRequestId } : {}),
        }
      : {}),
    ...(ctx.usage !== null
      ? {
          input_tokens: ctx.usage.input,
          output_tokens: ctx.usage.output,
          cache_read_tokens: ctx.usage.cacheRead,
          cache_creation_tokens: ctx.usage.cacheCreation,
        }
      : {}),
    ...(ctx.outcome !== null ? { outcome: ctx.outcome } : {}),
    ...(ctx.errorType !== null ? { error_type: ctx.errorType } : {}),
    ...(ctx.stages !== null ? { stages_ms: stagesOf(ctx.stages) } : {}),
  };
  logger[level](fields, 'request');
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { routes, logger } = options;
  const stageTiming = options.stageTiming === true;
  let inFlight = 0;
  let drainWaiters: (() => void)[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    // Never log a query string: it could hold a key.
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const route = findRoute(routes, path);
    const ctx: RequestContext = {
      requestId,
      trace: traceContextFrom(header(req, 'traceparent'), header(req, 'tracestate')),
      startedAt: performance.now(),
      route: route === undefined ? 'unknown' : (route.label?.(path) ?? path),
      dialect: dialectOf(route, req, path),
      firstByteMs: null,
      bytesIn: 0,
      bytesOut: 0,
      upstreamStatus: null,
      upstreamMs: null,
      upstreamAttempts: 0,
      clientStallTimeout: options.clientStallTimeout ?? 0,
      upstreamRequestId: null,
      upstream: null,
      model: null,
      stream: false,
      usage: null,
      outcome: null,
      errorType: null,
      stages: stageTiming ? [] : null,
    };
    res.setHeader('x-request-id', requestId);
    // The proxy's own span, so a client can find this request's upstream call and log lines in its trace.
    res.setHeader('traceparent', formatTraceparent(ctx.trace));
    options.onRequestStart?.(ctx);

    res.once('close', () => {
      if (!res.writableFinished && ctx.outcome === null) ctx.outcome = 'client_disconnect';
      // A client that left before any answer was sent got none: 499 (as nginx logs it), not the 200 that
      // node:http holds as its default status.
      const status =
        ctx.outcome === 'client_disconnect' && !res.headersSent ? CLIENT_CLOSED_REQUEST : res.statusCode;
      logRequestEnd(logger, req, ctx, status);
      options.onRequestEnd?.(ctx, status);
      if (--inFlight === 0 && drainWaiters.length > 0) {
        const waiters = drainWaiters;
        drainWaiters = [];
        for (const wake of waiters) wake();
      }
    });

    if (inFlight > options.maxConcurrent) {
      res.setHeader('retry-after', '1');
      sendError(
        res,
        ctx,
        new ClientError(
          `claudine is at its limit of ${options.maxConcurrent} concurrent requests (server.max_concurrent_requests); retry shortly`,
          503,
          'unavailable',
        ),
      );
      return;
    }
    try {
      if (options.guard.check(req, res, path)) return;
    } catch (err) {
      sendError(res, ctx, err);
      return;
    }
    const malformed = malformedPath(path);
    if (malformed !== null) {
      sendError(res, ctx, new ClientError(malformed, 400));
      return;
    }
    if (route === undefined) {
      sendError(res, ctx, new ClientError(`no route for ${req.method ?? 'GET'} ${path}`, 404, 'not_found'));
      return;
    }
    const handler = route.methods[req.method as 'GET' | 'POST' | 'DELETE'];
    if (handler === undefined) {
      res.setHeader('allow', Object.keys(route.methods).join(', '));
      sendError(
        res,
        ctx,
        new ClientError(`method ${req.method ?? ''} is not allowed on ${path}`, 405, 'method_not_allowed'),
      );
      return;
    }
    markStage(ctx, 'routed');
    let result: Promise<void> | void;
    try {
      result = handler(req, res, ctx);
    } catch (err) {
      failRequest(res, ctx, err, logger);
      return;
    }
    if (result !== undefined) result.catch((err: unknown) => failRequest(res, ctx, err, logger));
  };

  const server = createServer(
    {
      headersTimeout: options.headersTimeout,
      requestTimeout: options.requestTimeout,
      // node checks the two timeouts above only this often (30 s by default): check often enough to matter.
      connectionsCheckingInterval: Math.max(
        250,
        Math.min(options.headersTimeout, options.requestTimeout, 30_000) / 4,
      ),
      keepAliveTimeout: 5_000,
    },
    handle,
  );

  return {
    server,
    inFlight: () => inFlight,
    drained: () =>
      inFlight === 0 ? Promise.resolve() : new Promise((resolve) => drainWaiters.push(resolve)),
  };
}

/** `[name, ms, name, ms…]` → `{ name: ms }` rounded to µs; a repeated stage keeps its first time. */
function stagesOf(stages: readonly (string | number)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < stages.length; i += 2) {
    const name = stages[i] as string;
    out[name] ??= Math.round((stages[i + 1] as number) * 1000) / 1000;
  }
  return out;
}

/** The last resort for an error a route did not answer itself. */
function failRequest(res: ServerResponse, ctx: RequestContext, err: unknown, logger: Logger): void {
  // A client that left aborted its upstream request: the abort that comes back is the expected end of it,
  // not a bug (the access log already says client_disconnect).
  if (res.destroyed && isAbort(err)) return;
  // The expected failures explain themselves in the response; anything else is a bug and is logged whole.
  if (!(err instanceof ClientError || err instanceof AuthError || err instanceof UpstreamError)) {
    logger.error(
      {
        request_id: ctx.requestId,
        trace_id: ctx.trace.traceId,
        span_id: ctx.trace.spanId,
        // A SyntaxError's message quotes the text it choked on, which could be part of a body: name only.
        err:
          err instanceof SyntaxError
            ? { name: err.name }
            : err instanceof Error
              ? { name: err.name, message: err.message, stack: err.stack }
              : typeof err,
      },
      'unexpected error',
    );
  }
  if (res.destroyed) return;
  if (!res.headersSent) {
    sendError(res, ctx, err);
    return;
  }
  // Headers are out: the status cannot change, so end the body; the route's own error event came first.
  ctx.outcome ??= 'upstream_error';
  res.end();
}

/** The status logged and counted for a request whose client left before any answer. */
export const CLIENT_CLOSED_REQUEST = 499;

function isAbort(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'AbortError' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
