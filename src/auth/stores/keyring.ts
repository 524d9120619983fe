import type { AsyncEntry } from '@napi-rs/keyring';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseCredential, serializeCredential, type StoredCredential } from '../document.js';
import { CredentialStoreError, errorMessage, type CredentialStore } from './types.js';

/** The part of @napi-rs/keyring's AsyncEntry we use; tests may hand in a broken one. */
export interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}

export type KeyringFactory = (service: string, account: string) => KeyringEntry | Promise<KeyringEntry>;

/** The default service name (`auth.keyring_service`). */
export const KEYRING_SERVICE = 'claudine';

/**
 * The native module is loaded on first use, not at import: a machine without a usable binary or keychain
 * then gets a store error (and the ANTHROPIC_API_KEY fallback) instead of a crash at start-up. AsyncEntry
 * keeps keychain calls (D-Bus on Linux, which may wait on an unlock prompt) off the event loop.
 */
const nativeKeyring: KeyringFactory = async (service, account) => {
  const { AsyncEntry } = await loadKeyringAddon();
  return new AsyncEntry(service, account);
};

/** The file the single executable looks for beside itself (scripts/build-sea.mjs puts it there). */
export const KEYRING_ADDON_FILE = 'keyring.node';

interface KeyringModule {
  readonly AsyncEntry: typeof AsyncEntry;
}

/**
 * The package when claudine runs from node_modules. The single executable cannot load packages: it loads
 * the native addon shipped beside it, and without one says so (the file store still works).
 */
async function loadKeyringAddon(): Promise<KeyringModule> {
  try {
    return await import('@napi-rs/keyring');
  } catch (error) {
    const beside = join(dirname(process.execPath), KEYRING_ADDON_FILE);
    if (!existsSync(beside)) {
      throw new Error(
        `the keyring addon is not available (${errorMessage(error)}; no ${KEYRING_ADDON_FILE} beside ${process.execPath})`,
        { cause: error },
      );
    }
    return createRequire(process.execPath)(beside) as KeyringModule;
  }
}

/** What to do when the keyring cannot be used; shown after the reason. */
export const KEYRING_ADVICE =
  'on a machine without a keychain (a container, SSH, WSL) use the file store, auth.storage = "file": ' +
  '`claudine auth login --auth--storage file` stores the key there and remembers that choice; ' +
  'or on Linux run claudine inside a keyring session (`keyctl session - claudine …`)';

/** The OS keychain: macOS Keychain, Windows Credential Manager, Secret Service or the kernel keyring on Linux. */
export class KeyringStore implements CredentialStore {
  readonly description: string;
  readonly readOnly = false;
  readonly #service: string;
  readonly #account: string;
  readonly #factory: KeyringFactory;

  constructor(account: string, factory: KeyringFactory = nativeKeyring, service = KEYRING_SERVICE) {
    this.#service = service;
    this.#account = account;
    this.#factory = factory;
    this.description = `keyring (service "${service}", account "${account}")`;
  }

  /**
   * Whether the keyring can store, return and delete a secret, tried on a throwaway entry under its own
   * service name (`<service>-probe`) so a real credential is never touched: null when it works, else why not.
   * The probe entry is removed whatever happened.
   */
  async probe(): Promise<string | null> {
    let entry: KeyringEntry;
    try {
      entry = await this.#factory(`${this.#service}-probe`, `probe-${randomBytes(6).toString('hex')}`);
    } catch (error) {
      return errorMessage(error);
    }
    const value = `probe-${randomBytes(6).toString('hex')}`;
    try {
      await entry.setPassword(value);
      const back = await entry.getPassword();
      return back === value ? null : 'the keyring did not return what was stored';
    } catch (error) {
      return errorMessage(error);
    } finally {
      await entry.deletePassword().catch(() => false);
    }
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
    // One setPassword call replaces the whole secret: the keychain's own write is the atomic step. A keychain
    // that fails half-way may still have kept something: remove it rather than leave a key nobody can see.
    try {
      await this.#call((entry) => entry.setPassword(serializeCredential(credential)));
    } catch (error) {
      await this.#call((entry) => entry.deletePassword()).catch(() => false);
      throw error;
    }
  }

  async remove(): Promise<boolean> {
    return this.#call((entry) => entry.deletePassword());
  }

  async #call<T>(action: (entry: KeyringEntry) => Promise<T>): Promise<T> {
    try {
      return await action(await this.#factory(this.#service, this.#account));
    } catch (error) {
      throw new CredentialStoreError(
        `the OS keyring is unavailable (${errorMessage(error)}); ${KEYRING_ADVICE}`,
        'unavailable',
      );
    }
  }
}
