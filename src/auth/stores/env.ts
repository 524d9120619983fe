import type { StoredCredential } from '../document.js';
import { CredentialStoreError, type CredentialStore } from './types.js';

/**
 * A read-only credential from an environment variable: an API key (static) or a bare OAuth access token
 * (oauth; never refreshed, its expiry unknown).
 */
export class EnvStore implements CredentialStore {
  readonly description: string;
  readonly readOnly = true;
  readonly #value: string | null;
  readonly #method: 'static' | 'oauth';
  readonly #variable: string;
  readonly #since = new Date().toISOString();

  constructor(env: NodeJS.ProcessEnv, variable: string, method: 'static' | 'oauth') {
    const value = env[variable]?.trim();
    this.#value = value !== undefined && value !== '' ? value : null;
    this.#method = method;
    this.#variable = variable;
    this.description = `environment variable ${variable}`;
  }

  read(): Promise<StoredCredential | null> {
    if (this.#value === null) return Promise.resolve(null);
    if (this.#method === 'static') {
      return Promise.resolve({ v: 1, method: 'static', api_key: this.#value, saved_at: this.#since });
    }
    return Promise.resolve({
      v: 1,
      method: 'oauth',
      access_token: this.#value,
      refresh_token: null,
      expires_at: null,
      scope: null,
      obtained_at: this.#since,
      last_refresh: null,
    });
  }

  write(): Promise<void> {
    return Promise.reject(this.#readOnly());
  }

  remove(): Promise<boolean> {
    return Promise.reject(this.#readOnly());
  }

  #readOnly(): CredentialStoreError {
    return new CredentialStoreError(
      `auth.storage is "env": claudine reads the credential from ${this.#variable} and cannot store or remove it; ` +
        `set or unset ${this.#variable} yourself, or set auth.storage = "keyring" or "file"`,
      'read-only',
    );
  }
}
