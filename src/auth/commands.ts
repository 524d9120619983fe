/** `claudine auth login | logout | status`: what a person runs; everything printed is free of secrets. */
import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';
import { expiryMs, type OAuthCredential, type StoredCredential } from './document.js';
import { openInBrowser } from './browser.js';
import { loopbackRedirect, startLoopbackReceiver, type CallbackParams } from './loopback.js';
import { createPkce, createState, OAuthClient, oauthConfigProblem, type FetchLike } from './oauth.js';
import { PromptCancelled, readAll, readHidden, readLine, type Input } from './prompt.js';
import { FALLBACK_ENV_KEY } from './static-source.js';
import {
  createStore,
  CredentialStoreError,
  FileStore,
  KeyringStore,
  type CredentialStore,
  type KeyringFactory,
} from './stores/index.js';
import { errorMessage } from './stores/types.js';

export type AuthSubcommand = 'login' | 'logout' | 'status';

export interface AuthCommandIO {
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Defaults to xdg-open / open / start, detached, failures ignored. */
  readonly openBrowser?: ((url: string) => void) | undefined;
  /** Defaults to the global fetch. */
  readonly fetch?: FetchLike | undefined;
  readonly logger?: Logger | undefined;
  /** How long `login` waits for the browser's redirect; 5 minutes by default. */
  readonly loginTimeoutMs?: number | undefined;
  /** Testing seam: a stand-in for the OS keyring. */
  readonly keyring?: KeyringFactory | undefined;
  /**
   * How the storage settings were chosen and how to remember a choice; from the CLI. Without it, login
   * treats auth.storage as chosen explicitly and remembers nothing.
   */
  readonly choices?: StorageChoices | undefined;
}

/** Where `auth.storage` and `auth.file` came from, and a way to write a choice into the config file. */
export interface StorageChoices {
  readonly storageSource: 'default' | 'file' | 'env' | 'flag';
  readonly fileSource: 'default' | 'file' | 'env' | 'flag';
  /** The config file a remembered choice is written to. */
  readonly configFile: string;
  /** Writes the settings into configFile; throws (with a message for people) when it cannot. */
  readonly remember: (values: Readonly<Record<string, string>>) => void;
}

/** Exit codes: 0 done, 1 failed (the message says why), 2 the configuration does not allow it. */
export async function runAuthCommand(
  subcommand: AuthSubcommand,
  config: Config,
  io: AuthCommandIO,
): Promise<number> {
  const store = createStore(config, io.env, io.keyring);
  const say = (line: string): void => void io.stdout.write(`${line}\n`);
  const fail = (line: string, code = 1): number => {
    io.stderr.write(`claudine: ${line}\n`);
    return code;
  };
  try {
    switch (subcommand) {
      case 'login': {
        const target = await loginTarget(config, store, io, fail);
        if (typeof target === 'number') return target;
        const code =
          config.auth.method === 'static'
            ? await loginStatic(target.store, io, say, fail)
            : await loginOAuth(config, target.store, io, say, fail);
        if (code !== 0) return code;
        if (target.store instanceof KeyringStore && kernelKeyringLikely(io.env)) {
          say(
            'Note: with no desktop session this is most likely the kernel keyring, which forgets the key at logout ' +
              'or reboot; `claudine auth login --auth--storage file` keeps it in a file (mode 0600) instead.',
          );
        }
        return rememberChoice(target, io, say, fail);
      }
      case 'logout':
        return await logout(config, store, io, say, fail);
      case 'status':
        return await status(config, store, io, say);
    }
  } catch (error) {
    if (error instanceof PromptCancelled) return fail('login cancelled');
    return fail(errorMessage(error));
  }
}

type Say = (line: string) => void;
type Fail = (line: string, code?: number) => number;

interface LoginTarget {
  readonly store: CredentialStore;
  /** Settings to write into the config file once the credential is stored, so `start` looks there. */
  readonly remember: Readonly<Record<string, string>> | null;
}

/**
 * Where login will store the credential, decided before anything is asked or written. A keyring is tried
 * first (on its own probe entry): when it cannot be used and the user did not ask for it, a person at a
 * terminal is offered the file store; otherwise login stops here, having written nothing, and says how to
 * use the file store instead.
 */
async function loginTarget(
  config: Config,
  store: CredentialStore,
  io: AuthCommandIO,
  fail: Fail,
): Promise<LoginTarget | number> {
  const choices = io.choices;
  const explicitRemember = (storage: string): Record<string, string> | null => {
    if (choices?.storageSource !== 'flag') return null;
    return {
      'auth.storage': storage,
      ...(storage === 'file' && choices.fileSource === 'flag' ? { 'auth.file': config.auth.file } : {}),
    };
  };
  if (!(store instanceof KeyringStore)) return { store, remember: explicitRemember(config.auth.storage) };

  const problem = await store.probe();
  if (problem === null) return { store, remember: explicitRemember('keyring') };

  const file = config.auth.file;
  const rememberIn = choices !== undefined ? ` and remembers that choice in ${choices.configFile}` : '';
  const input = io.stdin as Input;
  if (choices?.storageSource === 'default' && input.isTTY === true) {
    io.stderr.write(`The OS keyring cannot be used here (${problem}).
`);
    const answer = await readLine(
      input,
      io.stderr,
      `Store the credential in the file ${file} (readable only by you) instead, and remember that in ${choices.configFile}? [Y/n] `,
    );
    if (!/^(y|yes)?$/i.test(answer.trim())) return fail('nothing was stored');
    return { store: new FileStore(file), remember: { 'auth.storage': 'file' } };
  }
  return fail(
    `the OS keyring cannot be used here (${problem}); nothing was stored. ` +
      `Use the file store instead: \`claudine auth login --auth--storage file\` keeps the credential in ${file} ` +
      `(mode 0600, readable only by you)${rememberIn}` +
      (choices?.storageSource === 'env' ? ' (unset CLAUDINE_AUTH__STORAGE first)' : ''),
  );
}

/** Writes the storage choice into the config file; if that fails, the new credential is removed again. */
async function rememberChoice(target: LoginTarget, io: AuthCommandIO, say: Say, fail: Fail): Promise<number> {
  const choices = io.choices;
  if (target.remember === null || choices === undefined) return 0;
  try {
    choices.remember(target.remember);
  } catch (error) {
    await target.store.remove().catch(() => false);
    return fail(
      `${errorMessage(error)}; the credential was removed again so that claudine does not look for it elsewhere`,
    );
  }
  const written = Object.entries(target.remember)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ');
  say(`Remembered ${written} in ${choices.configFile}: \`claudine start\` will find the credential there.`);
  return 0;
}

async function loginStatic(store: CredentialStore, io: AuthCommandIO, say: Say, fail: Fail): Promise<number> {
  if (store.readOnly) {
    return fail(
      `auth.storage is "env": claudine reads the key from the ${store.description} and stores nothing`,
      2,
    );
  }
  const input = io.stdin as Input;
  const key =
    input.isTTY === true
      ? await readHidden(input, io.stderr, 'Anthropic API key (input hidden): ')
      : await readAll(input);
  if (key === '') return fail('no API key given; type or pipe the key, e.g. `claudine auth login < key.txt`');
  if (/\s/.test(key)) return fail('the API key contains whitespace; give exactly one key');
  await store.write({ v: 1, method: 'static', api_key: key, saved_at: new Date().toISOString() });
  say(`Saved the API key to the ${store.description}.`);
  return 0;
}

async function loginOAuth(
  config: Config,
  store: CredentialStore,
  io: AuthCommandIO,
  say: Say,
  fail: Fail,
): Promise<number> {
  const settings = config.auth.oauth;
  const problem = oauthConfigProblem(settings);
  if (problem !== null) return fail(problem, 2);
  if (store.readOnly) {
    return fail(
      `auth.storage is "env": claudine reads a bare access token from the ${store.description} and stores nothing; ` +
        'set auth.storage = "keyring" or "file" to log in',
      2,
    );
  }
  const client = new OAuthClient(settings, io.fetch, io.logger ?? null);
  const endpoints = await client.endpoints();
  const pkce = createPkce();
  const state = createState();
  const loopback = loopbackRedirect(settings.redirect_uri);
  const receiver =
    loopback === null ? null : await startLoopbackReceiver(loopback, state, io.loginTimeoutMs ?? 300_000);
  try {
    const redirectUri = receiver?.redirectUri ?? settings.redirect_uri;
    const url = await client.authorizationUrl(redirectUri, state, pkce);
    say(`Open this URL in your browser to sign in:\n\n  ${url}\n`);
    (io.openBrowser ?? openInBrowser)(url);

    let params: CallbackParams;
    if (receiver !== null) {
      io.stderr.write(`Waiting for the browser to return to ${redirectUri} …\n`);
      params = await receiver.result;
    } else {
      const pasted = await readLine(io.stdin, io.stderr, 'Paste the code shown after signing in: ');
      params = parsePastedCode(pasted);
      if (params.state !== null && params.state !== state) {
        return fail(
          'the pasted code belongs to another login attempt (state mismatch); run `claudine auth login` again',
        );
      }
    }
    if (params.error !== null) {
      return fail(
        `the authorization server refused the login: ${params.error}` +
          (params.errorDescription !== null ? ` (${params.errorDescription})` : ''),
      );
    }
    // RFC 9207: an answer naming another issuer is a mix-up attack.
    if (params.iss !== null && endpoints.issuer !== null && params.iss !== endpoints.issuer) {
      return fail(`the login answer came from issuer ${params.iss}, not ${endpoints.issuer}; not using it`);
    }
    if (params.code === null || params.code === '') return fail('no authorization code received');

    const tokens = await client.exchangeCode(params.code, redirectUri, pkce.verifier);
    const now = Date.now();
    const credential: OAuthCredential = {
      v: 1,
      method: 'oauth',
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires_at: tokens.expiresIn === null ? null : new Date(now + tokens.expiresIn * 1000).toISOString(),
      scope: tokens.scope,
      obtained_at: new Date(now).toISOString(),
      last_refresh: null,
    };
    await store.write(credential);
    say(`Signed in. Tokens saved to the ${store.description}.`);
    say(`Access token expires: ${describeExpiry(credential, now)}`);
    if (tokens.refreshToken === null) {
      say('The provider sent no refresh token: run `claudine auth login` again when the token expires.');
    }
    return 0;
  } finally {
    receiver?.close();
  }
}

/** Accepts `code`, `code#state`, or the whole redirect URL. */
export function parsePastedCode(text: string): CallbackParams {
  const none = { iss: null, error: null, errorDescription: null };
  if (/^https?:\/\//.test(text)) {
    const q = new URL(text).searchParams;
    return {
      code: q.get('code'),
      state: q.get('state'),
      iss: q.get('iss'),
      error: q.get('error'),
      errorDescription: q.get('error_description'),
    };
  }
  const hash = text.indexOf('#');
  if (hash === -1) return { ...none, code: text, state: null };
  return { ...none, code: text.slice(0, hash), state: text.slice(hash + 1) };
}

async function logout(
  config: Config,
  store: CredentialStore,
  io: AuthCommandIO,
  say: Say,
  fail: Fail,
): Promise<number> {
  if (store.readOnly) {
    return fail(`auth.storage is "env": nothing is stored; unset the ${store.description} yourself`, 2);
  }
  let stored: StoredCredential | null = null;
  try {
    stored = await store.read();
  } catch (error) {
    // A corrupt or too-open file is still removed; an unreachable keyring fails below, after the other places.
    if (!(error instanceof CredentialStoreError)) throw error;
  }
  if (stored?.method === 'oauth' && oauthConfigProblem(config.auth.oauth) === null) {
    const client = new OAuthClient(config.auth.oauth, io.fetch, io.logger ?? null);
    try {
      let revoked = false;
      if (stored.refresh_token !== null) revoked = await client.revoke(stored.refresh_token, 'refresh_token');
      revoked = (await client.revoke(stored.access_token, 'access_token')) || revoked;
      say(
        revoked
          ? 'Revoked the tokens at the provider.'
          : 'No revocation endpoint is configured or discovered: the tokens stay valid at the provider until they expire.',
      );
    } catch (error) {
      io.stderr.write(
        `claudine: could not revoke the tokens (${errorMessage(error)}); removing them anyway\n`,
      );
    }
  }
  // The configured store first; then the other places a login may have written to since (a file store
  // chosen once, a keyring used before), so logout removes the credential wherever it ended up.
  let failure: unknown = null;
  try {
    say(
      (await store.remove())
        ? `Removed the credential from the ${store.description}.`
        : `Nothing was stored in the ${store.description}.`,
    );
  } catch (error) {
    failure = error;
  }
  for (const other of otherPlaces(config, store, io)) {
    try {
      if (await other.remove()) say(`Also removed a credential from the ${other.description}.`);
    } catch {
      // Unreachable (say, no keyring on this machine): then nothing can be stored there either.
    }
  }
  if (failure !== null) return fail(errorMessage(failure));
  const fallback = io.env[FALLBACK_ENV_KEY];
  if (config.auth.method === 'static' && fallback !== undefined && fallback.trim() !== '') {
    say(`${FALLBACK_ENV_KEY} is still set in this environment; claudine will use it.`);
  }
  return 0;
}

/** Linux without a D-Bus session: the keyring library falls back to the kernel keyring (not persistent). */
function kernelKeyringLikely(env: NodeJS.ProcessEnv): boolean {
  return process.platform === 'linux' && (env['DBUS_SESSION_BUS_ADDRESS'] ?? '') === '';
}

/** The stores besides the configured one where `auth login` may have put a credential. */
function otherPlaces(config: Config, store: CredentialStore, io: AuthCommandIO): CredentialStore[] {
  const places: CredentialStore[] = [];
  if (!(store instanceof FileStore && store.path === config.auth.file))
    places.push(new FileStore(config.auth.file));
  if (!(store instanceof KeyringStore)) {
    places.push(new KeyringStore(config.auth.keyring_user, io.keyring, config.auth.keyring_service));
  }
  return places;
}

async function status(config: Config, store: CredentialStore, io: AuthCommandIO, say: Say): Promise<number> {
  const row = (label: string, value: string): void => say(`${`${label}:`.padEnd(15)}${value}`);
  row('method', config.auth.method);
  row('storage', store.description);
  let stored: StoredCredential | null = null;
  let storeError: string | null = null;
  try {
    stored = await store.read();
  } catch (error) {
    storeError = errorMessage(error);
    row('store error', storeError);
  }
  const fallback = io.env[FALLBACK_ENV_KEY]?.trim();
  const hasFallback = fallback !== undefined && fallback !== '';
  const now = Date.now();
  if (stored !== null && stored.method !== config.auth.method) {
    row('stored', `a credential for auth.method = "${stored.method}", which is not in use`);
  } else if (stored?.method === 'static') {
    row('credential', `API key present (saved ${stored.saved_at})`);
    return 0;
  } else if (stored?.method === 'oauth') {
    const usable = stored.refresh_token !== null || now < expiryMs(stored);
    row(
      'credential',
      `OAuth tokens present (refresh token: ${stored.refresh_token !== null ? 'yes' : 'no'})`,
    );
    row('expires', describeExpiry(stored, now));
    row('last refresh', stored.last_refresh ?? 'never');
    row('signed in', stored.obtained_at);
    if (stored.scope !== null) row('scope', stored.scope);
    const o = config.auth.oauth;
    if (o.issuer !== '') row('issuer', o.issuer);
    else if (o.token_url !== '') row('token endpoint', o.token_url);
    return usable ? 0 : 1;
  }
  if (hasFallback && (config.auth.method === 'static' || storeError !== null)) {
    row('credential', `none stored; using ${FALLBACK_ENV_KEY} from the environment`);
    return 0;
  }
  row(
    'credential',
    store.readOnly
      ? `none: the ${store.description} is not set`
      : `none: run \`claudine auth login\`${config.auth.method === 'static' ? ` or set ${FALLBACK_ENV_KEY}` : ''}`,
  );
  return 1;
}

function describeExpiry(credential: OAuthCredential, now: number): string {
  if (credential.expires_at === null) return 'unknown (the provider did not say)';
  const delta = expiryMs(credential) - now;
  const minutes = Math.round(Math.abs(delta) / 60_000);
  const span = minutes >= 120 ? `${Math.round(minutes / 60)}h` : `${minutes}m`;
  return `${credential.expires_at} (${delta >= 0 ? `in ${span}` : `expired ${span} ago`})`;
}

/** A logger that drops everything, for callers that pass none. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
