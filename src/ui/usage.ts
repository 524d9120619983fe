/**
 * What the status page shows, kept in memory from the per-request access-log record (the RequestContext the
 * server hands to /metrics too): a ring buffer of the last requests, per-model totals since start, and one
 * bucket per minute for the last hour (cache hit ratio over time).
 *
 * Cost on the request path: at the end of a request, one fixed-size record written into a preallocated ring
 * slot, a few additions to a per-model total and to the current minute's bucket. No body, prompt or answer
 * is ever seen here: the record holds only figures, the route label and the model id. Everything else
 * (percentiles, rates, costs) is computed when the page asks, not per request.
 *
 * In memory only: a restart starts from zero (docs/observability.md says so).
 */
import { performance } from 'node:perf_hooks';
import type { RequestContext } from '../http/context.js';
import { upstreamErrorType } from '../metrics/index.js';

export interface RequestRecord {
  /** Wall-clock end time, ms since the epoch. */
  at: number;
  route: string;
  model: string | null;
  status: number;
  stream: boolean;
  durationMs: number;
  ttfbMs: number | null;
  upstreamStatus: number | null;
  /** Which upstream answered (anthropic, bedrock, vertex); null when none did. */
  upstream: string | null;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Why it failed (upstream error type, or the error type the proxy answered with); null when it did not. */
  error: string | null;
}

export interface ModelTotals {
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface MinuteBucket {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  requests: number;
  errors: number;
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Client-chosen model ids beyond this many are summed under "other", so totals stay bounded. */
const MAX_MODELS = 64;
const MINUTES = 60;

export interface UsageWindow {
  readonly onRequestStart: (ctx: RequestContext) => void;
  readonly onRequestEnd: (ctx: RequestContext, status: number) => void;
  /** The retained records, oldest first. */
  recent(): RequestRecord[];
  totals(): ReadonlyMap<string, ModelTotals>;
  /** Minute buckets of the last hour that saw requests, oldest first. */
  minutes(now?: number): MinuteBucket[];
  /** Streams whose first byte went out and that have not ended. */
  streamsInFlight(): number;
  requestsInFlight(): number;
}

export interface UsageWindowOptions {
  /** How many requests the ring keeps (the figures and the request list are computed from them). */
  readonly capacity: number;
  /** Routes not recorded (the page's own, so polling does not fill the list). */
  readonly ignoreRoutes: ReadonlySet<string>;
}

export function createUsageWindow(options: UsageWindowOptions): UsageWindow {
  const ring: (RequestRecord | undefined)[] = new Array<RequestRecord | undefined>(options.capacity);
  let next = 0;
  let count = 0;
  const totals = new Map<string, ModelTotals>();
  const buckets: (MinuteBucket | undefined)[] = new Array<MinuteBucket | undefined>(MINUTES);
  const inFlight = new Set<RequestContext>();

  const totalsFor = (model: string): ModelTotals => {
    let row = totals.get(model);
    if (row === undefined) {
      const key = totals.size >= MAX_MODELS ? 'other' : model;
      row = totals.get(key);
      if (row === undefined) {
        row = { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
        totals.set(key, row);
      }
    }
    return row;
  };

  const bucketFor = (now: number): MinuteBucket => {
    const minute = now - (now % 60_000);
    const slot = Math.floor(minute / 60_000) % MINUTES;
    let bucket = buckets[slot];
    if (bucket === undefined || bucket.minute !== minute) {
      bucket = { minute, requests: 0, errors: 0, input: 0, cacheRead: 0, cacheWrite: 0 };
      buckets[slot] = bucket;
    }
    return bucket;
  };

  return {
    onRequestStart: (ctx) => {
      if (!options.ignoreRoutes.has(ctx.route)) inFlight.add(ctx);
    },
    onRequestEnd: (ctx, status) => {
      if (options.ignoreRoutes.has(ctx.route)) return;
      inFlight.delete(ctx);
      const now = Date.now();
      const usage = ctx.usage;
      const error =
        upstreamErrorType(ctx, status) ??
        (ctx.outcome === 'client_disconnect'
          ? 'client_disconnect'
          : status >= 400
            ? (ctx.errorType ?? `http_${status}`)
            : null);
      const record: RequestRecord = {
        at: now,
        route: ctx.route,
        model: ctx.model,
        status,
        stream: ctx.stream,
        durationMs: performance.now() - ctx.startedAt,
        ttfbMs: ctx.firstByteMs,
        upstreamStatus: ctx.upstreamStatus,
        upstream: ctx.upstream,
        input: usage?.input ?? 0,
        output: usage?.output ?? 0,
        cacheRead: usage?.cacheRead ?? 0,
        cacheWrite: usage?.cacheCreation ?? 0,
        error,
      };
      ring[next] = record;
      next = (next + 1) % options.capacity;
      if (count < options.capacity) count++;
      const bucket = bucketFor(now);
      bucket.requests++;
      if (error !== null) bucket.errors++;
      if (ctx.model !== null) {
        const row = totalsFor(ctx.model);
        row.requests++;
        row.input += record.input;
        row.output += record.output;
        row.cacheRead += record.cacheRead;
        row.cacheWrite += record.cacheWrite;
        bucket.input += record.input;
        bucket.cacheRead += record.cacheRead;
        bucket.cacheWrite += record.cacheWrite;
      }
    },
    recent() {
      const out: RequestRecord[] = [];
      const start = count < options.capacity ? 0 : next;
      for (let i = 0; i < count; i++) {
        const record = ring[(start + i) % options.capacity];
        if (record !== undefined) out.push(record);
      }
      return out;
    },
    totals: () => totals,
    minutes(now = Date.now()) {
      const since = now - MINUTES * 60_000;
      return buckets
        .filter((b): b is MinuteBucket => b !== undefined && b.minute > since)
        .sort((a, b) => a.minute - b.minute);
    },
    streamsInFlight() {
      let n = 0;
      for (const ctx of inFlight) if (ctx.stream && ctx.firstByteMs !== null) n++;
      return n;
    },
    requestsInFlight: () => inFlight.size,
  };
}
