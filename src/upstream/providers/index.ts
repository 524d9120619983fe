export { createAnthropicProvider } from './anthropic/index.js';
export { createUpstream, ProviderConfigError, type UpstreamDeps } from './create.js';
export { withFailover } from './failover.js';
export { CLOUD_MODELS, BETA_ALLOWLIST, cloudModel, type CloudModel } from './catalog.js';
export { PROVIDER_NAMES } from './types.js';
export type { ProviderName, ProviderResponse, Upstream } from './types.js';
