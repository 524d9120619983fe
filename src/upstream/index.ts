export {
  UpstreamClient,
  DEFAULT_ANTHROPIC_VERSION,
  toUpstreamError,
  retryAfterMs,
  backoffMs,
} from './client.js';
export type { UpstreamOptions, UpstreamRequest, UpstreamResponse } from './client.js';
export { ReplayableBody, UpstreamBody, forEachChunk } from './body.js';
export { createAnthropicProvider, PROVIDER_NAMES } from './providers/index.js';
export type { ProviderName, ProviderResponse, Upstream } from './providers/index.js';
