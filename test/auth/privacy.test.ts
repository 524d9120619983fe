import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenSource, runAuthCommand, type FetchLike } from '../../src/auth/index.js';
import { CLIENT_ID, signInWithBrowser, startOidcServer } from '../helpers/oidc-provider.js';
import { captureLogger, FAKE_KEY, io, OTHER_FAKE_KEY, tempDir, testConfig } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fetch that remembers every secret crossing the wire: codes and verifiers sent, tokens received. */
function recordingFetch(secrets: Set<string>): FetchLike {
  return async (input, init) => {
    if (typeof init?.body === 'string') {
      const form = new URLSearchParams(init.body);
      for (const name of ['code', 'code_verifier', 'refresh_token', 'token']) {
        const value = form.get(name);
        if (value !== null) secrets.add(value);
      }
    }
    const response = await fetch(input, init);
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as Record<string, unknown> | null;
    for (const name of ['access_token', 'refresh_token', 'id_token']) {
      const value = body?.[name];
      if (typeof value === 'string') secrets.add(value);
    }
    return response;
  };
}

const message = async (run: () => unknown): Promise<string> =>
  Promise.resolve()
    .then(run)
    .then(
      () => '',
      (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
    );

describe('privacy', () => {
  it('never writes a token, key, code or verifier to a log line, an error message or the terminal, even at debug level', async () => {
    const server = await startOidcServer({ accessTokenTtl: 2 });
    cleanups.push(() => server.close());
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const config = testConfig(dir, {
      method: 'oauth',
      storage: 'file',
      refresh_skew: 1000,
      oauth: {
        issuer: server.issuer,
        client_id: CLIENT_ID,
        scopes: ['openid', 'offline_access'],
        redirect_uri: 'http://127.0.0.1:0/callback',
        extra_authorize_params: { prompt: 'consent' },
      },
    });
    const secrets = new Set<string>([FAKE_KEY, OTHER_FAKE_KEY]);
    const fetchImpl = recordingFetch(secrets);
    const { logger, lines } = captureLogger();
    const texts: string[] = [];

    // Login: the code and verifier travel only to the token endpoint.
    const t = io();
    const browsing: Promise<URL>[] = [];
    const exit = await runAuthCommand('login', config, {
      ...t,
      fetch: fetchImpl,
      logger,
      openBrowser: (url) => void browsing.push(signInWithBrowser(url, { visitRedirect: true })),
    });
    const redirect = (await Promise.all(browsing))[0]!;
    secrets.add(redirect.searchParams.get('code')!);
    expect(exit).toBe(0);
    texts.push(t.stdout.text, t.stderr.text);

    // Requests, a renew after a 401, a refresh at expiry.
    const source = createTokenSource(config, { env: {}, logger, fetch: fetchImpl, recheckIntervalMs: 0 });
    const first = await source.current();
    const renewed = await source.renew(first);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await source.current();
    texts.push(await message(() => source.renew(first)));

    // invalid_grant after the grant is revoked: the error and its log line.
    const doc = JSON.parse(await readFile(config.auth.file, 'utf8')) as Record<string, string>;
    await fetchImpl(`${server.issuer}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ token: doc['refresh_token']!, client_id: CLIENT_ID }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    texts.push(await message(() => source.renew(renewed)));
    texts.push(await message(() => source.current()));
    texts.push(source.readiness().reason ?? '');
    source.close();

    const status = io();
    await runAuthCommand('status', config, { ...status, logger });
    const logout = io();
    await runAuthCommand('logout', config, { ...logout, fetch: fetchImpl, logger });
    texts.push(status.stdout.text, status.stderr.text, logout.stdout.text, logout.stderr.text);

    // A static key: stored, served, rejected.
    const keyConfig = testConfig(dir, { storage: 'file', file: `${dir}/key.json` });
    const login = io({}, FAKE_KEY);
    await runAuthCommand('login', keyConfig, login);
    const keySource = createTokenSource(keyConfig, { env: { ANTHROPIC_API_KEY: OTHER_FAKE_KEY }, logger });
    texts.push(await message(async () => keySource.renew(await keySource.current())));
    const keyStatus = io({ ANTHROPIC_API_KEY: OTHER_FAKE_KEY });
    await runAuthCommand('status', keyConfig, keyStatus);
    texts.push(login.stdout.text, login.stderr.text, keyStatus.stdout.text, keyStatus.stderr.text);

    expect(lines.length).toBeGreaterThan(3);
    expect(lines.some((l) => l.includes('"level":20'))).toBe(true);
    expect(texts.join('\n')).toContain('claudine auth login');
    expect(secrets.size).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) {
      for (const line of [...lines, ...texts])
        expect(line.includes(secret), `${line} contains a secret`).toBe(false);
    }
  });
});
