/**
 * The thinking cache: signed thinking blocks of each answer, kept so they can be put back when a client sends
 * the assistant turn without them (most apps rebuild messages from role/content/tool_calls). Keys come from
 * src/models (`turnKey`: the first tool call id, or a digest of the text); the record names the model that
 * signed the blocks, and they are never given to another.
 */
import { thinkingLookups, type ThinkingRecord, type TurnLookup } from '../models/index.js';
import type { AnthropicMessageParam } from '../wire/index.js';
import { createMemoryStore, type KeyValueStore } from './store.js';

export interface ThinkingCache {
  remember(key: string, record: ThinkingRecord): Promise<void>;
  /** The records found for the assistant turns of `messages` worth looking up (by turn index). */
  recall(messages: readonly AnthropicMessageParam[]): Promise<Map<number, ThinkingRecord>>;
}

/** Bytes a record holds, roughly: what dominates is the thinking text and the signatures. */
function sizeOf(record: ThinkingRecord): number {
  let size = record.model.length + 64;
  for (const block of record.blocks)
    size +=
      block.type === 'thinking'
        ? block.thinking.length + block.signature.length + 32
        : block.data.length + 32;
  return size;
}

export function createThinkingCache(store: KeyValueStore<ThinkingRecord>): ThinkingCache {
  return {
    remember: (key, record) => store.set(key, record, sizeOf(record)),
    async recall(messages) {
      const lookups: TurnLookup[] = thinkingLookups(messages);
      const found = new Map<number, ThinkingRecord>();
      const records = await Promise.all(lookups.map((l) => store.get(l.key)));
      lookups.forEach((lookup, i) => {
        const record = records[i];
        if (record !== undefined) found.set(lookup.turn, record);
      });
      return found;
    },
  };
}

/** The default: in memory, 10 000 answers or 64 MiB, whichever comes first, each kept for `ttlMs`. */
export function createMemoryThinkingCache(ttlMs: number): ThinkingCache {
  return createThinkingCache(
    createMemoryStore<ThinkingRecord>({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, ttlMs }),
  );
}
