/**
 * Real CLI clients whose packages are too big to be devDependencies (each ships a native binary of hundreds of
 * megabytes, which every `npm ci` — a new user's included — would otherwise fetch). A test that needs one
 * installs the pinned version once into node_modules/.cache (from the npm registry, or npm's own cache) and
 * reuses it on later runs.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './spawn.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment without npm's and the test runner's own variables. */
export function cleanClientEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|CLAUDINE_|ANTHROPIC_|OPENAI_|CODEX_|CLAUDE_|OTEL_|INIT_CWD|VITEST)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface PinnedClient {
  /** The folder holding `node_modules/` of the install. */
  dir: string;
  /** A file the install must have produced; its presence means the install is complete. */
  marker: string;
}

/**
 * Installs `name@version` into its own cache folder unless already there. `ignoreScripts` skips the package's
 * install scripts (for packages whose postinstall only copies a binary the test can find by itself).
 */
export async function ensurePinnedClient(
  name: string,
  version: string,
  options: { markerInPackage: string; ignoreScripts?: boolean },
): Promise<PinnedClient> {
  const dir = join(ROOT, 'node_modules', '.cache', `${name.replace(/[@/]/g, '_')}-${version}`);
  const marker = join(dir, 'node_modules', name, options.markerInPackage);
  if (existsSync(marker)) return { dir, marker };
  mkdirSync(dir, { recursive: true });
  const args = [
    'install',
    '--prefix',
    dir,
    '--no-save',
    '--no-package-lock',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    ...(options.ignoreScripts === true ? ['--ignore-scripts'] : []),
    `${name}@${version}`,
  ];
  const result = await run('npm', args, { env: cleanClientEnv({}), timeoutMs: 300_000 });
  if (result.code !== 0 || !existsSync(marker)) {
    throw new Error(`installing ${name}@${version} failed:\n${result.stderr}`);
  }
  return { dir, marker };
}
