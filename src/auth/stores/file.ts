import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseCredential, serializeCredential, type StoredCredential } from '../document.js';
import { CredentialStoreError, errorMessage, type CredentialStore } from './types.js';

const isErrno = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;

/** A credential document is a few KiB; anything much larger is not one. */
const MAX_FILE_BYTES = 1024 * 1024;
/** A temporary file this old belongs to a write that will never finish, even if its pid was reused. */
const STALE_TEMP_MS = 10 * 60_000;

/**
 * A JSON file, replaced atomically (temporary file in the same directory, fsync, rename) so a crash or a
 * concurrent reader never sees half a document. On POSIX the file is 0600 in a directory created 0700, and a
 * file that group or others can access is refused: someone may already have read it. Windows has no mode
 * bits to check; the file inherits the profile directory's ACL.
 *
 * A write that was killed half-way leaves its temporary file (with the new secret in it) behind: the next
 * write removes temporary files whose writer is gone, and `remove` (logout) removes all of them.
 */
export class FileStore implements CredentialStore {
  readonly description: string;
  readonly readOnly = false;
  readonly #path: string;
  readonly #posix: boolean;

  constructor(path: string, platform: NodeJS.Platform = process.platform) {
    this.#path = path;
    this.#posix = platform !== 'win32';
    this.description = `file ${path}`;
  }

  get path(): string {
    return this.#path;
  }

  async read(): Promise<StoredCredential | null> {
    let text: string;
    try {
      // O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; fstat then refuses it. The
      // checks run on the opened handle, so the file cannot be swapped between check and read.
      const handle = await open(this.#path, constants.O_RDONLY | (this.#posix ? constants.O_NONBLOCK : 0));
      try {
        const info = await handle.stat();
        if (!info.isFile()) {
          throw new CredentialStoreError(
            `${this.#path} is not a regular file; remove it and run \`claudine auth login\``,
            'corrupt',
          );
        }
        const mode = info.mode & 0o777;
        if (this.#posix && (mode & 0o077) !== 0) {
          throw new CredentialStoreError(
            `${this.#path} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}); ` +
              `run \`chmod 600 ${this.#path}\`, and if others may have read it, log in again`,
            'insecure',
          );
        }
        if (info.size > MAX_FILE_BYTES) {
          throw new CredentialStoreError(
            `${this.#path} is too large to be a claudine credential file; delete it and run \`claudine auth login\``,
            'corrupt',
          );
        }
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error instanceof CredentialStoreError) throw error;
      if (isErrno(error, 'ENOENT')) return null;
      throw new CredentialStoreError(`cannot read ${this.#path}: ${errorMessage(error)}`, 'io');
    }
    const credential = parseCredential(text);
    if (credential === null) {
      throw new CredentialStoreError(
        `${this.#path} is not a claudine credential file; delete it and run \`claudine auth login\``,
        'corrupt',
      );
    }
    return credential;
  }

  async write(credential: StoredCredential): Promise<void> {
    const dir = dirname(this.#path);
    const temp = join(dir, `${this.#tempPrefix()}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // Only directories claudine creates are made 0700; an existing one (say $HOME) is left as it is.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await this.#removeTemps((pid, ageMs) => !isAlive(pid) || ageMs > STALE_TEMP_MS);
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(serializeCredential(credential), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.#path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw new CredentialStoreError(`cannot write ${this.#path}: ${errorMessage(error)}`, 'io');
    }
    if (this.#posix) await syncDirectory(dir);
  }

  /** Removes the file and every temporary file an interrupted write left beside it. */
  async remove(): Promise<boolean> {
    let removed = (await this.#removeTemps(() => true)) > 0;
    try {
      await unlink(this.#path);
      removed = true;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) {
        throw new CredentialStoreError(`cannot remove ${this.#path}: ${errorMessage(error)}`, 'io');
      }
    }
    return removed;
  }

  #tempPrefix(): string {
    return `.${basename(this.#path)}.`;
  }

  /** Removes this store's temporary files (`.<name>.<pid>.<random>.tmp`) that `which` selects; returns how many. */
  async #removeTemps(which: (pid: number, ageMs: number) => boolean): Promise<number> {
    const dir = dirname(this.#path);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0;
    }
    const prefix = this.#tempPrefix();
    let count = 0;
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const pid = Number(name.slice(prefix.length).split('.')[0]);
      const path = join(dir, name);
      try {
        const ageMs = Date.now() - (await stat(path)).mtimeMs;
        if (!which(Number.isSafeInteger(pid) ? pid : -1, ageMs)) continue;
        await unlink(path);
        count++;
      } catch {
        // Gone already, or not ours to remove: the next attempt tries again.
      }
    }
    return count;
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process of another user has that pid — alive, and not this store's writer, but leave it.
    return isErrno(error, 'EPERM');
  }
}

/** Makes the rename itself durable; best effort (some file systems refuse to open directories). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The document is already in place; only its durability across a power cut is at stake.
  }
}
