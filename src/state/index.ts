/**
 * State that outlives a request, behind one small interface (`KeyValueStore`): in memory today, shareable
 * across instances later. Users: the Responses API's stored responses (`store: true`).
 */
export { createMemoryStore, type KeyValueStore, type MemoryStoreOptions } from './store.js';
