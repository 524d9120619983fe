import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/http/context.js';
import { summarise, type StatusFacts } from '../../src/ui/summary.js';
import { createUsageWindow } from '../../src/ui/usage.js';
import { PRICES, priceFor } from '../../src/ui/prices.js';

function ctx(over: Partial<RequestContext>): RequestContext {
  return {
    requestId: 'r',
    trace: {
      traceId: 't',
      spanId: 's',
      traceState: null,
      sampled: false,
    } as unknown as RequestContext['trace'],
    startedAt: performance.now(),
    route: '/v1/chat/completions',
    dialect: 'openai',
    firstByteMs: 5,
    bytesIn: 0,
    bytesOut: 0,
    upstreamStatus: 200,
    upstreamMs: 1,
    upstreamAttempts: 1,
    clientStallTimeout: 0,
    upstreamRequestId: null,
    upstream: 'anthropic',
    model: 'claude-sonnet-4-6',
    stream: false,
    usage: { input: 10, output: 5, cacheRead: 90, cacheCreation: 0 },
    outcome: null,
    errorType: null,
    stages: null,
    ...over,
  };
}

const facts: StatusFacts = {
  version: '0.0.0-test',
  startedAt: Date.now() - 5000,
  upstream: {
    provider: 'anthropic',
    url: 'https://user:secret-pass@api.example/v1',
    fallbacks: [],
    demo: false,
  },
  auth: { method: 'static', storage: 'env' },
  readiness: () => ({ ready: true }),
  credentialSource: () => 'ANTHROPIC_API_KEY',
  prices: PRICES,
  listLength: 3,
};

describe('the status page usage window', () => {
  it('keeps only the last `capacity` requests but totals every one', () => {
    const window = createUsageWindow({ capacity: 4, ignoreRoutes: new Set() });
    for (let i = 0; i < 10; i++) {
      const c = ctx({ usage: { input: i, output: 1, cacheRead: 0, cacheCreation: 0 } });
      window.onRequestStart(c);
      window.onRequestEnd(c, 200);
    }
    expect(window.recent().map((r) => r.input)).toEqual([6, 7, 8, 9]);
    expect(window.totals().get('claude-sonnet-4-6')).toMatchObject({ requests: 10, input: 45, output: 10 });
    expect(window.requestsInFlight()).toBe(0);
  });

  it('sums models past 64 as "other", skips ignored routes, and classifies errors', () => {
    const window = createUsageWindow({ capacity: 100, ignoreRoutes: new Set(['/ui/api/summary']) });
    for (let i = 0; i < 70; i++) window.onRequestEnd(ctx({ model: `m-${i}` }), 200);
    expect(window.totals().size).toBe(65);
    expect(window.totals().get('other')?.requests).toBe(6);
    const poll = ctx({ route: '/ui/api/summary', model: null, usage: null });
    window.onRequestStart(poll);
    expect(window.requestsInFlight()).toBe(0);
    window.onRequestEnd(poll, 200);
    window.onRequestEnd(ctx({ upstreamStatus: 529 }), 529);
    window.onRequestEnd(ctx({ upstreamStatus: null, errorType: 'invalid_request_error' }), 400);
    expect(window.recent()).toHaveLength(72);
    expect(
      window
        .recent()
        .slice(-2)
        .map((r) => r.error),
    ).toEqual(['overloaded', 'invalid_request_error']);
  });

  it('summarises figures, cost from the price table, and never the base URL credentials', () => {
    const window = createUsageWindow({ capacity: 10, ignoreRoutes: new Set() });
    for (let i = 0; i < 4; i++) window.onRequestEnd(ctx({ firstByteMs: i + 1 }), 200);
    const s = summarise(facts, window);
    expect(s.upstream.url).toBe('https://api.example/v1');
    expect(JSON.stringify(s)).not.toContain('secret-pass');
    expect(s.recent).toHaveLength(3);
    expect(s.auth.source).toBe('ANTHROPIC_API_KEY');
    expect(s.upstream.answered).toMatchObject({ anthropic: { requests: 4, last_status: 200 } });
    expect(s.figures.requests_per_minute).toBe(4);
    expect(s.figures.ttfb_ms).toEqual({ p50: 2, p99: 4, over_requests: 4 });
    const [model] = s.models;
    expect(model).toMatchObject({
      requests: 4,
      input_tokens: 40,
      cache_read_tokens: 360,
      cache_read_share: 0.9,
    });
    // Sonnet 4.6: $3 input, $15 output, $0.30 cache read per million.
    expect(model!.estimated_cost_usd).toBeCloseTo((40 * 3 + 20 * 15 + 360 * 0.3) / 1e6, 9);
    expect(s.cache.read_share).toBe(0.9);
  });

  it('prices dated ids by their undated row, and unknown models not at all', () => {
    expect(priceFor(PRICES, 'claude-haiku-4-5-20251001')).toBe(PRICES['claude-haiku-4-5']);
    expect(priceFor(PRICES, 'claude-opus-5')).toBe(PRICES['claude-opus-5']);
    expect(priceFor(PRICES, 'gpt-4o')).toBeNull();
  });
});
