/**
 * Writing a choice back into the config file, so later runs make it too: `claudine auth login --auth--storage
 * file` records `auth.storage = "file"` and `start` finds the credential there. Only string settings are
 * written. The rest of the file — other settings, comments, layout — stays as it is; the result is parsed
 * again before it replaces the file, which happens atomically.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError, getPath } from './load.js';
import { userConfigDir } from './schema.js';

/** Where a remembered choice goes: the config file that was read, else `<config dir>/config.toml`. */
export function configFileForChoices(file: string | null, env: NodeJS.ProcessEnv): string {
  return file ?? join(userConfigDir(env), 'config.toml');
}

/** Sets each `table.name` key to its string value in the TOML file at `path` (created if missing). */
export function rememberSettings(path: string, values: Readonly<Record<string, string>>): void {
  let text = '';
  let mode = 0o600;
  if (existsSync(path)) {
    try {
      text = readFileSync(path, 'utf8');
      mode = statSync(path).mode & 0o777;
    } catch (err) {
      throw new ConfigError(`cannot read ${path} to update it: ${(err as Error).message}`);
    }
  }
  for (const [key, value] of Object.entries(values)) text = setTomlString(text, key, value);

  let parsed: unknown;
  try {
    parsed = parseToml(text);
  } catch {
    parsed = undefined;
  }
  for (const [key, value] of Object.entries(values)) {
    if (getPath(parsed, key) !== value) {
      const wanted = Object.entries(values)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join(', ');
      throw new ConfigError(`could not update ${path} safely; add ${wanted} to it yourself`);
    }
  }

  const dir = dirname(path);
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.config.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temp, text, { mode, flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created.
    }
    throw new ConfigError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

const HEADER = /^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$/;

/** One key in TOML text: replaced where it is, else added to its table, else appended with a new table. */
function setTomlString(text: string, key: string, value: string): string {
  const dot = key.lastIndexOf('.');
  const table = dot === -1 ? '' : key.slice(0, dot);
  const name = key.slice(dot + 1);
  const assignment = `${name} = ${JSON.stringify(value)}`;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const assigns = (line: string, k: string): boolean => new RegExp(`^\\s*${escape(k)}\\s*=`).test(line);

  // Top level, before the first table: `auth.storage = …` (a dotted key) or, for table '', the key itself.
  let index = 0;
  for (; index < lines.length && !HEADER.test(lines[index] ?? ''); index++) {
    if (assigns(lines[index] ?? '', key)) {
      lines[index] = `${key} = ${JSON.stringify(value)}`;
      return lines.join('\n') + '\n';
    }
  }
  if (table === '') {
    lines.splice(index, 0, assignment);
    return lines.join('\n') + '\n';
  }
  const header = lines.findIndex((line) => HEADER.exec(line)?.[1] === table);
  if (header !== -1) {
    let end = header + 1;
    for (; end < lines.length && !HEADER.test(lines[end] ?? ''); end++) {
      if (assigns(lines[end] ?? '', name)) {
        lines[end] = assignment;
        return lines.join('\n') + '\n';
      }
    }
    lines.splice(header + 1, 0, assignment);
    return lines.join('\n') + '\n';
  }
  if (lines.length > 0) lines.push('');
  lines.push(`[${table}]`, assignment);
  return lines.join('\n') + '\n';
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
