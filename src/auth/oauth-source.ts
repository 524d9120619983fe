import type { Logger } from 'pino';
import { AuthError } from '../errors.js';
import { expiryMs, type OAuthCredential } from './document.js';
import { OAuthError, type OAuthClient } from './oauth.js';
import { FALLBACK_ENV_KEY } from './static-source.js';
import { CredentialStoreError, errorMessage, type CredentialStore } from './stores/index.js';
import type { AuthReadiness, CredentialHeaders, TokenSource } from './types.js';

export type RefreshOutcome = 'success' | 'failure';

export interface OAuthSourceOptions {
  readonly store: CredentialStore;
  readonly client: OAuthClient;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly now: () => number;
  /** auth.refresh_skew. */
  readonly skewMs: number;
  readonly recheckIntervalMs: number;
  readonly backoffMs: { readonly initial: number; readonly max: number };
  readonly onRefresh?: ((outcome: RefreshOutcome) => void) | undefined;
}

/**
 * Refresh policy:
 * - Refresh ahead of expiry: from `expires_at - auth.refresh_skew` a request starts a refresh in the
 *   background and keeps using the still-valid token; only once the token has expired do requests wait.
 * - One refresh at a time: every caller (current(), renew(), the retry timer) joins the same in-flight
 *   promise (single-flight), so 50 requests at expiry cause one token request.
 * - A rotated refresh token is saved to the store (atomically) before the new access token is used; if the
 *   save fails the new tokens are still used from memory (the old refresh token is already spent) and one
 *   error is logged.
 * - Before refreshing, the store is read again: another claudine process or a login in another terminal
 *   may already hold newer tokens, which are adopted instead of spending the refresh token twice.
 * - renew(rejected) after an upstream 401 refreshes once; if the current token already differs from
 *   `rejected`, another request refreshed meanwhile and the current token is returned without a refresh.
 *   The retry of the request itself belongs to upstream/, which only retries before any byte reached the
 *   client.
 * - Transient failures (network, timeout, 5xx, 429) are retried with exponential backoff (1 s doubling to
 *   60 s) by a timer while the still-valid access token keeps serving; once it has expired, requests fail
 *   fast with a 503 AuthError until a retry succeeds.
 * - A permanent failure (invalid_grant and the other RFC 6749 §5.2 errors) drops the tokens, logs one
 *   error, turns readiness to 503 and gives clients an AuthError that says to run `claudine auth login`.
 *   Nothing crashes: in that state (and when nothing is stored) the store is read again at most every
 *   recheckIntervalMs — on requests and on readiness checks — so a new login is picked up without a restart.
 */
export class OAuthTokenSource implements TokenSource {
  readonly #o: OAuthSourceOptions;
  /** ANTHROPIC_API_KEY, used only when the store cannot be read at all. */
  readonly #fallback: CredentialHeaders | null;
  #credential: OAuthCredential | null = null;
  #headers: CredentialHeaders | null = null;
  #expiresAt = Number.NEGATIVE_INFINITY;
  #refreshAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | null;
  #inflight: Promise<CredentialHeaders> | null = null;
  #rereading: Promise<void> | null = null;
  #lastRead = 0;
  #storeError: string | null = null;
  /** Set by a permanent refresh failure; cleared by a new credential in the store. */
  #failure: string | null = null;
  #transient: { attempts: number; retryAt: number; reason: string } | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: OAuthSourceOptions) {
    this.#o = options;
    const key = options.env[FALLBACK_ENV_KEY]?.trim();
    this.#fallback = key !== undefined && key !== '' ? Object.freeze({ 'x-api-key': key }) : null;
    this.#loading = this.#readStore().finally(() => {
      this.#loading = null;
    });
  }

  /** Resolves once the store has been read the first time. */
  loaded(): Promise<void> {
    return this.#loading ?? Promise.resolve();
  }

  current(): CredentialHeaders | Promise<CredentialHeaders> {
    const headers = this.#headers;
    if (headers !== null && this.#o.now() < this.#refreshAt) return headers;
    return this.#currentSlow();
  }

  #currentSlow(): CredentialHeaders | Promise<CredentialHeaders> {
    if (this.#loading !== null) return this.#loading.then(() => this.current());
    const now = this.#o.now();
    const headers = this.#headers;
    if (headers !== null) {
      if (now < this.#expiresAt) {
        if (this.#inflight === null && (this.#transient === null || now >= this.#transient.retryAt)) {
          this.#refresh('ahead of expiry').catch(() => undefined);
        }
        return headers;
      }
      if (this.#inflight !== null) return this.#inflight;
      if (this.#transient !== null && now < this.#transient.retryAt) throw this.#transientError(now);
      return this.#refresh('expired');
    }
    if (this.#storeError !== null && this.#fallback !== null) return this.#fallback;
    if (now - this.#lastRead >= this.#o.recheckIntervalMs) return this.#reread().then(() => this.#usable());
    throw this.#missing();
  }

  async renew(rejected: CredentialHeaders): Promise<CredentialHeaders> {
    await this.loaded();
    const current = this.#headers;
    if (current !== null && current['authorization'] !== rejected['authorization']) return current;
    if (this.#inflight !== null) return this.#inflight;
    if (current === null) {
      if (this.#storeError !== null && this.#fallback !== null) {
        throw new AuthError(
          `the upstream rejected the API key in ${FALLBACK_ENV_KEY} (used because ${this.#storeError})`,
        );
      }
      await this.#reread();
      return this.#usable();
    }
    if (this.#o.store.readOnly || this.#credential?.refresh_token == null) {
      throw new AuthError(
        this.#o.store.readOnly
          ? `the upstream rejected the access token in the ${this.#o.store.description}; claudine cannot refresh ` +
              'a bare access token: put a fresh one there, or set auth.storage = "keyring" and run `claudine auth login`'
          : 'the upstream rejected the OAuth access token and there is no refresh token; run `claudine auth login` to sign in again',
      );
    }
    return this.#refresh('rejected by the upstream');
  }

  readiness(): AuthReadiness {
    if (this.#loading !== null) return { ready: false, reason: 'reading the stored credential' };
    const now = this.#o.now();
    if (this.#headers !== null) {
      if (now >= this.#expiresAt && this.#transient !== null) {
        return { ready: false, reason: this.#transientError(now).message };
      }
      return { ready: true, source: this.#o.store.description };
    }
    if (this.#storeError !== null && this.#fallback !== null) {
      return {
        ready: true,
        reason: `using ${FALLBACK_ENV_KEY}: ${this.#storeError}`,
        source: FALLBACK_ENV_KEY,
      };
    }
    if (now - this.#lastRead >= this.#o.recheckIntervalMs) this.#reread().catch(() => undefined);
    return { ready: false, reason: this.#missing().message };
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #refresh(reason: string): Promise<CredentialHeaders> {
    if (this.#inflight !== null) return this.#inflight;
    const pending = this.#doRefresh(reason).finally(() => {
      if (this.#inflight === pending) this.#inflight = null;
    });
    this.#inflight = pending;
    return pending;
  }

  async #doRefresh(reason: string): Promise<CredentialHeaders> {
    const log = this.#o.logger;
    let credential = this.#credential;
    const fresher = await this.#o.store.read().catch(() => null);
    if (
      fresher?.method === 'oauth' &&
      credential !== null &&
      fresher.access_token !== credential.access_token
    ) {
      if (expiryMs(fresher) > expiryMs(credential)) {
        log.info({ store: this.#o.store.description }, 'adopted newer OAuth tokens found in the store');
        this.#adopt(fresher);
        credential = fresher;
        if (reason !== 'rejected by the upstream' && this.#o.now() < this.#refreshAt) return this.#headers!;
      }
    }
    const refreshToken = credential?.refresh_token ?? null;
    if (credential === null || refreshToken === null) {
      throw this.#fail('the OAuth access token has expired and there is no refresh token');
    }

    log.debug({ reason, expires_at: credential.expires_at }, 'refreshing the OAuth access token');
    let tokens;
    try {
      tokens = await this.#o.client.refresh(refreshToken);
    } catch (error) {
      this.#o.onRefresh?.('failure');
      const transient = !(error instanceof OAuthError) || error.transient;
      if (transient) throw this.#retryLater(errorMessage(error));
      throw this.#fail(`refreshing the OAuth access token failed: ${errorMessage(error)}`);
    }

    const now = this.#o.now();
    const next: OAuthCredential = {
      ...credential,
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken ?? refreshToken,
      expires_at: tokens.expiresIn === null ? null : new Date(now + tokens.expiresIn * 1000).toISOString(),
      scope: tokens.scope ?? credential.scope,
      last_refresh: new Date(now).toISOString(),
    };
    try {
      await this.#o.store.write(next);
    } catch (error) {
      log.error(
        { store: this.#o.store.description },
        `could not save the refreshed OAuth tokens (${errorMessage(error)}); they are used from memory, ` +
          'so after a restart `claudine auth login` may be needed',
      );
    }
    this.#adopt(next);
    this.#transient = null;
    this.#o.onRefresh?.('success');
    log.info(
      { expires_at: next.expires_at, rotated: tokens.refreshToken !== null },
      'refreshed the OAuth access token',
    );
    return this.#headers!;
  }

  #retryLater(reason: string): AuthError {
    const now = this.#o.now();
    const attempts = (this.#transient?.attempts ?? 0) + 1;
    const delay = Math.min(this.#o.backoffMs.max, this.#o.backoffMs.initial * 2 ** (attempts - 1));
    this.#transient = { attempts, retryAt: now + delay, reason };
    this.#o.logger.warn(
      { attempts, retry_in_ms: delay, token_valid: now < this.#expiresAt },
      `refreshing the OAuth access token failed, will retry: ${reason}`,
    );
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (!this.#closed) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        if (this.#headers !== null && this.#o.now() >= this.#refreshAt) {
          this.#refresh('retry after a transient failure').catch(() => undefined);
        }
      }, delay);
      this.#retryTimer.unref();
    }
    return this.#transientError(now);
  }

  #transientError(now: number): AuthError {
    const t = this.#transient;
    const wait = t === null ? 0 : Math.max(0, Math.ceil((t.retryAt - now) / 1000));
    return new AuthError(
      `the OAuth access token has expired and refreshing it failed (${t?.reason ?? 'unknown'}); ` +
        `claudine retries in ${wait}s`,
      503,
    );
  }

  /** Enters the permanent-failure state; logs once per episode. */
  #fail(reason: string): AuthError {
    if (this.#failure === null)
      this.#o.logger.error({ store: this.#o.store.description }, `${reason}; run \`claudine auth login\``);
    this.#failure = reason;
    this.#headers = null;
    this.#expiresAt = this.#refreshAt = Number.NEGATIVE_INFINITY;
    this.#transient = null;
    this.#lastRead = this.#o.now();
    return this.#missing();
  }

  #adopt(credential: OAuthCredential): void {
    this.#credential = credential;
    this.#headers = Object.freeze({ authorization: `Bearer ${credential.access_token}` });
    this.#expiresAt = expiryMs(credential);
    this.#refreshAt = this.#expiresAt - this.#o.skewMs;
    this.#failure = null;
  }

  #usable(): CredentialHeaders | Promise<CredentialHeaders> {
    if (this.#headers !== null || (this.#storeError !== null && this.#fallback !== null))
      return this.current();
    throw this.#missing();
  }

  #reread(): Promise<void> {
    this.#rereading ??= this.#readStore().finally(() => {
      this.#rereading = null;
    });
    return this.#rereading;
  }

  async #readStore(): Promise<void> {
    this.#lastRead = this.#o.now();
    try {
      const stored = await this.#o.store.read();
      this.#storeError = null;
      if (stored?.method !== 'oauth') return;
      const known = this.#credential;
      // After a permanent failure only a different credential (a new login) is worth trying.
      if (
        this.#failure !== null &&
        known !== null &&
        stored.refresh_token === known.refresh_token &&
        stored.access_token === known.access_token
      ) {
        return;
      }
      if (
        this.#headers === null &&
        (known === null || stored.access_token !== known.access_token || this.#failure !== null)
      ) {
        if (known !== null || this.#failure !== null) {
          this.#o.logger.info(
            { store: this.#o.store.description },
            'picked up a new OAuth login from the store',
          );
        }
        this.#adopt(stored);
      }
    } catch (error) {
      const message = error instanceof CredentialStoreError ? error.message : errorMessage(error);
      if (this.#storeError !== message) this.#o.logger.warn({ store: this.#o.store.description }, message);
      this.#storeError = message;
    }
  }

  #missing(): AuthError {
    if (this.#failure !== null) {
      return new AuthError(`${this.#failure}; run \`claudine auth login\` to sign in again`);
    }
    if (this.#storeError !== null) {
      return new AuthError(
        `claudine has no upstream credential: ${this.#storeError}; or set ${FALLBACK_ENV_KEY}`,
      );
    }
    if (this.#o.store.readOnly) {
      return new AuthError(
        `claudine has no upstream credential: set the ${this.#o.store.description} to an OAuth access token`,
      );
    }
    return new AuthError('claudine is not signed in: run `claudine auth login` to sign in with OAuth');
  }
}
