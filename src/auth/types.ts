/**
 * What upstream/ needs from auth/: headers to attach to a request, a way to say "that credential was
 * rejected", and whether a credential is usable at all (readiness).
 */

/** The headers that carry the credential upstream: `x-api-key` for API keys, `authorization` for OAuth. */
export type CredentialHeaders = Readonly<Record<string, string>>;

export interface AuthReadiness {
  readonly ready: boolean;
  /** Why not ready, in words a person can act on (never contains a secret). */
  readonly reason?: string;
}

export interface TokenSource {
  /**
   * The credential to use now. Synchronous when a valid one is cached (the common case, kept off the event
   * loop's microtask queue on the hot path); a promise when a refresh or a storage read is needed.
   * Rejects/throws AuthError when there is no usable credential; its message tells the user what to do.
   */
  current(): CredentialHeaders | Promise<CredentialHeaders>;
  /**
   * The upstream answered 401 to `rejected`: refresh once (single-flight) and return the new credential,
   * or throw AuthError when there is nothing better to try.
   */
  renew(rejected: CredentialHeaders): Promise<CredentialHeaders>;
  /** For /health/readiness. */
  readiness(): AuthReadiness;
  /** Stops timers and watchers so the process can exit. */
  close(): void;
}
