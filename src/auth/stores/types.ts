import type { StoredCredential } from '../document.js';

/** Why a store could not do what was asked. Messages name the store and the fix, never the secret. */
export type StoreErrorKind = 'unavailable' | 'insecure' | 'corrupt' | 'read-only' | 'io';

export class CredentialStoreError extends Error {
  override readonly name = 'CredentialStoreError';
  constructor(
    message: string,
    readonly kind: StoreErrorKind,
  ) {
    super(message);
  }
}

/** Where the credential lives. Every method rejects with CredentialStoreError only. */
export interface CredentialStore {
  /** For people: `keyring (service "claudine", account "ana")`, `file /home/ana/.config/claudine/auth.json`. */
  readonly description: string;
  /** env: claudine can read the credential but never write or remove it. */
  readonly readOnly: boolean;
  /** The stored credential, null when there is none. */
  read(): Promise<StoredCredential | null>;
  /** Replaces the credential atomically: a reader sees the old document or the new one, never a mix. */
  write(credential: StoredCredential): Promise<void>;
  /** Removes the credential; false when there was none. */
  remove(): Promise<boolean>;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
