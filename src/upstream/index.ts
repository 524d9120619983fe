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
