/**
 * A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider) on 127.0.0.1, port 0, with a
 * public native client (PKCE required, refresh tokens rotated on every use, revocation enabled), and a
 * scripted "browser" that walks its dev login and consent pages with plain HTTP requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'claudine-test-client';
/** A redirect the provider accepts that nothing listens on: for the "paste the code" flow. */
export const PASTE_REDIRECT_URI = 'https://claudine.invalid/oauth/code';

export interface OidcServer {
  readonly issuer: string;
  /** POST /token requests, by grant_type. */
  readonly tokenRequests: { authorization_code: number; refresh_token: number };
  /** The next `n` token requests answer `status` without reaching the provider. */
  failTokenRequests(n: number, status: number): void;
  close(): Promise<void>;
}

export interface OidcOptions {
  /** Access token lifetime in seconds (default 3600). */
  readonly accessTokenTtl?: number;
}

export async function startOidcServer(options: OidcOptions = {}): Promise<OidcServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        // RFC 8252 §7.3: for native clients oidc-provider accepts any port on a loopback redirect.
        redirect_uris: ['http://127.0.0.1/callback', PASTE_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    pkce: { required: () => true },
    // Expiry checks exact to the second (the default tolerates 15 s of clock skew).
    clockTolerance: 0,
    // Public clients get a new refresh token on every refresh (rotation).
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Grant: 86_400,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 86_400,
    },
  });
  const tokenRequests = { authorization_code: 0, refresh_token: 0 };
  let failures = { n: 0, status: 503 };
  // Every token request ends in exactly one of these events, so together they count hits per grant type.
  const count = (ctx: { oidc?: { params?: { grant_type?: unknown } } }): void => {
    const grant = ctx.oidc?.params?.grant_type;
    if (grant === 'authorization_code' || grant === 'refresh_token') tokenRequests[grant] += 1;
  };
  provider.on('grant.success', count);
  provider.on('grant.error', count);
  const handle = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/token') {
      if (failures.n > 0) {
        failures = { ...failures, n: failures.n - 1 };
        req.resume();
        res.writeHead(failures.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
        return;
      }
    }
    handle(req, res);
  });
  return {
    issuer,
    tokenRequests,
    failTokenRequests(n, status) {
      failures = { n, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Plays the user's browser: follows the authorization redirects, signs in as `alice` on the dev login page,
 * approves the consent page, and finally requests the redirect URI (the loopback receiver, when it is one).
 * Returns the final redirect URL (with code and state).
 */
export async function signInWithBrowser(
  authorizeUrl: string,
  options: { visitRedirect: boolean },
): Promise<URL> {
  const jar = new Map<string, string>();
  const issuerOrigin = new URL(authorizeUrl).origin;
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), cookie },
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
  let url = authorizeUrl;
  for (let step = 0; step < 12; step += 1) {
    let response = await go(url);
    if (response.status === 200) {
      const html = await response.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /action="([^"]+)"/.exec(html)?.[1];
      if (prompt === undefined || action === undefined) throw new Error(`unexpected page at ${url}`);
      const form = prompt === 'login' ? { prompt, login: 'alice', password: 'any' } : { prompt };
      response = await go(new URL(action, issuerOrigin).href, {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    } else {
      await response.body?.cancel();
    }
    const location = response.headers.get('location');
    if (location === null) throw new Error(`no redirect from ${url} (status ${response.status})`);
    const next = new URL(location, issuerOrigin);
    if (next.origin !== issuerOrigin || next.href.startsWith(PASTE_REDIRECT_URI)) {
      if (options.visitRedirect) {
        const answer = await fetch(next.href);
        await answer.text();
      }
      return next;
    }
    url = next.href;
  }
  throw new Error('too many redirects');
}
