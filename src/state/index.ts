/**
 * State that outlives a request, behind one small interface (`KeyValueStore`: get/set/delete, bounded,
 * expiring): in memory today, shareable across instances later. Users: the Responses API's stored responses
 * (`store: true`) and the thinking cache (signed thinking blocks by assistant turn, see thinking-cache.ts).
 */
export { createMemoryStore, type KeyValueStore, type MemoryStoreOptions } from './store.js';
export { createThinkingCache, createMemoryThinkingCache, type ThinkingCache } from './thinking-cache.js';
