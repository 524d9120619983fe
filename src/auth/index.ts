/**
 * auth/'s public surface: the token source upstream/ asks for credentials, and the `claudine auth`
 * commands. See docs/auth.md for the user's guide and oauth-source.ts for the refresh policy.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { silentLogger } from './commands.js';
import { OAuthClient, oauthConfigProblem, type FetchLike } from './oauth.js';
import { OAuthTokenSource, type RefreshOutcome } from './oauth-source.js';
import { StaticKeySource } from './static-source.js';
import { createStore, KeyringStore, type KeyringFactory } from './stores/index.js';
import type { TokenSource } from './types.js';

export type { TokenSource, CredentialHeaders, AuthReadiness } from './types.js';
export { runAuthCommand, type AuthSubcommand, type AuthCommandIO, type StorageChoices } from './commands.js';
export type { RefreshOutcome } from './oauth-source.js';
export type { FetchLike } from './oauth.js';
export type { KeyringFactory, KeyringEntry } from './stores/index.js';

export interface AuthDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger | undefined;
  /** For the token endpoint; defaults to the global fetch. */
  readonly fetch?: FetchLike | undefined;
  /** Called after every OAuth refresh attempt, for metrics. */
  readonly onRefresh?: ((outcome: RefreshOutcome) => void) | undefined;
  /** Testing seam: the clock (ms since the epoch). */
  readonly now?: (() => number) | undefined;
  /** Testing seam: a stand-in for the OS keyring. */
  readonly keyring?: KeyringFactory | undefined;
  /** How often the store is read again while there is no usable credential; 5 s by default. */
  readonly recheckIntervalMs?: number | undefined;
  /** Backoff after a transient refresh failure; 1 s doubling to 60 s by default. */
  readonly backoffMs?: { readonly initial: number; readonly max: number } | undefined;
}

/** Builds the token source the configuration asks for. Never throws: problems surface as AuthError and readiness. */
export function createTokenSource(config: Config, deps: AuthDeps): TokenSource {
  const logger = deps.logger ?? silentLogger();
  const store = createStore(config, deps.env, deps.keyring);
  const now = deps.now ?? Date.now;
  const recheckIntervalMs = deps.recheckIntervalMs ?? 5_000;
  if (config.auth.method === 'static') {
    return new StaticKeySource({ store, env: deps.env, logger, now, recheckIntervalMs });
  }
  const problem = oauthConfigProblem(config.auth.oauth);
  if (problem !== null && !store.readOnly) logger.error(problem);
  return new OAuthTokenSource({
    store,
    client: new OAuthClient(config.auth.oauth, deps.fetch, logger),
    env: deps.env,
    logger,
    now,
    skewMs: config.auth.refresh_skew,
    recheckIntervalMs,
    backoffMs: deps.backoffMs ?? { initial: 1_000, max: 60_000 },
    onRefresh: deps.onRefresh,
  });
}

/** Whether the OS keyring works here (tried on a throwaway entry, removed again): null, or why not. */
export function probeKeyring(config: Config, keyring?: KeyringFactory): Promise<string | null> {
  return new KeyringStore(config.auth.keyring_user, keyring, config.auth.keyring_service).probe();
}
