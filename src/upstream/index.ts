export {
  UpstreamClient,
  DEFAULT_ANTHROPIC_VERSION,
  toUpstreamError,
  retryAfterMs,
  backoffMs,
} from './client.js';
export type { UpstreamOptions, UpstreamRequest, UpstreamResponse } from './client.js';
export { ReplayableBody, StreamedBody, UpstreamBody, forEachChunk } from './body.js';
