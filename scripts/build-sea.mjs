#!/usr/bin/env node
/**
 * `npm run build:sea`: claudine as one executable file (Node's single executable applications) for the
 * platform this runs on — built and tested on Linux x64. Everything comes from the npm registry: esbuild
 * bundles src/ and its dependencies into one CommonJS file, Node turns it into a blob, postject injects the
 * blob into a copy of the running `node` binary.
 *
 * Output in build/sea/: `claudine` and `keyring.node` (the OS keyring addon, which cannot live inside the
 * executable; keep it beside it — without it the keyring is reported unavailable and the file store works).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { inject } from 'postject';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build', 'sea');
const exe = join(out, process.platform === 'win32' ? 'claudine.exe' : 'claudine');
const bundle = join(out, 'claudine.cjs');
const blob = join(out, 'claudine.blob');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The native addon is loaded from beside the executable at run time (src/auth/stores/keyring.ts).
  external: ['@napi-rs/keyring'],
  define: { __CLAUDINE_VERSION__: JSON.stringify(version) },
  // version() reads package.json through import.meta only when __CLAUDINE_VERSION__ is not set.
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
  logLevel: 'warning',
});

const config = join(out, 'sea-config.json');
writeFileSync(
  config,
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {
  sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ...(process.platform === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
});

// The keyring addon of this platform, from @napi-rs/keyring's optional dependency that npm installed.
const requireFromKeyring = createRequire(createRequire(import.meta.url).resolve('@napi-rs/keyring'));
const scope = dirname(dirname(requireFromKeyring.resolve('@napi-rs/keyring/package.json')));
const platformDirs = readdirSync(scope).filter((d) =>
  d.startsWith(`keyring-${process.platform}-${process.arch}`),
);
const addon = platformDirs
  .flatMap((d) => readdirSync(join(scope, d)).map((f) => join(scope, d, f)))
  .find((f) => f.endsWith('.node'));
if (addon === undefined) {
  console.warn(
    `build-sea: no keyring addon for ${process.platform}-${process.arch}; the executable will use the file store`,
  );
} else {
  copyFileSync(addon, join(out, 'keyring.node'));
}

for (const f of [bundle, blob, config]) rmSync(f, { force: true });
const mb = (statSync(exe).size / 1024 / 1024).toFixed(1);
console.log(`build-sea: ${exe} (${mb} MiB, node ${process.version})${addon ? ' + keyring.node' : ''}`);
