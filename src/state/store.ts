/**
 * What must outlive a request (stored responses, later a thinking cache) goes through this small interface,
 * so an instance-local memory store today can become a shared one (Redis, a database) later without
 * touching the routes. Methods are async for that reason; the memory store answers at once.
 */
export interface KeyValueStore<V> {
  get(key: string): Promise<V | undefined>;
  /** Stores `value` under `key`; `size` (bytes, approximately) counts against the store's budget. */
  set(key: string, value: V, size: number): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export interface MemoryStoreOptions {
  /** Entries kept at most; the least recently used go first. */
  readonly maxEntries: number;
  /** Total `size` kept at most; the least recently used go first. An entry larger than this is not kept. */
  readonly maxBytes: number;
  /** Milliseconds an entry lives after it was stored. */
  readonly ttlMs: number;
  /** For tests. */
  readonly now?: () => number;
}

interface Entry<V> {
  value: V;
  size: number;
  expiresAt: number;
}

/**
 * A bounded, expiring, least-recently-used map. Bounds are enforced on every `set`; expired entries are
 * dropped when met and when space is made, so memory never grows past `maxBytes` plus one entry's overhead.
 */
export function createMemoryStore<V>(
  options: MemoryStoreOptions,
): KeyValueStore<V> & { readonly size: number } {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on access makes the first key the least recently used.
  const entries = new Map<string, Entry<V>>();
  let bytes = 0;

  const remove = (key: string, entry: Entry<V>): void => {
    entries.delete(key);
    bytes -= entry.size;
  };

  const live = (key: string): Entry<V> | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      remove(key, entry);
      return undefined;
    }
    return entry;
  };

  return {
    get size() {
      return entries.size;
    },
    get(key) {
      const entry = live(key);
      if (entry !== undefined) {
        entries.delete(key);
        entries.set(key, entry);
      }
      return Promise.resolve(entry?.value);
    },
    set(key, value, size) {
      const old = entries.get(key);
      if (old !== undefined) remove(key, old);
      if (size > options.maxBytes || options.maxEntries < 1) return Promise.resolve();
      const t = now();
      for (const [k, entry] of entries) {
        if (entries.size < options.maxEntries && bytes + size <= options.maxBytes && entry.expiresAt > t)
          break;
        remove(k, entry);
      }
      entries.set(key, { value, size, expiresAt: t + options.ttlMs });
      bytes += size;
      return Promise.resolve();
    },
    delete(key) {
      const entry = entries.get(key);
      if (entry === undefined) return Promise.resolve(false);
      remove(key, entry);
      return Promise.resolve(true);
    },
  };
}
