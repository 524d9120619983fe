export { UpstreamClient, DEFAULT_ANTHROPIC_VERSION, toUpstreamError } from './client.js';
export type { UpstreamOptions, UpstreamRequest, UpstreamResponse } from './client.js';
