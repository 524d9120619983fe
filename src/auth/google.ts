/**
 * Google Application Default Credentials for Vertex AI, found in ADC's order:
 * 1. GOOGLE_APPLICATION_CREDENTIALS: a service-account key or an authorized-user JSON file;
 * 2. gcloud's ADC file (`gcloud auth application-default login`): <gcloud config dir>/application_default_credentials.json;
 * 3. the metadata server (GCE, GKE, Cloud Run), at GCE_METADATA_HOST or metadata.google.internal.
 *
 * The grants are made here, not by google-auth-library: it posts to its own fixed token URL whatever the
 * file's `token_uri` says, and the file's `token_uri` is where the token must come from (an organisation's
 * proxy, a test's fake). A service account signs a JWT (RS256, node:crypto) for the JWT-bearer grant; an
 * authorized user spends its refresh token; the metadata server hands out the instance's token.
 * Workload identity federation (`external_account`) files are not supported yet: readiness says so.
 * Refresh policy: see refreshing.ts (ahead of expiry by auth.refresh_skew, single-flight).
 */
import { createSign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AuthError } from '../errors.js';
import { RefreshingCredential, type Expiring } from './refreshing.js';
import type { AuthReadiness, CredentialHeaders, TokenSource } from './types.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const TOKEN_LIFETIME_S = 3600;
const REQUEST_TIMEOUT_MS = 10_000;

export interface GoogleAuthDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** auth.refresh_skew. */
  readonly skewMs: number;
  readonly now: () => number;
  readonly fetch: typeof fetch;
  readonly onRefresh?: ((outcome: 'success' | 'failure') => void) | undefined;
}

interface ServiceAccountFile {
  readonly type: 'service_account';
  readonly client_email: string;
  readonly private_key: string;
  readonly private_key_id?: string;
  readonly token_uri?: string;
  readonly project_id?: string;
}

interface AuthorizedUserFile {
  readonly type: 'authorized_user';
  readonly client_id: string;
  readonly client_secret: string;
  readonly refresh_token: string;
  readonly token_uri?: string;
  readonly quota_project_id?: string;
}

type Found =
  | { readonly kind: 'service_account'; readonly file: ServiceAccountFile; readonly path: string }
  | { readonly kind: 'authorized_user'; readonly file: AuthorizedUserFile; readonly path: string }
  | { readonly kind: 'metadata'; readonly host: string }
  | { readonly kind: 'unusable'; readonly reason: string };

function gcloudConfigDir(env: NodeJS.ProcessEnv): string {
  const configured = env['CLOUDSDK_CONFIG'];
  if (configured !== undefined && configured !== '') return configured;
  if (process.platform === 'win32')
    return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'gcloud');
  return join(homedir(), '.config', 'gcloud');
}

function readCredentialsFile(path: string, origin: string): Found {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      kind: 'unusable',
      reason: `${origin} (${path}) ${code === 'ENOENT' ? 'does not exist' : code !== undefined ? `cannot be read (${code})` : 'is not JSON'}`,
    };
  }
  const file = parsed as Record<string, unknown>;
  const has = (...keys: string[]): boolean =>
    keys.every((k) => typeof file[k] === 'string' && file[k] !== '');
  if (file['type'] === 'service_account' && has('client_email', 'private_key'))
    return { kind: 'service_account', file: file as unknown as ServiceAccountFile, path };
  if (file['type'] === 'authorized_user' && has('client_id', 'client_secret', 'refresh_token'))
    return { kind: 'authorized_user', file: file as unknown as AuthorizedUserFile, path };
  return {
    kind: 'unusable',
    reason: `${origin} (${path}) holds credentials of type "${String(file['type'])}", which claudine cannot use yet (service_account and authorized_user work)`,
  };
}

/** ADC's search order (see the top of this file). */
function findCredentials(env: NodeJS.ProcessEnv): Found {
  const explicit = env['GOOGLE_APPLICATION_CREDENTIALS'];
  if (explicit !== undefined && explicit !== '')
    return readCredentialsFile(explicit, 'GOOGLE_APPLICATION_CREDENTIALS');
  const gcloud = join(gcloudConfigDir(env), 'application_default_credentials.json');
  if (existsSync(gcloud)) return readCredentialsFile(gcloud, "gcloud's application default credentials");
  const host = env['GCE_METADATA_HOST'];
  return { kind: 'metadata', host: host !== undefined && host !== '' ? host : 'metadata.google.internal' };
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** The signed JWT of the service-account grant (RFC 7523), audience = the token endpoint. */
export function serviceAccountAssertion(file: ServiceAccountFile, tokenUri: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = {
    alg: 'RS256',
    typ: 'JWT',
    ...(file.private_key_id !== undefined ? { kid: file.private_key_id } : {}),
  };
  const claims = { iss: file.client_email, scope: SCOPE, aud: tokenUri, iat, exp: iat + TOKEN_LIFETIME_S };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(file.private_key);
  return `${unsigned}.${base64url(signature)}`;
}

async function tokenFrom(response: Response, where: string, now: number): Promise<Expiring<string>> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // reported below
  }
  if (!response.ok) {
    const said = [body['error'], body['error_description']].filter((v) => typeof v === 'string').join(': ');
    const message = `${where} answered ${response.status}${said !== '' ? ` (${said})` : ''}`;
    // invalid_grant and friends will not get better by waiting: say what to do instead.
    throw response.status >= 400 && response.status < 500 && response.status !== 429
      ? new AuthError(
          `${message}; check the Google credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud auth application-default login)`,
          401,
        )
      : new Error(message);
  }
  const token = body['access_token'];
  const expiresIn = body['expires_in'];
  if (typeof token !== 'string' || token === '') throw new Error(`${where} answered without an access_token`);
  return {
    value: token,
    expiresAt: now + (typeof expiresIn === 'number' ? expiresIn : TOKEN_LIFETIME_S) * 1000,
  };
}

export class GoogleCredentialSource implements TokenSource {
  readonly #found: Found;
  readonly #credential: RefreshingCredential<string>;
  #headers: { token: string; headers: CredentialHeaders } | null = null;

  constructor(options: Partial<GoogleAuthDeps> & Pick<GoogleAuthDeps, 'env' | 'logger' | 'skewMs'>) {
    const deps: GoogleAuthDeps = { now: Date.now, fetch: globalThis.fetch, ...options };
    this.#found = findCredentials(deps.env);
    const found = this.#found;
    const post = (url: string, form: Record<string, string>): Promise<Response> =>
      deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    const fetchToken = async (): Promise<Expiring<string>> => {
      const now = deps.now();
      switch (found.kind) {
        case 'service_account': {
          const tokenUri = found.file.token_uri ?? DEFAULT_TOKEN_URI;
          const assertion = serviceAccountAssertion(found.file, tokenUri, now);
          const response = await post(tokenUri, {
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion,
          });
          return tokenFrom(response, `the token endpoint ${tokenUri}`, now);
        }
        case 'authorized_user': {
          const tokenUri = found.file.token_uri ?? DEFAULT_TOKEN_URI;
          const response = await post(tokenUri, {
            grant_type: 'refresh_token',
            client_id: found.file.client_id,
            client_secret: found.file.client_secret,
            refresh_token: found.file.refresh_token,
          });
          return tokenFrom(response, `the token endpoint ${tokenUri}`, now);
        }
        case 'metadata': {
          const url = `http://${found.host}/computeMetadata/v1/instance/service-accounts/default/token`;
          const response = await deps.fetch(url, {
            headers: { 'metadata-flavor': 'Google' },
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          return tokenFrom(response, 'the metadata server', now);
        }
        case 'unusable':
          throw new AuthError(found.reason, 401);
      }
    };
    this.#credential = new RefreshingCredential({
      what: 'a Google access token',
      fetch: fetchToken,
      skewMs: deps.skewMs,
      now: deps.now,
      logger: deps.logger,
      onRefresh: deps.onRefresh,
    });
    // Fetched at start so readiness knows, and the first request does not wait for the grant.
    Promise.resolve(this.#credential.get()).catch(() => undefined);
  }

  /** The project named by the credentials file, if any (a fallback for upstream.vertex.project). */
  projectId(): string | undefined {
    if (this.#found.kind === 'service_account') return this.#found.file.project_id;
    if (this.#found.kind === 'authorized_user') return this.#found.file.quota_project_id;
    return undefined;
  }

  /** Token grants made so far (tests: single-flight). */
  get fetches(): number {
    return this.#credential.fetches;
  }

  /** Resolves once the first token grant settled (at most 5 s). */
  loaded(): Promise<void> {
    return this.#credential.settled(5_000);
  }

  current(): CredentialHeaders | Promise<CredentialHeaders> {
    const token = this.#credential.get();
    return typeof token === 'string' ? this.#wrap(token) : token.then((t) => this.#wrap(t));
  }

  async renew(rejected: CredentialHeaders): Promise<CredentialHeaders> {
    const bearer = rejected['authorization']?.replace(/^Bearer /, '') ?? '';
    return this.#wrap(await this.#credential.force(bearer));
  }

  readiness(): AuthReadiness {
    const state = this.#credential.state();
    return state.ready ? { ready: true } : { ready: false, reason: state.reason ?? 'no Google credentials' };
  }

  close(): void {}

  /** One frozen headers object per token: the hot path allocates nothing while the token lasts. */
  #wrap(token: string): CredentialHeaders {
    if (this.#headers?.token !== token)
      this.#headers = { token, headers: Object.freeze({ authorization: `Bearer ${token}` }) };
    return this.#headers.headers;
  }
}
