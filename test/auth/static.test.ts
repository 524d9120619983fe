import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenSource, runAuthCommand, type KeyringFactory } from '../../src/auth/index.js';
import type { Config } from '../../src/config/index.js';
import { AuthError } from '../../src/errors.js';
import { FAKE_KEY, io, OTHER_FAKE_KEY, tempDir, testConfig } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fileConfig(auth: Partial<Config['auth']> = {}): Promise<Config> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return testConfig(t.dir, { storage: 'file', ...auth });
}

/** A keyring whose every call fails the way a machine without a Secret Service does. */
const brokenKeyring: KeyringFactory = () => {
  throw new Error('Platform secure storage failure: no Secret Service');
};

const failure = async (run: () => unknown): Promise<unknown> =>
  Promise.resolve()
    .then(run)
    .then(
      () => null,
      (e: unknown) => e,
    );

describe('claudine auth login/status/logout with an API key', () => {
  it('stores a key piped on stdin, reports it without showing it, and removes it on logout', async () => {
    const config = await fileConfig();
    const login = io({}, `${FAKE_KEY}\n`);
    expect(await runAuthCommand('login', config, login)).toBe(0);
    expect(login.stdout.text).toContain(`file ${config.auth.file}`);
    expect(login.stdout.text + login.stderr.text).not.toContain(FAKE_KEY);

    const source = createTokenSource(config, { env: {} });
    expect(await source.current()).toEqual({ 'x-api-key': FAKE_KEY });

    const status = io();
    expect(await runAuthCommand('status', config, status)).toBe(0);
    expect(status.stdout.text).toMatch(/method:\s+static/);
    expect(status.stdout.text).toMatch(/credential:\s+API key present/);
    expect(status.stdout.text + status.stderr.text).not.toContain(FAKE_KEY);

    const logout = io();
    expect(await runAuthCommand('logout', config, logout)).toBe(0);
    expect(logout.stdout.text).toContain('Removed');
    await expect(stat(config.auth.file)).rejects.toThrow(/ENOENT/);
    const after = io();
    expect(await runAuthCommand('status', config, after)).toBe(1);
    expect(after.stdout.text).toContain('claudine auth login');
  });

  it('refuses an empty key', async () => {
    const config = await fileConfig();
    const t = io({}, '\n');
    expect(await runAuthCommand('login', config, t)).toBe(1);
    expect(t.stderr.text).toContain('no API key');
  });

  it('says when ANTHROPIC_API_KEY is used because nothing is stored', async () => {
    const config = await fileConfig();
    const t = io({ ANTHROPIC_API_KEY: FAKE_KEY });
    expect(await runAuthCommand('status', config, t)).toBe(0);
    expect(t.stdout.text).toContain('using ANTHROPIC_API_KEY');
    expect(t.stdout.text).not.toContain(FAKE_KEY);
  });

  it('cannot log in or out with env storage, and says what to do instead', async () => {
    const config = await fileConfig({ storage: 'env', env_key: 'MY_KEY' });
    const t = io({}, FAKE_KEY);
    expect(await runAuthCommand('login', config, t)).toBe(2);
    expect(t.stderr.text).toContain('MY_KEY');
  });
});

describe('the static token source', () => {
  it('prefers the stored key over ANTHROPIC_API_KEY and serves it synchronously after the first read', async () => {
    const config = await fileConfig();
    await runAuthCommand('login', config, io({}, FAKE_KEY));
    const source = createTokenSource(config, { env: { ANTHROPIC_API_KEY: OTHER_FAKE_KEY } });
    const first = await source.current();
    expect(first).toEqual({ 'x-api-key': FAKE_KEY });
    expect(source.current()).toBe(first);
    expect(source.readiness()).toEqual({ ready: true, source: `file ${config.auth.file}` });
  });

  it('uses ANTHROPIC_API_KEY when nothing is stored, so no login is needed', async () => {
    const source = createTokenSource(await fileConfig(), { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(await source.current()).toEqual({ 'x-api-key': FAKE_KEY });
  });

  it('reads the key from auth.env_key with env storage', async () => {
    const config = await fileConfig({ storage: 'env', env_key: 'MY_KEY' });
    const source = createTokenSource(config, { env: { MY_KEY: FAKE_KEY } });
    expect(await source.current()).toEqual({ 'x-api-key': FAKE_KEY });
  });

  it('without any key, tells the client to log in or set ANTHROPIC_API_KEY, and picks up a later login', async () => {
    const config = await fileConfig();
    const source = createTokenSource(config, { env: {}, recheckIntervalMs: 30 });
    const error = await failure(() => source.current());
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('claudine auth login');
    expect((error as Error).message).toContain('ANTHROPIC_API_KEY');
    expect(source.readiness().ready).toBe(false);

    await runAuthCommand('login', config, io({}, FAKE_KEY));
    await sleep(40);
    expect(await source.current()).toEqual({ 'x-api-key': FAKE_KEY });
    expect(source.readiness().ready).toBe(true);
  });

  it('falls back to ANTHROPIC_API_KEY when the keyring is unavailable, and reports the keyring error', async () => {
    const config = testConfig('/nonexistent', { storage: 'keyring' });
    const source = createTokenSource(config, {
      env: { ANTHROPIC_API_KEY: FAKE_KEY },
      keyring: brokenKeyring,
    });
    expect(await source.current()).toEqual({ 'x-api-key': FAKE_KEY });
    const readiness = source.readiness();
    expect(readiness.ready).toBe(true);
    expect(readiness.reason).toContain('no Secret Service');

    const status = io({ ANTHROPIC_API_KEY: FAKE_KEY });
    expect(await runAuthCommand('status', config, { ...status, keyring: brokenKeyring })).toBe(0);
    expect(status.stdout.text).toMatch(/store error:\s+the OS keyring is unavailable/);
    expect(status.stdout.text).toContain('using ANTHROPIC_API_KEY');
  });

  it('does not crash when the keyring is unavailable and no key is set: the error says what to do', async () => {
    const config = testConfig('/nonexistent', { storage: 'keyring' });
    const source = createTokenSource(config, { env: {}, keyring: brokenKeyring });
    const error = await failure(() => source.current());
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('keyring is unavailable');
    expect((error as Error).message).toContain('auth.storage = "file"');
    expect(source.readiness()).toMatchObject({ ready: false });
  });

  it('renew after a 401 returns a newly stored key, and otherwise says to log in', async () => {
    const config = await fileConfig();
    await runAuthCommand('login', config, io({}, FAKE_KEY));
    const source = createTokenSource(config, { env: {} });
    const rejected = await source.current();
    const error = await failure(() => source.renew(rejected));
    expect((error as Error).message).toContain('claudine auth login');
    await runAuthCommand('login', config, io({}, OTHER_FAKE_KEY));
    expect(await source.renew(rejected)).toEqual({ 'x-api-key': OTHER_FAKE_KEY });
  });
});

describe('the oauth method with a bare access token from the environment', () => {
  it('sends it as a bearer token and explains that it cannot be refreshed', async () => {
    const config = await fileConfig({ method: 'oauth', storage: 'env', env_key: 'MY_TOKEN' });
    const source = createTokenSource(config, { env: { MY_TOKEN: 'test-token-not-real' } });
    const headers = await source.current();
    expect(headers).toEqual({ authorization: 'Bearer test-token-not-real' });
    const error = await failure(() => source.renew(headers));
    expect((error as Error).message).toContain('MY_TOKEN');
    expect((error as Error).message).not.toContain('test-token-not-real');
  });
});
