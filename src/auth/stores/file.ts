import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseCredential, serializeCredential, type StoredCredential } from '../document.js';
import { CredentialStoreError, errorMessage, type CredentialStore } from './types.js';

const isErrno = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;

/**
 * A JSON file, replaced atomically (temporary file in the same directory, fsync, rename) so a crash or a
 * concurrent reader never sees half a document. On POSIX the file is 0600 in a directory created 0700, and a
 * file that group or others can access is refused: someone may already have read it. Windows has no mode
 * bits to check; the file inherits the profile directory's ACL.
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

  async read(): Promise<StoredCredential | null> {
    let text: string;
    try {
      if (this.#posix) {
        const mode = (await stat(this.#path)).mode & 0o777;
        if ((mode & 0o077) !== 0) {
          throw new CredentialStoreError(
            `${this.#path} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}); ` +
              `run \`chmod 600 ${this.#path}\`, and if others may have read it, log in again`,
            'insecure',
          );
        }
      }
      text = await readFile(this.#path, 'utf8');
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
    const temp = join(dir, `.${basename(this.#path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // Only directories claudine creates are made 0700; an existing one (say $HOME) is left as it is.
      await mkdir(dir, { recursive: true, mode: 0o700 });
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

  async remove(): Promise<boolean> {
    try {
      await unlink(this.#path);
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw new CredentialStoreError(`cannot remove ${this.#path}: ${errorMessage(error)}`, 'io');
    }
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
