/**
 * Builds the configured providers (upstream.provider, then upstream.fallbacks) with their credentials, and
 * chains them for failover. Only what is configured is built: a claudine on Anthropic never loads an AWS or
 * Google library, and builds no AWS or Google credential source.
 */
import type { Logger } from 'pino';
import { AwsCredentialSource, type AwsCredentialProvider } from '../../auth/aws.js';
import { GoogleCredentialSource, type GoogleAuthDeps } from '../../auth/google.js';
import type { TokenSource } from '../../auth/index.js';
import type { Config, UpstreamProvider } from '../../config/index.js';
import type { UpstreamOptions } from '../client.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { bedrockEndpoint, createBedrockProvider } from './bedrock/index.js';
import { withFailover } from './failover.js';
import type { Upstream } from './types.js';
import { createVertexProvider, vertexEndpoint } from './vertex/index.js';

/** A setting the providers need is missing or wrong; the message says which and how to fix it. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

export interface UpstreamDeps {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** The Anthropic credential; asked for only when Anthropic is in the chain. */
  readonly anthropicTokens: () => TokenSource;
  /** Testing seam: AWS credentials instead of the AWS chain. */
  readonly awsCredentials?: AwsCredentialProvider | undefined;
  /** Testing seams for Google ADC (clock, metadata host). */
  readonly google?: Partial<GoogleAuthDeps> | undefined;
  readonly onRetry?: UpstreamOptions['onRetry'];
  readonly onQueueWait?: UpstreamOptions['onQueueWait'];
  readonly onRefresh?: ((outcome: 'success' | 'failure') => void) | undefined;
  /** Testing seam: trust this CA for the upstreams' certificates. */
  readonly upstreamTls?: { readonly ca: string } | undefined;
}

function nonEmpty(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v.trim() !== '')?.trim();
}

export function createUpstream(config: Config, deps: UpstreamDeps): Upstream {
  const order: UpstreamProvider[] = [config.upstream.provider];
  for (const name of config.upstream.fallbacks) if (!order.includes(name)) order.push(name);
  const chain = order.map((name, index) => {
    const last = index === order.length - 1;
    const client = (baseUrl: string): UpstreamOptions => ({
      baseUrl,
      headersTimeout: config.upstream.headers_timeout,
      firstByteTimeout: config.upstream.first_byte_timeout,
      idleTimeout: config.upstream.idle_timeout,
      connections: config.upstream.connections,
      queueTimeout: config.upstream.queue_timeout,
      // Before a fallback, fail over at once instead of backing off (failover.ts).
      maxRetries: last ? config.upstream.max_retries : 0,
      retryDeadline: config.upstream.retry_deadline,
      deferToClientRetries: config.upstream.defer_to_client_retries,
      ...(deps.onRetry !== undefined ? { onRetry: deps.onRetry } : {}),
      ...(deps.onQueueWait !== undefined ? { onQueueWait: deps.onQueueWait } : {}),
      warmConnections: config.upstream.warm_connections,
      http2: config.upstream.http2,
      // Offline, or an upstream that refuses idle connections: worth a debug line, never a start failure.
      onWarmFailure: (origin, reason, retryInMs) =>
        deps.logger.debug(
          { upstream: name, origin, reason, retry_in_ms: retryInMs },
          'spare upstream connection failed',
        ),
      ...(deps.upstreamTls !== undefined ? { tls: deps.upstreamTls } : {}),
    });
    const primary = index === 0;
    switch (name) {
      case 'anthropic':
        return createAnthropicProvider(client(config.upstream.base_url), deps.anthropicTokens());
      case 'bedrock': {
        const region = nonEmpty(
          config.upstream.bedrock.region,
          deps.env['AWS_REGION'],
          deps.env['AWS_DEFAULT_REGION'],
        );
        if (region === undefined)
          throw new ProviderConfigError(
            'Bedrock needs a region: set upstream.bedrock.region (or AWS_REGION / AWS_DEFAULT_REGION)',
          );
        const bearer = nonEmpty(deps.env['AWS_BEARER_TOKEN_BEDROCK']);
        return createBedrockProvider({
          client: client(config.upstream.bedrock.endpoint || bedrockEndpoint(region)),
          region,
          auth:
            bearer !== undefined
              ? { kind: 'bearer', token: bearer }
              : {
                  kind: 'sigv4',
                  credentials: new AwsCredentialSource({
                    logger: deps.logger,
                    skewMs: config.auth.refresh_skew,
                    provider: deps.awsCredentials,
                    profile: deps.env['AWS_PROFILE'],
                  }),
                },
          models: config.upstream.models,
          primary,
          logger: deps.logger,
        });
      }
      case 'vertex': {
        const region = config.upstream.vertex.region.trim() || 'global';
        const credentials = new GoogleCredentialSource({
          env: deps.env,
          logger: deps.logger,
          skewMs: config.auth.refresh_skew,
          ...deps.google,
          ...(deps.onRefresh !== undefined ? { onRefresh: deps.onRefresh } : {}),
        });
        const project =
          nonEmpty(config.upstream.vertex.project, deps.env['GOOGLE_CLOUD_PROJECT']) ??
          credentials.projectId();
        if (project === undefined)
          throw new ProviderConfigError(
            'Vertex AI needs a project: set upstream.vertex.project (or GOOGLE_CLOUD_PROJECT)',
          );
        return createVertexProvider({
          client: client(config.upstream.vertex.endpoint || vertexEndpoint(region)),
          project,
          region,
          credentials,
          models: config.upstream.models,
          primary,
          logger: deps.logger,
        });
      }
    }
  });
  return withFailover(chain, deps.logger);
}
