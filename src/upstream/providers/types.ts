/**
 * What every provider is to the rest of the proxy: something that takes an Anthropic API request (path below
 * `/v1`, Anthropic headers, Anthropic body) and answers with an Anthropic response — JSON, or an Anthropic
 * SSE stream — whatever the cloud behind it speaks. A provider only knows its URL, its signing and its
 * framing; routes never learn which one answered, except through `upstream` (for logs and metrics).
 */
import type { AuthReadiness } from '../../auth/index.js';
import type { AdmissionStats } from '../admission.js';
import type { UpstreamRequest, UpstreamResponse } from '../client.js';

export const PROVIDER_NAMES = ['anthropic', 'bedrock', 'vertex'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderResponse extends UpstreamResponse {
  /** Which provider answered (with failover, not always the first). */
  readonly upstream: ProviderName;
}

export interface Upstream {
  /** The provider tried first. */
  readonly name: ProviderName;
  /**
   * Sends one Anthropic API request: `/messages`, `/messages/count_tokens`, `/models[/{id}]`, or any other
   * Anthropic path (files, batches), which only the Anthropic provider serves. Resolves with the answer
   * whatever its status; rejects as UpstreamClient.send does.
   */
  send(request: UpstreamRequest): Promise<ProviderResponse>;
  /** Whether a credential is usable (readiness), for the provider tried first. */
  readiness(): AuthReadiness;
  /** Resolves once the first credential fetch has finished (at most a few seconds), for the start-up line. */
  loaded?(): Promise<void>;
  /**
   * Opens spare connections to the upstream origin(s) in the background (`upstream.warm_connections`), and
   * loads the HTTP client if it is not loaded yet. Called once the proxy listens; never fails.
   */
  warm?(): void;
  /** Connections in use and waiting (summed over a failover chain), for readiness and metrics. */
  stats(): AdmissionStats;
  /** Shutdown: everything still waiting for or reading an answer ends with a "shutting down" error. */
  interrupt(): void;
  close(): Promise<void>;
  destroy(): void;
}
