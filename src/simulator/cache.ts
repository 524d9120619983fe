/**
 * A prompt cache that behaves like the real one, in figures only: a prefix ending at a `cache_control`
 * breakpoint (or at the end of the conversation with top-level automatic caching) is written on first sight
 * and read on the next request that repeats it within the TTL — if it reaches the model's minimum cacheable
 * length. Bounded: at most `capacity` prefix hashes, least recently used evicted first.
 */
import { createHash, type Hash } from 'node:crypto';
import { countValueTokens } from './tokens.js';

/** How far back a breakpoint looks for an earlier cached prefix (the real cache's documented lookback). */
const LOOKBACK_BLOCKS = 20;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

export interface CacheUsage {
  readonly input_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

/** One piece of the prompt in the order the model reads it: tools, system, then message blocks. */
export interface PromptSegment {
  readonly value: unknown;
  readonly breakpoint: '5m' | '1h' | null;
}

export class PromptCache {
  readonly #entries = new Map<string, number>();
  constructor(readonly capacity = 2_000) {}

  /**
   * Usage figures for a prompt made of `segments`, updating the cache as the real one would: each breakpoint
   * writes its prefix, and looks back up to 20 blocks for the longest prefix already cached (which is how a
   * breakpoint that moved forward with the conversation still reads the earlier turns).
   */
  account(model: string, segments: readonly PromptSegment[], minimum: number, now = Date.now()): CacheUsage {
    const hash: Hash = createHash('sha256').update(model);
    const keys: string[] = [];
    const totals: number[] = [];
    let total = 0;
    let read = 0;
    const writes: { key: string; tokens: number; ttl: number }[] = [];
    segments.forEach((segment, index) => {
      const text = JSON.stringify(segment.value) ?? '';
      hash.update(text);
      total += countValueTokens(segment.value);
      keys.push(hash.copy().digest('base64url'));
      totals.push(total);
      if (segment.breakpoint === null || total < minimum) return;
      for (let back = index; back >= Math.max(0, index - LOOKBACK_BLOCKS); back--) {
        const expires = this.#entries.get(keys[back] as string);
        if (expires !== undefined && expires > now) {
          read = Math.max(read, totals[back] as number);
          break;
        }
      }
      writes.push({ key: keys[index] as string, tokens: total, ttl: TTL_MS[segment.breakpoint] });
    });
    let created = 0;
    for (const write of writes) {
      if (write.tokens > read) created = write.tokens - read;
      this.#entries.delete(write.key);
      this.#entries.set(write.key, now + write.ttl);
    }
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return {
      input_tokens: Math.max(0, total - read - created),
      cache_creation_input_tokens: created,
      cache_read_input_tokens: read,
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
