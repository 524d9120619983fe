/**
 * The JSON behind the status page (GET /ui/api/summary), computed when asked from the usage window: nothing
 * here runs per request. Holds figures, model ids, route labels and where the credential is kept — never a
 * credential, a body, a prompt or an answer.
 */
import type { Readiness } from '../http/routes/health.js';
import { PRICE_SOURCE, priceFor, type PriceRow } from './prices.js';
import type { RequestRecord, UsageWindow } from './usage.js';

export interface StatusFacts {
  readonly version: string;
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number;
  readonly upstream: {
    readonly provider: string;
    /** The Anthropic API's base URL; null for a cloud provider (its endpoint is per region). */
    readonly url: string | null;
    readonly fallbacks: readonly string[];
    readonly demo: boolean;
  };
  readonly auth: { readonly method: string; readonly storage: string };
  readonly readiness: () => Readiness;
  /** Where the credential in use came from (a file path, an environment variable's name), when known. */
  readonly credentialSource: () => string | null;
  readonly prices: Readonly<Record<string, PriceRow>>;
  /** How many of the latest requests the list shows. */
  readonly listLength: number;
}

/** Share of the prompt read from the cache: cache reads over all input (uncached + reads + writes). */
export function cacheShare(t: { input: number; cacheRead: number; cacheWrite: number }): number | null {
  const all = t.input + t.cacheRead + t.cacheWrite;
  return all === 0 ? null : t.cacheRead / all;
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? null;
}

const round = (n: number, places = 3): number => Math.round(n * 10 ** places) / 10 ** places;

/** Figures over the records of the last `windowMs`. */
function figures(records: readonly RequestRecord[], window: UsageWindow, now: number) {
  const lastMinute = records.filter((r) => r.at > now - 60_000);
  const lastFive = records.filter((r) => r.at > now - 5 * 60_000);
  const errorsByType: Record<string, number> = {};
  let errors = 0;
  for (const r of lastFive) {
    if (r.error === null) continue;
    errors++;
    errorsByType[r.error] = (errorsByType[r.error] ?? 0) + 1;
  }
  const ttfbs = records
    .map((r) => r.ttfbMs)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  const p50 = percentile(ttfbs, 50);
  const p99 = percentile(ttfbs, 99);
  return {
    requests_per_minute: lastMinute.length,
    requests_in_flight: window.requestsInFlight(),
    streams_in_flight: window.streamsInFlight(),
    error_rate_5m: lastFive.length === 0 ? 0 : round(errors / lastFive.length, 4),
    errors_5m_by_type: errorsByType,
    ttfb_ms: {
      p50: p50 === null ? null : round(p50, 1),
      p99: p99 === null ? null : round(p99, 1),
      over_requests: ttfbs.length,
    },
  };
}

/** `user:pass@` never leaves the process, should a base URL carry one. */
function withoutUserInfo(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

export function summarise(facts: StatusFacts, window: UsageWindow, now = Date.now()) {
  const records = window.recent();
  const readiness = facts.readiness();
  const lastAnswer = [...records].reverse().find((r) => r.upstreamStatus !== null);
  // Which upstreams answered among the retained requests, and how each last did.
  const answered: Record<string, { requests: number; last_at: string; last_status: number | null }> = {};
  for (const r of records) {
    if (r.upstreamStatus === null) continue;
    const name = r.upstream ?? facts.upstream.provider;
    const seen = answered[name];
    const at = new Date(r.at).toISOString();
    if (seen === undefined) answered[name] = { requests: 1, last_at: at, last_status: r.upstreamStatus };
    else {
      seen.requests++;
      seen.last_at = at;
      seen.last_status = r.upstreamStatus;
    }
  }
  const models = [...window.totals()].map(([model, t]) => {
    const price = priceFor(facts.prices, model);
    const cost =
      price === null
        ? null
        : round(
            (t.input * price.input +
              t.output * price.output +
              t.cacheWrite * price.cacheWrite +
              t.cacheRead * price.cacheRead) /
              1_000_000,
            6,
          );
    const share = cacheShare(t);
    return {
      model,
      requests: t.requests,
      input_tokens: t.input,
      output_tokens: t.output,
      cache_read_tokens: t.cacheRead,
      cache_write_tokens: t.cacheWrite,
      cache_read_share: share === null ? null : round(share, 4),
      estimated_cost_usd: cost,
    };
  });
  const all = { input: 0, cacheRead: 0, cacheWrite: 0 };
  for (const t of window.totals().values()) {
    all.input += t.input;
    all.cacheRead += t.cacheRead;
    all.cacheWrite += t.cacheWrite;
  }
  const overall = cacheShare(all);
  return {
    version: facts.version,
    started_at: new Date(facts.startedAt).toISOString(),
    uptime_seconds: Math.round((now - facts.startedAt) / 1000),
    readiness: {
      ready: readiness.ready,
      ...(readiness.reason !== undefined ? { reason: readiness.reason } : {}),
    },
    upstream: {
      provider: facts.upstream.provider,
      url: facts.upstream.url === null ? null : withoutUserInfo(facts.upstream.url),
      fallbacks: facts.upstream.fallbacks,
      demo: facts.upstream.demo,
      last_answer:
        lastAnswer === undefined
          ? null
          : {
              at: new Date(lastAnswer.at).toISOString(),
              status: lastAnswer.upstreamStatus,
              upstream: lastAnswer.upstream ?? facts.upstream.provider,
            },
      answered,
      connections: readiness.upstream ?? null,
    },
    // Where the credential came from (a file path, an environment variable's name) — never the credential.
    auth: { ...facts.auth, source: readiness.ready ? facts.credentialSource() : null },
    figures: figures(records, window, now),
    models,
    estimated_cost_usd: round(
      models.reduce((sum, m) => sum + (m.estimated_cost_usd ?? 0), 0),
      6,
    ),
    prices: { source: PRICE_SOURCE.url, date: PRICE_SOURCE.date, unit: 'USD per million tokens' },
    cache: {
      read_share: overall === null ? null : round(overall, 4),
      per_minute: window.minutes(now).map((b) => {
        const share = cacheShare(b);
        return {
          minute: new Date(b.minute).toISOString(),
          requests: b.requests,
          errors: b.errors,
          read_share: share === null ? null : round(share, 4),
        };
      }),
    },
    recent: records
      .slice(-facts.listLength)
      .reverse()
      .map((r) => {
        const share = cacheShare(r);
        return {
          at: new Date(r.at).toISOString(),
          route: r.route,
          model: r.model,
          status: r.status,
          stream: r.stream,
          duration_ms: round(r.durationMs, 1),
          ttfb_ms: r.ttfbMs === null ? null : round(r.ttfbMs, 1),
          input_tokens: r.input,
          output_tokens: r.output,
          cache_read_tokens: r.cacheRead,
          cache_write_tokens: r.cacheWrite,
          cache_read_share: share === null ? null : round(share, 4),
          error: r.error,
        };
      }),
  };
}

export type Summary = ReturnType<typeof summarise>;
