export { createAnthropicProvider } from './anthropic/index.js';
export { PROVIDER_NAMES } from './types.js';
export type { ProviderName, ProviderResponse, Upstream } from './types.js';
