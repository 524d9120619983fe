import type { Logger } from 'pino';
import { AuthError } from '../errors.js';
import { CredentialStoreError, errorMessage, type CredentialStore } from './stores/index.js';
import type { AuthReadiness, CredentialHeaders, TokenSource } from './types.js';

export const FALLBACK_ENV_KEY = 'ANTHROPIC_API_KEY';

export interface StaticSourceOptions {
  readonly store: CredentialStore;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly now: () => number;
  readonly recheckIntervalMs: number;
}

/**
 * An Anthropic API key, sent as `x-api-key`: the stored one, else ANTHROPIC_API_KEY (also when the keyring
 * cannot be read). With no key at all the store is read again at most every recheckIntervalMs, so a
 * `claudine auth login` in another terminal is picked up without a restart.
 */
export class StaticKeySource implements TokenSource {
  readonly #o: StaticSourceOptions;
  readonly #fallback: CredentialHeaders | null;
  #headers: CredentialHeaders | null = null;
  #origin = '';
  #storeError: string | null = null;
  #loading: Promise<void> | null;
  #rereading: Promise<void> | null = null;
  #lastRead = 0;

  constructor(options: StaticSourceOptions) {
    this.#o = options;
    const key = options.env[FALLBACK_ENV_KEY]?.trim();
    this.#fallback = key !== undefined && key !== '' ? Object.freeze({ 'x-api-key': key }) : null;
    this.#loading = this.#read().finally(() => {
      this.#loading = null;
    });
  }

  /** Resolves once the store has been read the first time. */
  loaded(): Promise<void> {
    return this.#loading ?? Promise.resolve();
  }

  current(): CredentialHeaders | Promise<CredentialHeaders> {
    const headers = this.#headers;
    if (headers !== null) return headers;
    if (this.#loading !== null) return this.#loading.then(() => this.#usable());
    if (this.#o.now() - this.#lastRead >= this.#o.recheckIntervalMs)
      return this.#reread().then(() => this.#usable());
    throw this.#missing();
  }

  async renew(rejected: CredentialHeaders): Promise<CredentialHeaders> {
    await this.loaded();
    // The user may have stored a new key (`claudine auth login`) since this one was read.
    if (this.#headers !== null && this.#headers['x-api-key'] === rejected['x-api-key']) await this.#reread();
    const headers = this.#headers;
    if (headers !== null && headers['x-api-key'] !== rejected['x-api-key']) return headers;
    throw new AuthError(
      `the upstream rejected the API key from ${this.#origin || 'the configuration'}; ` +
        'run `claudine auth login` to store a valid Anthropic API key' +
        (this.#origin === FALLBACK_ENV_KEY ? `, or set ${FALLBACK_ENV_KEY} to one` : ''),
    );
  }

  readiness(): AuthReadiness {
    if (this.#loading !== null) return { ready: false, reason: 'reading the stored credential' };
    if (this.#headers === null) {
      if (this.#o.now() - this.#lastRead >= this.#o.recheckIntervalMs) this.#reread().catch(() => undefined);
      return { ready: false, reason: this.#missing().message };
    }
    if (this.#storeError !== null) {
      return { ready: true, reason: `using ${this.#origin}: ${this.#storeError}`, source: this.#origin };
    }
    return { ready: true, source: this.#origin };
  }

  close(): void {}

  #usable(): CredentialHeaders {
    if (this.#headers === null) throw this.#missing();
    return this.#headers;
  }

  #reread(): Promise<void> {
    this.#rereading ??= this.#read().finally(() => {
      this.#rereading = null;
    });
    return this.#rereading;
  }

  async #read(): Promise<void> {
    this.#lastRead = this.#o.now();
    let key: string | null = null;
    try {
      const credential = await this.#o.store.read();
      if (credential?.method === 'static') key = credential.api_key;
      this.#storeError = null;
    } catch (error) {
      const message = error instanceof CredentialStoreError ? error.message : errorMessage(error);
      if (this.#storeError !== message) this.#o.logger.warn({ store: this.#o.store.description }, message);
      this.#storeError = message;
    }
    if (key !== null) {
      if (this.#headers?.['x-api-key'] !== key) this.#headers = Object.freeze({ 'x-api-key': key });
      this.#origin = this.#o.store.description;
    } else if (this.#fallback !== null) {
      this.#headers = this.#fallback;
      this.#origin = FALLBACK_ENV_KEY;
    } else {
      this.#headers = null;
      this.#origin = '';
    }
  }

  #missing(): AuthError {
    if (this.#storeError !== null) {
      return new AuthError(
        `claudine has no upstream credential: ${this.#storeError}; or set ${FALLBACK_ENV_KEY} to an Anthropic API key`,
      );
    }
    if (this.#o.store.readOnly) {
      return new AuthError(
        `claudine has no upstream credential: set the ${this.#o.store.description} to an Anthropic API key`,
      );
    }
    return new AuthError(
      'claudine has no upstream credential: run `claudine auth login` to store an Anthropic API key, ' +
        `or set ${FALLBACK_ENV_KEY}`,
    );
  }
}
