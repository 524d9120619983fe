import { readFile, stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTokenSource,
  runAuthCommand,
  type CredentialHeaders,
  type TokenSource,
} from '../../src/auth/index.js';
import type { Config } from '../../src/config/index.js';
import { AuthError } from '../../src/errors.js';
import {
  CLIENT_ID,
  PASTE_REDIRECT_URI,
  signInWithBrowser,
  startOidcServer,
  type OidcServer,
} from '../helpers/oidc-provider.js';
import { captureLogger, io, tempDir, testConfig } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: { ttl?: number; skew?: number; oauth?: Partial<Config['auth']['oauth']> } = {},
): Promise<{ server: OidcServer; config: Config }> {
  const server = await startOidcServer({ accessTokenTtl: options.ttl ?? 3600 });
  cleanups.push(() => server.close());
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const config = testConfig(dir, {
    method: 'oauth',
    storage: 'file',
    refresh_skew: options.skew ?? 0,
    oauth: {
      issuer: server.issuer,
      client_id: CLIENT_ID,
      scopes: ['openid', 'offline_access'],
      redirect_uri: 'http://127.0.0.1:0/callback',
      // OpenID Connect honours offline_access (a refresh token) only with prompt=consent.
      extra_authorize_params: { prompt: 'consent' },
      ...options.oauth,
    },
  });
  return { server, config };
}

/** Runs `claudine auth login` with a scripted browser; returns what it printed and the authorization URL. */
async function login(config: Config): Promise<{ stdout: string; stderr: string; url: string }> {
  const t = io();
  const browsing: Promise<unknown>[] = [];
  let opened = '';
  const code = await runAuthCommand('login', config, {
    ...t,
    openBrowser: (url) => {
      opened = url;
      const visit = signInWithBrowser(url, { visitRedirect: true });
      visit.catch(() => undefined);
      browsing.push(visit);
    },
  });
  await Promise.all(browsing);
  expect(t.stderr.text, t.stderr.text).not.toMatch(/claudine: /);
  expect(code).toBe(0);
  return { stdout: t.stdout.text, stderr: t.stderr.text, url: opened };
}

async function stored(config: Config): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(config.auth.file, 'utf8')) as Record<string, unknown>;
}

function source(config: Config, extra: Partial<Parameters<typeof createTokenSource>[1]> = {}): TokenSource {
  const s = createTokenSource(config, { env: {}, ...extra });
  cleanups.push(() => s.close());
  return s;
}

async function userinfo(issuer: string, headers: CredentialHeaders): Promise<number> {
  const response = await fetch(`${issuer}/me`, { headers: { authorization: headers['authorization']! } });
  await response.body?.cancel();
  return response.status;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('OAuth login against a real authorization server', () => {
  it('logs in through the browser with PKCE S256, stores the tokens and sends the access token as a bearer header', async () => {
    const { server, config } = await setup();
    const { url, stdout } = await login(config);

    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(authorize.searchParams.get('prompt')).toBe('consent');
    expect(stdout).toContain('Signed in');
    expect(server.tokenRequests.authorization_code).toBe(1);

    const doc = await stored(config);
    expect(doc['method']).toBe('oauth');
    expect(typeof doc['refresh_token']).toBe('string');
    expect(Date.parse(doc['expires_at'] as string)).toBeGreaterThan(Date.now());
    expect((await stat(config.auth.file)).mode & 0o777).toBe(0o600);

    const headers = await source(config).current();
    expect(Object.keys(headers)).toEqual(['authorization']);
    expect(headers['authorization']).toBe(`Bearer ${doc['access_token'] as string}`);
    expect(await userinfo(server.issuer, headers)).toBe(200);
  });

  it('serves a cached token synchronously, as the same object every time', async () => {
    const { config } = await setup();
    await login(config);
    const s = source(config);
    const first = await s.current();
    const second = s.current();
    expect(second).toBe(first);
    expect(s.readiness()).toEqual({ ready: true, source: `file ${config.auth.file}` });
  });

  it('takes the code pasted as code#state when the redirect URI is not a loopback address', async () => {
    const { server, config } = await setup({ oauth: { redirect_uri: PASTE_REDIRECT_URI } });
    const stdin = new PassThrough();
    const t = io({}, stdin);
    const code = await runAuthCommand('login', config, {
      ...t,
      openBrowser: (url) => {
        void signInWithBrowser(url, { visitRedirect: false }).then((redirect) => {
          stdin.write(`${redirect.searchParams.get('code')}#${redirect.searchParams.get('state')}\n`);
        });
      },
    });
    expect(t.stderr.text).toContain('Paste the code');
    expect(code).toBe(0);
    expect(server.tokenRequests.authorization_code).toBe(1);
    expect((await stored(config))['method']).toBe('oauth');
  });

  it('refuses a pasted code whose state belongs to another login attempt', async () => {
    const { server, config } = await setup({ oauth: { redirect_uri: PASTE_REDIRECT_URI } });
    const stdin = new PassThrough();
    const t = io({}, stdin);
    const code = await runAuthCommand('login', config, {
      ...t,
      openBrowser: (url) => {
        void signInWithBrowser(url, { visitRedirect: false }).then((redirect) => {
          stdin.write(`${redirect.searchParams.get('code')}#not-the-state\n`);
        });
      },
    });
    expect(code).toBe(1);
    expect(t.stderr.text).toContain('state mismatch');
    expect(server.tokenRequests.authorization_code).toBe(0);
  });

  it('answers a loopback callback with a foreign state with 400 and keeps waiting for the real one', async () => {
    const { config } = await setup();
    const t = io();
    let foreignStatus = 0;
    const browsing: Promise<unknown>[] = [];
    const code = await runAuthCommand('login', config, {
      ...t,
      openBrowser: (url) => {
        const redirect = new URL(url).searchParams.get('redirect_uri')!;
        const visit = fetch(`${redirect}?code=forged&state=forged`)
          .then(async (r) => {
            foreignStatus = r.status;
            await r.text();
          })
          .then(() => signInWithBrowser(url, { visitRedirect: true }));
        browsing.push(visit);
      },
    });
    await Promise.all(browsing);
    expect(foreignStatus).toBe(400);
    expect(code).toBe(0);
  });

  it('works with explicitly configured endpoints instead of discovery', async () => {
    const server = await startOidcServer();
    cleanups.push(() => server.close());
    const { config } = await setup({
      oauth: {
        issuer: '',
        authorize_url: `${server.issuer}/auth`,
        token_url: `${server.issuer}/token`,
        revocation_url: `${server.issuer}/token/revocation`,
      },
    });
    await login(config);
    expect(server.tokenRequests.authorization_code).toBe(1);
    expect(await userinfo(server.issuer, await source(config).current())).toBe(200);
  });
});

describe('OAuth refresh policy', () => {
  it('refreshes ahead of expiry in the background, rotating the refresh token and saving it', async () => {
    const { server, config } = await setup({ ttl: 3, skew: 2500 });
    await login(config);
    const before = await stored(config);
    const outcomes: string[] = [];
    const s = source(config, { onRefresh: (o) => outcomes.push(o) });
    const old = await s.current();
    await sleep(600);
    // Inside the skew window the still-valid token is served at once while the refresh runs.
    expect(s.current()).toBe(old);
    await until(() => outcomes.length > 0);
    expect(outcomes).toEqual(['success']);
    expect(server.tokenRequests.refresh_token).toBe(1);

    const after = await stored(config);
    expect(after['refresh_token']).not.toBe(before['refresh_token']);
    expect(after['access_token']).not.toBe(before['access_token']);
    expect(typeof after['last_refresh']).toBe('string');
    const fresh = await s.current();
    expect(fresh['authorization']).toBe(`Bearer ${after['access_token'] as string}`);
    expect(await userinfo(server.issuer, fresh)).toBe(200);
  });

  it('makes exactly one refresh for 50 concurrent requests at expiry', async () => {
    const { server, config } = await setup({ ttl: 2 });
    await login(config);
    const s = source(config);
    const old = await s.current();
    await sleep(2000);
    // The provider counts whole seconds; wait until it too considers the old token expired.
    for (let i = 0; i < 40 && (await userinfo(server.issuer, old)) !== 401; i += 1) await sleep(50);
    expect(await userinfo(server.issuer, old)).toBe(401);

    // All 50 calls are made in the same tick, before any of them can finish.
    const calls: (CredentialHeaders | Promise<CredentialHeaders>)[] = Array.from({ length: 50 }, () =>
      s.current(),
    );
    expect(calls.every((c) => c instanceof Promise)).toBe(true);
    const results = await Promise.all(calls as Promise<CredentialHeaders>[]);
    expect(server.tokenRequests.refresh_token).toBe(1);
    expect(new Set(results.map((h) => h['authorization'])).size).toBe(1);
    expect(results[0]).not.toEqual(old);
    expect(await userinfo(server.issuer, results[0]!)).toBe(200);
  });

  it('refreshes once for many requests rejected with 401, and not again for a token rejected before the refresh', async () => {
    const { server, config } = await setup();
    await login(config);
    const s = source(config);
    const rejected = await s.current();
    const renewed = await Promise.all(Array.from({ length: 10 }, () => s.renew(rejected)));
    expect(server.tokenRequests.refresh_token).toBe(1);
    expect(new Set(renewed.map((h) => h['authorization'])).size).toBe(1);
    expect(renewed[0]).not.toEqual(rejected);

    // A late 401 for the old token: someone already refreshed since it was issued.
    expect(await s.renew(rejected)).toBe(renewed[0]);
    expect(server.tokenRequests.refresh_token).toBe(1);
    expect(await userinfo(server.issuer, renewed[0]!)).toBe(200);
  });

  it('retries transient token endpoint failures with backoff while the still-valid token keeps serving', async () => {
    const { server, config } = await setup({ ttl: 5, skew: 4500 });
    await login(config);
    const outcomes: string[] = [];
    const s = source(config, { onRefresh: (o) => outcomes.push(o), backoffMs: { initial: 100, max: 400 } });
    const old = await s.current();
    server.failTokenRequests(2, 503);
    await sleep(600);
    expect(s.current()).toBe(old);
    await until(() => outcomes.includes('success'));
    expect(outcomes).toEqual(['failure', 'failure', 'success']);
    expect(server.tokenRequests.refresh_token).toBe(1);
    expect(s.current()).not.toBe(old);
    expect(s.readiness().ready).toBe(true);
  });

  it('gives a 503 AuthError and readiness 503 when the token has expired and the token endpoint fails', async () => {
    const { server, config } = await setup();
    await login(config);
    const s = source(config, { now: () => Date.now() + 2 * 3600_000 });
    await (s as unknown as { loaded(): Promise<void> }).loaded();
    server.failTokenRequests(1, 502);
    const error: unknown = await Promise.resolve()
      .then(() => s.current())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(503);
    expect((error as AuthError).message).toMatch(/retries in \d+s/);
    expect(s.readiness().ready).toBe(false);
  });

  it('after the refresh token is revoked: invalid_grant, readiness 503, one logged error, and a new login is picked up without a restart', async () => {
    const { server, config } = await setup();
    await login(config);
    const { logger, lines } = captureLogger();
    const s = source(config, { logger, recheckIntervalMs: 50 });
    const rejected = await s.current();
    const doc = await stored(config);
    const revoke = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ token: doc['refresh_token'] as string, client_id: CLIENT_ID }),
    });
    expect(revoke.status).toBe(200);

    const error: unknown = await s.renew(rejected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('invalid_grant');
    expect((error as Error).message).toContain('claudine auth login');
    expect(s.readiness().ready).toBe(false);
    expect(s.readiness().reason).toContain('claudine auth login');
    for (let i = 0; i < 5; i += 1) {
      await Promise.resolve()
        .then(() => s.current())
        .catch(() => undefined);
    }
    expect(lines.filter((l) => (JSON.parse(l) as { level: number }).level === 50)).toHaveLength(1);

    await login(config);
    await sleep(60);
    const fresh = await s.current();
    expect(fresh).not.toEqual(rejected);
    expect(await userinfo(server.issuer, fresh)).toBe(200);
    expect(s.readiness().ready).toBe(true);
  });
});

describe('claudine auth status and logout with OAuth', () => {
  it('status shows method, storage, expiry and last refresh, never a token', async () => {
    const { config } = await setup();
    await login(config);
    const s = source(config);
    await s.renew(await s.current());
    const doc = await stored(config);
    const t = io();
    expect(await runAuthCommand('status', config, t)).toBe(0);
    expect(t.stdout.text).toMatch(/method:\s+oauth/);
    expect(t.stdout.text).toContain(config.auth.file);
    expect(t.stdout.text).toMatch(/expires:\s+\S+ \(in \d+[mh]\)/);
    expect(t.stdout.text).toContain(`last refresh:  ${doc['last_refresh'] as string}`);
    expect(t.stdout.text).not.toContain(doc['access_token']);
    expect(t.stdout.text).not.toContain(doc['refresh_token']);
  });

  it('logout revokes the tokens at the provider and removes them from the store', async () => {
    const { server, config } = await setup();
    await login(config);
    const doc = await stored(config);
    const t = io();
    expect(await runAuthCommand('logout', config, t)).toBe(0);
    expect(t.stdout.text).toContain('Revoked the tokens');
    await expect(stat(config.auth.file)).rejects.toThrow(/ENOENT/);

    const refresh = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: doc['refresh_token'] as string,
        client_id: CLIENT_ID,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
    expect(await userinfo(server.issuer, { authorization: `Bearer ${doc['access_token'] as string}` })).toBe(
      401,
    );

    const status = io();
    expect(await runAuthCommand('status', config, status)).toBe(1);
    expect(status.stdout.text).toContain('claudine auth login');
  });
});
