/**
 * The one price table: USD per million tokens, per model, for the estimated cost on the status page.
 *
 * Sources, compiled 2026-12-01 and not all equally firm: the Fable and Opus rows from Anthropic's pricing page,
 * https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing"), as stored in our reference copy;
 * the 5.5 models' cache rates from third-party release notes; the Sonnet 4.x and Haiku 4.5 rows from the
 * previously published list prices, not re-read from that page. Check against the live page before relying
 * on the figures. Cache writes are priced at the 5-minute rate (the access-log record
 * does not say which TTL a write used; 1-hour writes cost more), and Haiku 5.5 at its band for prompts up
 * to 100K tokens. `ui.prices` in the config overrides or adds rows. An estimate, not a bill.
 */

export interface PriceRow {
  /** Base input tokens. */
  readonly input: number;
  readonly output: number;
  /** Cache writes (5-minute rate). */
  readonly cacheWrite: number;
  /** Cache hits and refreshes. */
  readonly cacheRead: number;
}

export const PRICE_SOURCE = {
  url: 'https://platform.claude.com/docs/en/about-claude/pricing',
  date: '2026-12-01',
} as const;

/** Keyed by model id; a dated id (`claude-haiku-4-5-20251001`) uses the row of its undated prefix. */
export const PRICES: Readonly<Record<string, PriceRow>> = {
  'claude-fable-5-1': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  'claude-opus-5-5': { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 },
  'claude-sonnet-5-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 },
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 },
  'claude-opus-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-8': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-7': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-6': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-sonnet-4-6': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-sonnet-4-5': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
};

/** The price row for `model`: exact id, else the longest table key the id starts with (dated ids). */
export function priceFor(table: Readonly<Record<string, PriceRow>>, model: string): PriceRow | null {
  const exact = table[model];
  if (exact !== undefined) return exact;
  let best: string | null = null;
  for (const key of Object.keys(table))
    if (model.startsWith(`${key}-`) && (best === null || key.length > best.length)) best = key;
  return best === null ? null : (table[best] ?? null);
}
