import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable, type PassThrough } from 'node:stream';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';

/** The keyring service every test uses (`auth.keyring_service`): the user's `claudine` entries stay untouched. */
export const TEST_KEYRING_SERVICE = `claudine-test-${process.pid}`;

/** Obviously fake, short, never a real key. */
export const FAKE_KEY = 'sk-ant-test-not-a-real-key';
export const OTHER_FAKE_KEY = 'sk-ant-test-other-fake';

type AuthOverrides = Partial<Omit<Config['auth'], 'oauth'>> & { oauth?: Partial<Config['auth']['oauth']> };

/** The defaults, with auth.* replaced; no config file or CLAUDINE_* variable of the machine is read. */
export function testConfig(dir: string, auth: AuthOverrides = {}): Config {
  const { config } = loadConfig({ env: { XDG_CONFIG_HOME: dir }, flags: [], configPath: undefined });
  const base = structuredClone(config);
  return {
    ...base,
    auth: {
      ...base.auth,
      file: join(dir, 'claudine', 'auth.json'),
      // Never the user's own keyring entry, even in a test that forgets to choose its own.
      keyring_service: TEST_KEYRING_SERVICE,
      ...auth,
      oauth: { ...base.auth.oauth, ...auth.oauth },
    },
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'claudine-auth-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

/** A pino logger at debug level whose lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export interface TestIO {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: Capture;
  stderr: Capture;
}

export function io(env: NodeJS.ProcessEnv = {}, stdin: string | PassThrough = ''): TestIO {
  return {
    env,
    stdin: typeof stdin === 'string' ? Readable.from([stdin]) : stdin,
    stdout: new Capture(),
    stderr: new Capture(),
  };
}
