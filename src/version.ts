/** The running claudine's version (the CLI's --version, the status page). */
import { readFileSync } from 'node:fs';

/** Set by the single-executable build (scripts/build-sea.mjs), where there is no package.json to read. */
declare const __CLAUDINE_VERSION__: string | undefined;

export function version(): string {
  if (typeof __CLAUDINE_VERSION__ === 'string') return __CLAUDINE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
