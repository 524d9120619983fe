/**
 * What upstream/ needs from auth/: headers to attach to a request, a way to say "that credential was
 * rejected", and whether a credential is usable at all (readiness).
 */

/** The headers that carry the credential upstream: `x-api-key` for API keys, `authorization` for OAuth. */
export type CredentialHeaders = Readonly<Record<string, string>>;

export interface AuthReadiness {
  readonly ready: boolean;
  /**
   * Why not ready, in words a person can act on (never contains a secret). When ready, a warning worth
   * showing, e.g. that ANTHROPIC_API_KEY is used because the keyring is unavailable.
   */
  readonly reason?: string;
  /** When ready: where the credential in use came from (`file /home/ana/.config/claudine/auth.json`, `ANTHROPIC_API_KEY`). */
  readonly source?: string;
}

export interface TokenSource {
  /**
   * The credential to use now. Synchronous when a valid one is cached (the common case, kept off the event
   * loop's microtask queue on the hot path); a promise when a refresh or a storage read is needed.
   * Throws (synchronously) or rejects AuthError when there is no usable credential; its message tells the
   * user what to do. Status 401 when a login or key is needed, 503 while the token endpoint is failing.
   */
  current(): CredentialHeaders | Promise<CredentialHeaders>;
  /**
   * The upstream answered 401 to `rejected`: refresh once (single-flight) and return the new credential,
   * or throw AuthError when there is nothing better to try.
   */
  renew(rejected: CredentialHeaders): Promise<CredentialHeaders>;
  /** For /health/readiness. */
  readiness(): AuthReadiness;
  /** Resolves once the stored credential has been read the first time (readiness is only telling after that). */
  loaded?(): Promise<void>;
  /** Stops timers and watchers so the process can exit. */
  close(): void;
}
