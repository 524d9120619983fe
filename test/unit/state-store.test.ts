/** The in-memory store behind `KeyValueStore`: bounded by entries and bytes, expiring, least recently used first. */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/index.js';

describe('memory store', () => {
  it('evicts the least recently used entry when full', async () => {
    const store = createMemoryStore<string>({ maxEntries: 2, maxBytes: 1000, ttlMs: 60_000 });
    await store.set('a', 'A', 1);
    await store.set('b', 'B', 1);
    expect(await store.get('a')).toBe('A'); // a is now the most recently used
    await store.set('c', 'C', 1);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('A');
    expect(await store.get('c')).toBe('C');
    expect(store.size).toBe(2);
  });

  it('keeps the byte budget and refuses an entry larger than all of it', async () => {
    const store = createMemoryStore<string>({ maxEntries: 100, maxBytes: 10, ttlMs: 60_000 });
    await store.set('a', 'A', 4);
    await store.set('b', 'B', 4);
    await store.set('c', 'C', 4);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBe('B');
    await store.set('huge', 'H', 11);
    expect(await store.get('huge')).toBeUndefined();
    expect(await store.get('c')).toBe('C');
  });

  it('forgets entries after their time to live', async () => {
    let now = 0;
    const store = createMemoryStore<string>({ maxEntries: 10, maxBytes: 100, ttlMs: 1000, now: () => now });
    await store.set('a', 'A', 1);
    now = 999;
    expect(await store.get('a')).toBe('A');
    now = 1000;
    expect(await store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
    expect(await store.delete('a')).toBe(false);
  });
});
