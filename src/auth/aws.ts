/**
 * AWS credentials for Bedrock: the standard AWS chain (environment, shared config and credentials files with
 * AWS_PROFILE, SSO, web identity, container and instance metadata) through `@aws-sdk/credential-providers`,
 * loaded only when Bedrock is configured. The chain reads its own environment variables and files (the AWS
 * SDK's documented behaviour; claudine does not re-implement it). Refresh policy: see refreshing.ts.
 */
import type { Logger } from 'pino';
import { RefreshingCredential, type Expiring } from './refreshing.js';
import type { AuthReadiness } from './types.js';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** Anything that yields AWS credentials (the SDK's AwsCredentialIdentityProvider has this shape). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export interface AwsSourceOptions {
  readonly logger: Logger;
  /** auth.refresh_skew. */
  readonly skewMs: number;
  readonly now?: () => number;
  /** Testing seam; the AWS chain by default. */
  readonly provider?: AwsCredentialProvider | undefined;
  /** AWS_PROFILE as the configuration was handed it. */
  readonly profile?: string | undefined;
}

async function defaultChain(profile: string | undefined): Promise<AwsCredentialProvider> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain(profile !== undefined && profile !== '' ? { profile } : {});
}

export class AwsCredentialSource {
  readonly #credential: RefreshingCredential<AwsCredentials>;

  constructor(options: AwsSourceOptions) {
    let provider: Promise<AwsCredentialProvider> | null = null;
    const fetch = async (): Promise<Expiring<AwsCredentials>> => {
      provider ??=
        options.provider !== undefined ? Promise.resolve(options.provider) : defaultChain(options.profile);
      const credentials = await (await provider)();
      return { value: credentials, expiresAt: credentials.expiration?.getTime() ?? null };
    };
    this.#credential = new RefreshingCredential({
      what: 'AWS credentials (from the AWS credential chain)',
      fetch,
      skewMs: options.skewMs,
      now: options.now ?? Date.now,
      logger: options.logger,
    });
    // Fetched at start so readiness knows, and the first request does not wait for the chain.
    Promise.resolve(this.#credential.get()).catch(() => undefined);
  }

  /** Resolves once the first fetch settled (at most 5 s). */
  loaded(): Promise<void> {
    return this.#credential.settled(5_000);
  }

  current(): AwsCredentials | Promise<AwsCredentials> {
    return this.#credential.get();
  }

  /** Fetches made so far (tests: single-flight). */
  get fetches(): number {
    return this.#credential.fetches;
  }

  readiness(): AuthReadiness {
    const state = this.#credential.state();
    return state.ready ? { ready: true } : { ready: false, reason: state.reason ?? 'no AWS credentials' };
  }
}
