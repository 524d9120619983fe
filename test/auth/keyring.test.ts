/**
 * The OS keyring, for real. On Linux @napi-rs/keyring tries the Secret Service (D-Bus) first and falls
 * back to the kernel keyring (keyutils), which needs a session keyring: run the tests inside
 * `keyctl session - npm test` when there is no desktop session. Where the keyring cannot be used these
 * tests skip locally and FAIL in CI (CI=true), so a CI machine without a working keyring is noticed.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, type TestContext } from 'vitest';
import { createTokenSource, runAuthCommand } from '../../src/auth/index.js';
import type { OAuthCredential } from '../../src/auth/document.js';
import { KeyringStore } from '../../src/auth/stores/index.js';
import { FAKE_KEY, io, TEST_KEYRING_SERVICE, testConfig } from './helpers.js';

/** A service of the tests' own and a fresh account name per run: a developer's own entry is never touched. */
const account = (): string => `claudine-test-${process.pid}-${randomBytes(4).toString('hex')}`;

async function probe(): Promise<string | null> {
  try {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    const entry = new AsyncEntry(TEST_KEYRING_SERVICE, account());
    await entry.setPassword('probe');
    const back = await entry.getPassword();
    await entry.deletePassword();
    return back === 'probe' ? null : 'the keyring returned something else than was stored';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const unavailable = await probe();

function requireKeyring(ctx: TestContext): void {
  if (unavailable === null) return;
  if (process.env['CI'] === 'true') {
    throw new Error(
      `the OS keyring does not work here (${unavailable}); on Linux CI install keyutils and run the tests ` +
        'inside `keyctl session - npm test`',
    );
  }
  ctx.skip(`OS keyring unavailable: ${unavailable}`);
}

describe('the OS keyring store, for real', () => {
  it('stores an API key with auth login, serves it, shows it as present and removes it on logout', async (ctx) => {
    requireKeyring(ctx);
    const config = testConfig('/nonexistent', { storage: 'keyring', keyring_user: account() });
    const login = io({}, FAKE_KEY);
    expect(await runAuthCommand('login', config, login)).toBe(0);
    expect(login.stdout.text).toContain(
      `keyring (service "${TEST_KEYRING_SERVICE}", account "${config.auth.keyring_user}")`,
    );
    try {
      const source = createTokenSource(config, { env: {} });
      expect(await source.current()).toEqual({ 'x-api-key': FAKE_KEY });

      const status = io();
      expect(await runAuthCommand('status', config, status)).toBe(0);
      expect(status.stdout.text).toMatch(/credential:\s+API key present/);
      expect(status.stdout.text).not.toContain(FAKE_KEY);
    } finally {
      expect(await runAuthCommand('logout', config, io())).toBe(0);
    }
    expect(
      await new KeyringStore(config.auth.keyring_user, undefined, TEST_KEYRING_SERVICE).read(),
    ).toBeNull();
  });

  it('keeps an OAuth document whole: tokens, expiry and last refresh', async (ctx) => {
    requireKeyring(ctx);
    const store = new KeyringStore(account(), undefined, TEST_KEYRING_SERVICE);
    const doc: OAuthCredential = {
      v: 1,
      method: 'oauth',
      access_token: 'test-access-not-real',
      refresh_token: 'test-refresh-not-real',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      scope: 'openid offline_access',
      obtained_at: new Date().toISOString(),
      last_refresh: null,
    };
    try {
      await store.write(doc);
      expect(await store.read()).toEqual(doc);
      await store.write({ ...doc, refresh_token: 'test-rotated-not-real', last_refresh: doc.obtained_at });
      expect(await store.read()).toMatchObject({ refresh_token: 'test-rotated-not-real' });
    } finally {
      expect(await store.remove()).toBe(true);
    }
    expect(await store.remove()).toBe(false);
  });
});
