export {
  UpstreamClient,
  DEFAULT_ANTHROPIC_VERSION,
  toUpstreamError,
  retryAfterMs,
  backoffMs,
  clientRetriesItself,
  isSpendLimit,
  CLIENT_RETRY_HEADER,
} from './client.js';
export type { AdmissionStats } from './admission.js';
export { toMidStreamError } from './failure.js';
export type { UpstreamOptions, UpstreamRequest, UpstreamResponse } from './client.js';
export { ReplayableBody, StreamedBody, UpstreamBody, forEachChunk } from './body.js';
export {
  createAnthropicProvider,
  createUpstream,
  ProviderConfigError,
  withFailover,
  CLOUD_MODELS,
  PROVIDER_NAMES,
  type UpstreamDeps,
} from './providers/index.js';
export type { ProviderName, ProviderResponse, Upstream } from './providers/index.js';
