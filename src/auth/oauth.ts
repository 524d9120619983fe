/**
 * A generic OAuth 2.0 client for a native app: authorization code with PKCE S256 (RFC 6749, 7636, 8252),
 * endpoint discovery (RFC 8414, OpenID Connect Discovery), refresh and revocation (RFC 7009). Endpoints and
 * client come from configuration only: no provider's client id is built in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { AuthError } from '../errors.js';
import { scrub } from './redact.js';

export type FetchLike = typeof globalThis.fetch;
export type OAuthSettings = Config['auth']['oauth'];

export interface OAuthEndpoints {
  /** From the configuration or the discovered metadata; null when only URLs were configured. */
  readonly issuer: string | null;
  readonly authorization: string;
  readonly token: string;
  readonly revocation: string | null;
  /** client_secret_post when the server lists it and not client_secret_basic; otherwise basic. */
  readonly secretInBody: boolean;
}

export interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  /** Seconds, when the server said. */
  readonly expiresIn: number | null;
  readonly scope: string | null;
}

/**
 * A token, discovery or revocation request failed. `transient` failures (network, timeout, 5xx, 429,
 * temporarily_unavailable, an unreadable answer) are worth retrying; the rest (invalid_grant and the other
 * RFC 6749 §5.2 errors) need a person.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    message: string,
    readonly transient: boolean,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 30_000;
const RESERVED_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
]);

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

/** RFC 7636: 32 random bytes → a 43-character verifier, challenge = BASE64URL(SHA256(verifier)). */
export function createPkce(): Pkce {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

/** An unguessable state, independent of the PKCE verifier. */
export function createState(): string {
  return base64url(randomBytes(16));
}

/** Says what is missing from the configuration, or null when the client can work. */
export function oauthConfigProblem(settings: OAuthSettings): string | null {
  if (settings.client_id === '') {
    return 'auth.method is "oauth" but auth.oauth.client_id is empty: set it to the client id your provider registered for claudine';
  }
  const explicit = settings.authorize_url !== '' && settings.token_url !== '';
  if (settings.issuer === '' && !explicit) {
    return (
      'auth.method is "oauth" but no endpoints are configured: set auth.oauth.issuer (endpoints are discovered), ' +
      'or both auth.oauth.authorize_url and auth.oauth.token_url'
    );
  }
  return null;
}

export class OAuthClient {
  readonly #settings: OAuthSettings;
  readonly #fetch: FetchLike;
  readonly #logger: Logger | null;
  #endpoints: Promise<OAuthEndpoints> | null = null;

  constructor(
    settings: OAuthSettings,
    fetchImpl: FetchLike = globalThis.fetch,
    logger: Logger | null = null,
  ) {
    this.#settings = settings;
    this.#fetch = fetchImpl;
    this.#logger = logger;
  }

  get clientId(): string {
    return this.#settings.client_id;
  }

  /** Discovers once; a failed discovery is forgotten so the next call tries again. */
  endpoints(): Promise<OAuthEndpoints> {
    if (this.#endpoints === null) {
      const pending = this.#resolveEndpoints();
      this.#endpoints = pending;
      pending.catch(() => {
        if (this.#endpoints === pending) this.#endpoints = null;
      });
    }
    return this.#endpoints;
  }

  async #resolveEndpoints(): Promise<OAuthEndpoints> {
    const s = this.#settings;
    const problem = oauthConfigProblem(s);
    if (problem !== null) throw new OAuthError(problem, false);
    let metadata: Record<string, unknown> = {};
    if (s.issuer !== '' && (s.authorize_url === '' || s.token_url === '' || s.revocation_url === '')) {
      metadata = await this.#discover(s.issuer);
    }
    const pick = (configured: string, key: string): string | null => {
      if (configured !== '') return configured;
      const found = metadata[key];
      return typeof found === 'string' && found !== '' ? found : null;
    };
    const authorization = pick(s.authorize_url, 'authorization_endpoint');
    const token = pick(s.token_url, 'token_endpoint');
    if (authorization === null || token === null) {
      throw new OAuthError(
        `the metadata of ${s.issuer} names no authorization or token endpoint; set auth.oauth.authorize_url and auth.oauth.token_url`,
        false,
      );
    }
    const methods = metadata['token_endpoint_auth_methods_supported'];
    const secretInBody =
      Array.isArray(methods) &&
      methods.includes('client_secret_post') &&
      !methods.includes('client_secret_basic');
    const issuer =
      typeof metadata['issuer'] === 'string' ? metadata['issuer'] : s.issuer !== '' ? s.issuer : null;
    return {
      issuer,
      authorization,
      token,
      revocation: pick(s.revocation_url, 'revocation_endpoint'),
      secretInBody,
    };
  }

  /** RFC 8414 §3 (well-known inserted before the issuer's path), then OpenID Discovery (appended). */
  async #discover(issuer: string): Promise<Record<string, unknown>> {
    const url = new URL(issuer);
    const path = url.pathname.replace(/\/+$/, '');
    const candidates = [
      `${url.origin}/.well-known/oauth-authorization-server${path}`,
      `${url.origin}${path}/.well-known/openid-configuration`,
    ];
    let lastError: OAuthError | null = null;
    for (const candidate of candidates) {
      let response: Response;
      try {
        response = await this.#fetch(candidate, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        lastError = new OAuthError(`cannot reach ${candidate}: ${networkReason(error)}`, true);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        lastError = new OAuthError(`${candidate} answered ${response.status}`, response.status >= 500);
        continue;
      }
      const metadata = await response.json().catch(() => null);
      if (typeof metadata !== 'object' || metadata === null) {
        lastError = new OAuthError(`${candidate} did not answer with JSON metadata`, true);
        continue;
      }
      const found = (metadata as Record<string, unknown>)['issuer'];
      // RFC 8414 §3.3: metadata for another issuer is a mix-up attack or a misconfiguration.
      if (typeof found === 'string' && found.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
        throw new OAuthError(
          `${candidate} describes issuer ${found}, not ${issuer}; check auth.oauth.issuer`,
          false,
        );
      }
      return metadata as Record<string, unknown>;
    }
    throw lastError ?? new OAuthError(`no authorization server metadata found for ${issuer}`, false);
  }

  /** The URL the user opens to log in. */
  async authorizationUrl(redirectUri: string, state: string, pkce: Pkce): Promise<string> {
    const s = this.#settings;
    for (const key of Object.keys(s.extra_authorize_params)) {
      if (RESERVED_PARAMS.has(key)) {
        throw new OAuthError(
          `auth.oauth.extra_authorize_params may not set "${key}"; claudine sets it itself`,
          false,
        );
      }
    }
    const url = new URL((await this.endpoints()).authorization);
    const params = url.searchParams;
    params.set('response_type', 'code');
    params.set('client_id', s.client_id);
    params.set('redirect_uri', redirectUri);
    if (s.scopes.length > 0) params.set('scope', s.scopes.join(' '));
    params.set('state', state);
    params.set('code_challenge', pkce.challenge);
    params.set('code_challenge_method', 'S256');
    for (const [key, value] of Object.entries(s.extra_authorize_params)) params.set(key, value);
    return url.href;
  }

  exchangeCode(code: string, redirectUri: string, verifier: string): Promise<TokenResponse> {
    return this.#tokenRequest(
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
      [code, verifier],
    );
  }

  refresh(refreshToken: string): Promise<TokenResponse> {
    return this.#tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, [refreshToken]);
  }

  /** RFC 7009. Returns false when no revocation endpoint is known. */
  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
    const endpoints = await this.endpoints();
    if (endpoints.revocation === null) return false;
    const response = await this.#post(endpoints, endpoints.revocation, { token, token_type_hint: hint });
    if (!response.ok) {
      const { error, description } = await readError(response, [token, this.#settings.client_secret]);
      throw new OAuthError(
        `the revocation endpoint answered ${response.status}${error !== null ? ` ${error}` : ''}${description}`,
        response.status >= 500 || response.status === 429,
        error,
      );
    }
    await response.body?.cancel();
    return true;
  }

  async #tokenRequest(form: Record<string, string>, secrets: string[]): Promise<TokenResponse> {
    const endpoints = await this.endpoints();
    const response = await this.#post(endpoints, endpoints.token, form);
    const allSecrets = [...secrets, this.#settings.client_secret];
    this.#logger?.debug(
      { status: response.status, grant_type: form['grant_type'] },
      'token endpoint answered',
    );
    if (!response.ok) {
      const { error, description } = await readError(response, allSecrets);
      const transient =
        response.status >= 500 ||
        response.status === 429 ||
        error === 'temporarily_unavailable' ||
        error === 'server_error';
      throw new OAuthError(
        `the token endpoint answered ${response.status}${error !== null ? ` ${error}` : ''}${description}`,
        transient,
        error,
      );
    }
    const body: unknown = await response.json().catch(() => null);
    const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const accessToken = b['access_token'];
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new OAuthError('the token endpoint answered without an access_token', true);
    }
    const tokenType = typeof b['token_type'] === 'string' ? b['token_type'] : 'Bearer';
    if (tokenType.toLowerCase() !== 'bearer') {
      throw new OAuthError(
        `the token endpoint issued a "${tokenType}" token; claudine sends only Bearer tokens`,
        false,
        'unsupported_token_type',
      );
    }
    const rawExpiry = b['expires_in'];
    const expiresIn =
      typeof rawExpiry === 'number' ? rawExpiry : typeof rawExpiry === 'string' ? Number(rawExpiry) : NaN;
    const refreshToken = b['refresh_token'];
    return {
      accessToken,
      refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : null,
      expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : null,
      scope: typeof b['scope'] === 'string' ? b['scope'] : null,
    };
  }

  async #post(endpoints: OAuthEndpoints, url: string, form: Record<string, string>): Promise<Response> {
    const s = this.#settings;
    const body = new URLSearchParams(form);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (s.client_secret === '' || endpoints.secretInBody) {
      body.set('client_id', s.client_id);
      if (s.client_secret !== '') body.set('client_secret', s.client_secret);
    } else {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const pair = `${encodeURIComponent(s.client_id)}:${encodeURIComponent(s.client_secret)}`;
      headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    try {
      return await this.#fetch(url, {
        method: 'POST',
        headers,
        body: body.toString(),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new OAuthError(`cannot reach ${url}: ${networkReason(error)}`, true);
    }
  }
}

async function readError(
  response: Response,
  secrets: readonly string[],
): Promise<{ error: string | null; description: string }> {
  const body: unknown = await response.json().catch(() => null);
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const error = typeof b['error'] === 'string' ? scrub(b['error'], secrets) : null;
  const description =
    typeof b['error_description'] === 'string' ? ` (${scrub(b['error_description'], secrets)})` : '';
  return { error, description };
}

function networkReason(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message !== '') return cause.message;
    return error.message;
  }
  return String(error);
}

/** The message a client gets when nothing but a new login can help. */
export function loginNeeded(reason: string): AuthError {
  return new AuthError(`${reason}; run \`claudine auth login\` to sign in again`);
}
