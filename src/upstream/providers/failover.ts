/**
 * Failover between providers: `upstream.provider` first, then `upstream.fallbacks` in order.
 *
 * The next provider is tried when one answers 429, 529 or 5xx, cannot be reached or does not answer in
 * time, or has no usable credential. All of this happens before the route has written a byte (send()
 * resolves before any answer is read), so a client never sees two answers. A client's own mistake (a 4xx
 * other than 429) is answered by the first provider: another would only say the same. Each provider keeps
 * its own retries; the ones before the last are built with none (app.ts), so failing over is immediate.
 * When every provider failed, the last answer (or error) is what the client gets.
 */
import type { Logger } from 'pino';
import { AuthError, UpstreamError } from '../../errors.js';
import { StreamedBody } from '../body.js';
import type { UpstreamRequest } from '../client.js';
import type { ProviderResponse, Upstream } from './types.js';

export function shouldFailOver(status: number): boolean {
  return status === 429 || status >= 500;
}

function failsOver(err: unknown): boolean {
  return err instanceof AuthError || (err instanceof UpstreamError && !err.answered);
}

export function withFailover(chain: readonly Upstream[], logger: Logger): Upstream {
  const first = chain[0];
  if (first === undefined) throw new Error('no upstream provider');
  if (chain.length === 1) return first;
  return {
    name: first.name,
    async send(request: UpstreamRequest): Promise<ProviderResponse> {
      for (let i = 0; ; i++) {
        const provider = chain[i] as Upstream;
        const next = chain[i + 1];
        let reason: string;
        try {
          const response = await provider.send(request);
          // A body streamed once (files, batches: Anthropic-only APIs) cannot be sent to another provider.
          if (
            next === undefined ||
            !shouldFailOver(response.statusCode) ||
            request.body instanceof StreamedBody
          )
            return response;
          reason = `status ${response.statusCode}`;
          await response.body.dump().catch(() => undefined);
        } catch (err) {
          if (
            next === undefined ||
            request.signal?.aborted === true ||
            request.body instanceof StreamedBody ||
            !failsOver(err)
          )
            throw err;
          reason = err instanceof Error ? err.message : String(err);
        }
        logger.warn(
          { ...request.logFields, upstream: provider.name, next: next.name, reason },
          `upstream ${provider.name} failed; trying ${next.name}`,
        );
      }
    },
    readiness() {
      // Ready when any provider can serve; the reason names the first one's problem.
      const first = chain.map((p) => p.readiness());
      if (first.some((r) => r.ready)) return { ready: true };
      return first[0] ?? { ready: false, reason: 'no upstream' };
    },
    stats() {
      let inUse = 0;
      let queued = 0;
      let capacity = 0;
      for (const p of chain) {
        const s = p.stats();
        inUse += s.inUse;
        queued += s.queued;
        capacity += s.capacity;
      }
      return { inUse, queued, capacity };
    },
    async loaded() {
      await Promise.all(chain.map((p) => p.loaded?.() ?? Promise.resolve()));
    },
    warm() {
      for (const p of chain) p.warm?.();
    },
    interrupt() {
      for (const p of chain) p.interrupt();
    },
    async close() {
      await Promise.all(chain.map((p) => p.close().catch(() => undefined)));
    },
    destroy() {
      for (const p of chain) p.destroy();
    },
  };
}
