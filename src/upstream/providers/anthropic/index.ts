/**
 * Anthropic's own API: the request goes out as it came (path, headers, body bytes), with the proxy's API key
 * or OAuth token added by the token source. Nothing to translate: this is the reference the clouds imitate.
 */
import type { TokenSource } from '../../../auth/index.js';
import { UpstreamClient, type UpstreamOptions, type UpstreamRequest } from '../../client.js';
import type { ProviderResponse, Upstream } from '../types.js';

export function createAnthropicProvider(options: UpstreamOptions, tokens: TokenSource): Upstream {
  const client = new UpstreamClient(options, tokens);
  return {
    name: 'anthropic',
    async send(request: UpstreamRequest): Promise<ProviderResponse> {
      const response = await client.send(request);
      return { ...response, upstream: 'anthropic' };
    },
    readiness: () => tokens.readiness(),
    stats: () => client.stats(),
    warm: () => client.warm(),
    interrupt: () => client.interrupt(),
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}
