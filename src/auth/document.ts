/**
 * The one JSON document a store keeps: which method it belongs to and the credential itself. Parsing is
 * strict and its errors never quote the input (it holds secrets).
 */

export interface StaticCredential {
  readonly v: 1;
  readonly method: 'static';
  readonly api_key: string;
  /** ISO 8601. */
  readonly saved_at: string;
}

export interface OAuthCredential {
  readonly v: 1;
  readonly method: 'oauth';
  readonly access_token: string;
  readonly refresh_token: string | null;
  /** ISO 8601, or null when the provider did not say (the token is then used until it is rejected). */
  readonly expires_at: string | null;
  readonly scope: string | null;
  /** ISO 8601: when the user logged in. */
  readonly obtained_at: string;
  /** ISO 8601: the last successful refresh, null before the first. */
  readonly last_refresh: string | null;
}

export type StoredCredential = StaticCredential | OAuthCredential;

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isStringOrNull = (v: unknown): v is string | null => v === null || isString(v);
const isTime = (v: unknown): v is string => isString(v) && !Number.isNaN(Date.parse(v));
const isTimeOrNull = (v: unknown): v is string | null => v === null || isTime(v);

/** Returns the credential, or null when `text` is not a credential document this version understands. */
export function parseCredential(text: string): StoredCredential | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input; it must not travel further.
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const d = value as Record<string, unknown>;
  if (d['v'] !== 1) return null;
  if (d['method'] === 'static' && isString(d['api_key']) && isTime(d['saved_at'])) {
    return { v: 1, method: 'static', api_key: d['api_key'], saved_at: d['saved_at'] };
  }
  if (
    d['method'] === 'oauth' &&
    isString(d['access_token']) &&
    isStringOrNull(d['refresh_token']) &&
    isTimeOrNull(d['expires_at']) &&
    isStringOrNull(d['scope']) &&
    isTime(d['obtained_at']) &&
    isTimeOrNull(d['last_refresh'])
  ) {
    return {
      v: 1,
      method: 'oauth',
      access_token: d['access_token'],
      refresh_token: d['refresh_token'],
      expires_at: d['expires_at'],
      scope: d['scope'],
      obtained_at: d['obtained_at'],
      last_refresh: d['last_refresh'],
    };
  }
  return null;
}

export function serializeCredential(credential: StoredCredential): string {
  return JSON.stringify(credential);
}

/** Milliseconds since the epoch, +Infinity when the expiry is unknown. */
export function expiryMs(credential: OAuthCredential): number {
  return credential.expires_at === null ? Number.POSITIVE_INFINITY : Date.parse(credential.expires_at);
}
