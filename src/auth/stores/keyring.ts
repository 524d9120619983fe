import { parseCredential, serializeCredential, type StoredCredential } from '../document.js';
import { CredentialStoreError, errorMessage, type CredentialStore } from './types.js';

/** The part of @napi-rs/keyring's AsyncEntry we use; tests may hand in a broken one. */
export interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}

export type KeyringFactory = (service: string, account: string) => KeyringEntry | Promise<KeyringEntry>;

export const KEYRING_SERVICE = 'claudine';

/**
 * The native module is loaded on first use, not at import: a machine without a usable binary or keychain
 * then gets a store error (and the ANTHROPIC_API_KEY fallback) instead of a crash at start-up. AsyncEntry
 * keeps keychain calls (D-Bus on Linux, which may wait on an unlock prompt) off the event loop.
 */
const nativeKeyring: KeyringFactory = async (service, account) => {
  const { AsyncEntry } = await import('@napi-rs/keyring');
  return new AsyncEntry(service, account);
};

/** The OS keychain: macOS Keychain, Windows Credential Manager, Secret Service or the kernel keyring on Linux. */
export class KeyringStore implements CredentialStore {
  readonly description: string;
  readonly readOnly = false;
  readonly #account: string;
  readonly #factory: KeyringFactory;

  constructor(account: string, factory: KeyringFactory = nativeKeyring) {
    this.#account = account;
    this.#factory = factory;
    this.description = `keyring (service "${KEYRING_SERVICE}", account "${account}")`;
  }

  async read(): Promise<StoredCredential | null> {
    const text = await this.#call((entry) => entry.getPassword());
    if (text === null) return null;
    const credential = parseCredential(text);
    if (credential === null) {
      throw new CredentialStoreError(
        `the ${this.description} entry is not a claudine credential; run \`claudine auth logout\` and log in again`,
        'corrupt',
      );
    }
    return credential;
  }

  async write(credential: StoredCredential): Promise<void> {
    // One setPassword call replaces the whole secret: the keychain's own write is the atomic step.
    await this.#call((entry) => entry.setPassword(serializeCredential(credential)));
  }

  async remove(): Promise<boolean> {
    return this.#call((entry) => entry.deletePassword());
  }

  async #call<T>(action: (entry: KeyringEntry) => Promise<T>): Promise<T> {
    try {
      return await action(await this.#factory(KEYRING_SERVICE, this.#account));
    } catch (error) {
      throw new CredentialStoreError(
        `the OS keyring is unavailable (${errorMessage(error)}); on a machine without a keychain set ` +
          'auth.storage = "file", or on Linux start claudine inside a keyring session (`keyctl session - claudine …`)',
        'unavailable',
      );
    }
  }
}
