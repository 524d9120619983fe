import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatTraceparent, type TraceContext } from '../log/index.js';

/** The error dialect a route speaks: OpenAI's envelope or Anthropic's. */
export type Dialect = 'openai' | 'anthropic';

export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/**
 * Everything the access log and metrics need to know about one request, filled in along the way. One
 * object per request; routes set fields on it instead of logging.
 */
export interface RequestContext {
  readonly requestId: string;
  readonly trace: TraceContext;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  route: string;
  dialect: Dialect;
  /** Milliseconds from arrival to the first response byte, once sent. */
  firstByteMs: number | null;
  bytesIn: number;
  bytesOut: number;
  upstreamStatus: number | null;
  upstreamMs: number | null;
  /** Upstream attempts the answer took (each retry adds one). */
  upstreamAttempts: number;
  /** Milliseconds a full connection to the client may stay unread before the client is cut off (0: never). */
  readonly clientStallTimeout: number;
  /** The upstream's own `request-id` for its answer, to quote to the provider's support. */
  upstreamRequestId: string | null;
  /** Which upstream provider answered (anthropic, bedrock, vertex); null before one did. */
  upstream: string | null;
  model: string | null;
  stream: boolean;
  usage: TokenUsage | null;
  /** How the request ended if not normally. */
  outcome: 'client_disconnect' | 'upstream_abort' | 'upstream_error' | null;
  /** Kept for errors that end a request after headers were sent (the status alone would hide them). */
  errorType: string | null;
  /**
   * Per-stage timings when `log_stages` is on (name, ms since arrival, in order), else null: where a
   * request's time went, written to its access-log line. Off, it costs one null check per stage.
   */
  readonly stages: (string | number)[] | null;
}

/** Notes that a stage of the request is done (only when stage timing is on). */
export function markStage(ctx: RequestContext, name: string): void {
  if (ctx.stages !== null) ctx.stages.push(name, performance.now() - ctx.startedAt);
}

/** A stage marker for the upstream client, or undefined when stage timing is off (nothing to call). */
export function stageMarker(ctx: RequestContext): ((name: string) => void) | undefined {
  const stages = ctx.stages;
  if (stages === null) return undefined;
  return (name) => stages.push(name, performance.now() - ctx.startedAt);
}

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
) => Promise<void> | void;

/** The fields that tie a log line to its request, for lines written outside the access log. */
export function logFieldsOf(ctx: RequestContext): Record<string, string> {
  return { request_id: ctx.requestId, trace_id: ctx.trace.traceId, span_id: ctx.trace.spanId };
}

/**
 * Adds what ties an upstream request to this one: the trace context (the proxy's span as parent) and the
 * request id. Every route that calls the upstream uses this.
 */
export function addCorrelationHeaders(
  headers: Record<string, string>,
  ctx: RequestContext,
): Record<string, string> {
  headers['traceparent'] = formatTraceparent(ctx.trace);
  if (ctx.trace.traceState !== null) headers['tracestate'] = ctx.trace.traceState;
  headers['x-request-id'] = ctx.requestId;
  return headers;
}

/** Records the upstream's answer for the access log and metrics. */
export function noteUpstreamAnswer(
  ctx: RequestContext,
  response: {
    readonly statusCode: number;
    readonly attempts: number;
    readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
    /** The provider that answered (anthropic, bedrock, vertex). */
    readonly upstream?: string;
  },
  startedAt: number,
): void {
  ctx.upstreamStatus = response.statusCode;
  if (response.upstream !== undefined) ctx.upstream = response.upstream;
  const requestId = response.headers?.['request-id'];
  // Logged as is, so only what a request id looks like (`req_011C…`): nothing an upstream could smuggle in.
  if (typeof requestId === 'string' && /^[\w.:-]{1,128}$/.test(requestId)) ctx.upstreamRequestId = requestId;
  ctx.upstreamAttempts = response.attempts;
  ctx.upstreamMs = performance.now() - startedAt;
}
