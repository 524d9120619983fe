/**
 * Prometheus metrics for one app instance. Everything is registered on the instance's own Registry (never
 * prom-client's global one), so several apps in one process — the tests do this — never clash.
 *
 * Per-request cost when enabled: one Set add/delete, a few counter increments and two histogram
 * observations at the end of the request, all from the RequestContext the routes fill anyway. Nothing runs
 * per chunk. When `metrics.enabled = false` this module is never instantiated and the server's hooks are
 * absent, so requests pay nothing. Every metric is documented in docs/observability.md.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestContext, RouteHandler } from '../http/context.js';
import { markFirstByte } from '../http/respond.js';

export interface MetricsOptions {
  /** Also export prom-client's default process and Node.js runtime metrics (`process_*`, `nodejs_*`). */
  readonly processMetrics: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  /** Server hook: a request arrived. */
  readonly onRequestStart: (ctx: RequestContext) => void;
  /** Server hook: a request ended (its access-log line was just written). */
  readonly onRequestEnd: (ctx: RequestContext, status: number) => void;
  /** auth/ hook: one OAuth refresh attempt finished. */
  readonly onRefresh: (outcome: 'success' | 'failure') => void;
  /** upstream/ hook: a request waited for an upstream connection, and got one or gave up. */
  readonly onQueueWait: (waitedMs: number, outcome: 'admitted' | 'timeout' | 'aborted') => void;
  /** Where the upstream pool gauges read from, at scrape time (the pool is built after the metrics). */
  readonly observeUpstream: (stats: () => { inUse: number; queued: number; capacity: number }) => void;
  /** GET /metrics. */
  readonly route: RouteHandler;
}

/** LLM requests last from milliseconds (errors, count_tokens) to minutes (long streams). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const TTFB_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Every value the `type` label of claudine_upstream_errors_total takes; all start at 0. */
export const UPSTREAM_ERROR_TYPES = [
  'auth',
  'rate_limited',
  'overloaded',
  'server_error',
  'bad_request',
  'unreachable',
  'timeout',
  'stream_aborted',
  'stream_error',
] as const;
type UpstreamErrorType = (typeof UPSTREAM_ERROR_TYPES)[number];

/**
 * Model names come from clients; past this many distinct ones, further names are counted as "other" so a
 * client cannot grow the series without bound.
 */
const MAX_MODELS = 64;

/** Classifies how the upstream failed this request, from what the route recorded; null when it did not. */
export function upstreamErrorType(ctx: RequestContext, status: number): UpstreamErrorType | null {
  if (ctx.outcome === 'upstream_abort') return 'stream_aborted';
  if (ctx.outcome === 'upstream_error') return 'stream_error';
  const upstream = ctx.upstreamStatus;
  if (upstream !== null) {
    if (upstream < 400) return null;
    if (upstream === 401 || upstream === 403) return 'auth';
    if (upstream === 429) return 'rate_limited';
    if (upstream === 529 || upstream === 503) return 'overloaded';
    if (upstream >= 500) return 'server_error';
    return 'bad_request';
  }
  // No upstream status: the upstream was never reached (502) or did not answer in time (504). The proxy's
  // own failures use other statuses (500 internal, 503 unavailable).
  if (status === 502) return 'unreachable';
  if (status === 504) return 'timeout';
  return null;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  /** Requests in flight, for the gauges (computed at scrape time, not per request). */
  const inFlight = new Set<RequestContext>();

  const requests = new Counter({
    name: 'claudine_http_requests_total',
    help: 'HTTP requests answered, by route and status.',
    labelNames: ['route', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'claudine_http_request_duration_seconds',
    help: 'Time from a request arriving to its response ending (the whole stream for streams).',
    labelNames: ['route', 'stream'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const ttfb = new Histogram({
    name: 'claudine_http_time_to_first_byte_seconds',
    help: 'Time from a request arriving to the first response byte being written.',
    labelNames: ['route', 'stream'] as const,
    buckets: TTFB_BUCKETS,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'claudine_upstream_response_seconds',
    help: 'Time from sending a request upstream to its response headers arriving.',
    labelNames: ['route'] as const,
    buckets: TTFB_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'claudine_active_requests',
    help: 'Requests being served now.',
    registers,
    collect() {
      this.set(inFlight.size);
    },
  });
  new Gauge({
    name: 'claudine_active_streams',
    help: 'Streaming responses (SSE) whose first byte has been sent and that have not ended yet.',
    registers,
    collect() {
      let n = 0;
      for (const ctx of inFlight) if (ctx.stream && ctx.firstByteMs !== null) n++;
      this.set(n);
    },
  });
  const upstreamErrors = new Counter({
    name: 'claudine_upstream_errors_total',
    help: 'Requests the upstream failed, by type (see docs/observability.md).',
    labelNames: ['type'] as const,
    registers,
  });
  for (const type of UPSTREAM_ERROR_TYPES) upstreamErrors.inc({ type }, 0);
  const upstreamAnswers = new Counter({
    name: 'claudine_upstream_responses_total',
    help: 'Upstream answers used for a request, by provider (anthropic, bedrock, vertex) and upstream status.',
    labelNames: ['upstream', 'status'] as const,
    registers,
  });
  const disconnects = new Counter({
    name: 'claudine_client_disconnects_total',
    help: 'Requests whose client went away before the response ended (the upstream request is aborted).',
    labelNames: ['route'] as const,
    registers,
  });
  const tokens = new Counter({
    name: 'claudine_tokens_total',
    help: 'Tokens reported by the upstream, by model and type (input, output, cache_read, cache_creation).',
    labelNames: ['model', 'type'] as const,
    registers,
  });
  const refreshes = new Counter({
    name: 'claudine_token_refreshes_total',
    help: 'OAuth access-token refresh attempts, by outcome (success, failure).',
    labelNames: ['outcome'] as const,
    registers,
  });
  refreshes.inc({ outcome: 'success' }, 0);
  refreshes.inc({ outcome: 'failure' }, 0);

  let upstreamStats: (() => { inUse: number; queued: number; capacity: number }) | null = null;
  new Gauge({
    name: 'claudine_upstream_connections_in_use',
    help: 'Upstream requests holding one of the upstream connections now (each stream holds one to its end).',
    registers,
    collect() {
      this.set(upstreamStats?.().inUse ?? 0);
    },
  });
  new Gauge({
    name: 'claudine_upstream_connections_max',
    help: 'Upstream connections available (upstream.connections).',
    registers,
    collect() {
      this.set(upstreamStats?.().capacity ?? 0);
    },
  });
  new Gauge({
    name: 'claudine_upstream_queue_length',
    help: 'Requests waiting for a free upstream connection now.',
    registers,
    collect() {
      this.set(upstreamStats?.().queued ?? 0);
    },
  });
  const queueWait = new Histogram({
    name: 'claudine_upstream_queue_wait_seconds',
    help: 'Time requests that found every upstream connection busy waited, by outcome (admitted, timeout, aborted).',
    labelNames: ['outcome'] as const,
    buckets: TTFB_BUCKETS,
    registers,
  });
  const queueTimeouts = new Counter({
    name: 'claudine_upstream_queue_timeouts_total',
    help: 'Requests refused with 503 because no upstream connection freed up within upstream.queue_timeout.',
    registers,
  });
  queueTimeouts.inc(0);

  const models = new Set<string>();
  const modelLabel = (model: string): string => {
    if (models.has(model)) return model;
    if (models.size >= MAX_MODELS) return 'other';
    models.add(model);
    return model;
  };

  const onRequestEnd = (ctx: RequestContext, status: number): void => {
    inFlight.delete(ctx);
    const route = ctx.route;
    const stream = ctx.stream ? 'true' : 'false';
    requests.inc({ route, status: String(status) });
    duration.observe({ route, stream }, (performance.now() - ctx.startedAt) / 1000);
    if (ctx.firstByteMs !== null) ttfb.observe({ route, stream }, ctx.firstByteMs / 1000);
    if (ctx.upstreamMs !== null) upstreamDuration.observe({ route }, ctx.upstreamMs / 1000);
    if (ctx.upstream !== null && ctx.upstreamStatus !== null)
      upstreamAnswers.inc({ upstream: ctx.upstream, status: String(ctx.upstreamStatus) });
    const failure = upstreamErrorType(ctx, status);
    if (failure !== null) upstreamErrors.inc({ type: failure });
    if (ctx.outcome === 'client_disconnect') disconnects.inc({ route });
    const usage = ctx.usage;
    if (usage !== null) {
      const model = modelLabel(ctx.model ?? 'unknown');
      if (usage.input > 0) tokens.inc({ model, type: 'input' }, usage.input);
      if (usage.output > 0) tokens.inc({ model, type: 'output' }, usage.output);
      if (usage.cacheRead > 0) tokens.inc({ model, type: 'cache_read' }, usage.cacheRead);
      if (usage.cacheCreation > 0) tokens.inc({ model, type: 'cache_creation' }, usage.cacheCreation);
    }
  };

  const route: RouteHandler = async (_req, res: ServerResponse, ctx) => {
    const text = await registry.metrics();
    markFirstByte(ctx);
    const length = Buffer.byteLength(text);
    ctx.bytesOut += length;
    res.writeHead(200, {
      'content-type': registry.contentType,
      'content-length': length,
      'cache-control': 'no-store',
    });
    res.end(text);
  };

  return {
    registry,
    onRequestStart: (ctx) => {
      inFlight.add(ctx);
    },
    onRequestEnd,
    onRefresh: (outcome) => refreshes.inc({ outcome }),
    onQueueWait: (waitedMs, outcome) => {
      queueWait.observe({ outcome }, waitedMs / 1000);
      if (outcome === 'timeout') queueTimeouts.inc();
    },
    observeUpstream: (stats) => {
      upstreamStats = stats;
    },
    route,
  };
}
