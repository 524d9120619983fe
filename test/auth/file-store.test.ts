import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StaticCredential } from '../../src/auth/document.js';
import { CredentialStoreError, FileStore } from '../../src/auth/stores/index.js';
import { FAKE_KEY, tempDir } from './helpers.js';

const posix = process.platform !== 'win32';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const credential = (key: string): StaticCredential => ({
  v: 1,
  method: 'static',
  api_key: key,
  saved_at: new Date().toISOString(),
});

describe('the file credential store', () => {
  it.runIf(posix)('creates the file 0600 in a new directory 0700', async () => {
    const path = join(await dir(), 'nested', 'claudine', 'auth.json');
    await new FileStore(path).write(credential(FAKE_KEY));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(path, '..'))).mode & 0o777).toBe(0o700);
    expect(await new FileStore(path).read()).toMatchObject({ method: 'static', api_key: FAKE_KEY });
  });

  it('replaces the file atomically: concurrent readers only ever see a whole document, and no temp file is left', async () => {
    const base = await dir();
    const path = join(base, 'auth.json');
    const store = new FileStore(path);
    await store.write(credential('sk-ant-test-0'));
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 60; i += 1)
        await store.write(credential(`sk-ant-test-${i}-${'x'.repeat(i * 50)}`));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const doc = await store.read();
      expect(doc?.method).toBe('static');
      reads += 1;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect(await readdir(base)).toEqual(['auth.json']);
  });

  it.runIf(posix)('refuses a file that group or others can read, saying how to fix it', async () => {
    const path = join(await dir(), 'auth.json');
    await new FileStore(path).write(credential(FAKE_KEY));
    await chmod(path, 0o644);
    const error: unknown = await new FileStore(path).read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialStoreError);
    expect((error as CredentialStoreError).kind).toBe('insecure');
    expect((error as Error).message).toContain(`chmod 600 ${path}`);
    expect((error as Error).message).toContain('0644');
    expect((error as Error).message).not.toContain(FAKE_KEY);
  });

  it('skips the mode check on Windows', async () => {
    const path = join(await dir(), 'auth.json');
    await new FileStore(path).write(credential(FAKE_KEY));
    await chmod(path, 0o644);
    expect(await new FileStore(path, 'win32').read()).toMatchObject({ api_key: FAKE_KEY });
  });

  it('reports a damaged file without quoting its content', async () => {
    const base = await dir();
    const path = join(base, 'auth.json');
    await mkdir(base, { recursive: true });
    await writeFile(path, `{"api_key": "${FAKE_KEY}"`, { mode: 0o600 });
    const error: unknown = await new FileStore(path).read().catch((e: unknown) => e);
    expect((error as CredentialStoreError).kind).toBe('corrupt');
    expect((error as Error).message).toContain('claudine auth login');
    expect((error as Error).message).not.toContain(FAKE_KEY);
  });

  it('reads nothing from a missing file and removes an existing one', async () => {
    const path = join(await dir(), 'auth.json');
    const store = new FileStore(path);
    expect(await store.read()).toBeNull();
    expect(await store.remove()).toBe(false);
    await store.write(credential(FAKE_KEY));
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ api_key: FAKE_KEY });
    expect(await store.remove()).toBe(true);
    expect(await store.read()).toBeNull();
  });
});
