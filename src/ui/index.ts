/**
 * ui/'s public surface: the local status page (GET / and /ui) and its JSON (GET /ui/api/summary), fed by
 * the same per-request record as /metrics through the server's request-end hook.
 */
import type { RouteHandler } from '../http/context.js';
import { markFirstByte, sendJson } from '../http/respond.js';
import { PAGE_HTML } from './page.js';
import { summarise, type StatusFacts } from './summary.js';
import { createUsageWindow, type UsageWindow } from './usage.js';

export { PRICES, PRICE_SOURCE, priceFor, type PriceRow } from './prices.js';
export { cacheShare, type Summary, type StatusFacts } from './summary.js';

/** The page's own paths: served, counted by /metrics, but not recorded in the page's request list. */
export const UI_PATHS = ['/', '/ui', '/ui/api/summary'] as const;

export interface StatusUi {
  readonly window: UsageWindow;
  readonly page: RouteHandler;
  readonly summary: RouteHandler;
}

/** Only the proxy's own origin may run scripts, fetch or frame anything on the page. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export function createStatusUi(facts: StatusFacts, options: { readonly capacity: number }): StatusUi {
  const window = createUsageWindow({ capacity: options.capacity, ignoreRoutes: new Set(UI_PATHS) });
  const body = Buffer.from(PAGE_HTML, 'utf8');
  const page: RouteHandler = (_req, res, ctx) => {
    markFirstByte(ctx);
    ctx.bytesOut += body.length;
    res.writeHead(200, { ...PAGE_HEADERS, 'content-length': body.length });
    res.end(body);
  };
  const summary: RouteHandler = (_req, res, ctx) => {
    sendJson(res, ctx, 200, summarise(facts, window), { 'cache-control': 'no-store' });
  };
  return { window, page, summary };
}
