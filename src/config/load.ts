/**
 * The one place settings are read: defaults < config.toml < CLAUDINE_* environment < command-line flags.
 * Nothing else in the code reads process.env or config files; the result is handed down from main.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { settingSpecs, userConfigDir, type Config, type SettingSpec } from './schema.js';
import { expandHome } from './values.js';

export type SourceKind = 'default' | 'file' | 'env' | 'flag';

/** Where a value came from: the kind, and the exact name a person would look for (file path, variable, flag). */
export interface ValueSource {
  readonly kind: SourceKind;
  readonly name: string;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly sources: ReadonlyMap<string, ValueSource>;
  /** The config file that was read, if any. */
  readonly file: string | null;
  readonly specs: readonly SettingSpec[];
}

/** A configuration flag as the CLI saw it: `--server--port 9000` → { flag: '--server--port', value: '9000' }. */
export interface ConfigFlag {
  readonly flag: string;
  readonly value: string;
}

export interface LoadInput {
  readonly env: NodeJS.ProcessEnv;
  readonly flags: readonly ConfigFlag[];
  /** `-c/--config PATH`; when absent, CLAUDINE_CONFIG, then `<config dir>/config.toml` if it exists. */
  readonly configPath?: string | undefined;
}

/** Raised for any invalid setting; the message names the key, where it came from, and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const ENV_PREFIX = 'CLAUDINE_';
/** Variables with the prefix that are not settings themselves. */
const ENV_NOT_SETTINGS = new Set(['CLAUDINE_CONFIG']);

/** `--server--port` → `server.port`; `--log-level` → `log_level`. */
export function flagToKey(flag: string): string {
  return flag
    .replace(/^--/, '')
    .split('--')
    .map((part) => part.replace(/-/g, '_'))
    .join('.');
}

/** `server.port` → `--server--port`. */
export function keyToFlag(key: string): string {
  return (
    '--' +
    key
      .split('.')
      .map((part) => part.replace(/_/g, '-'))
      .join('--')
  );
}

/** `server.port` → `CLAUDINE_SERVER__PORT`. */
export function keyToEnv(key: string): string {
  return ENV_PREFIX + key.split('.').join('__').toUpperCase();
}

function envToKey(name: string): string {
  return name.slice(ENV_PREFIX.length).toLowerCase().split('__').join('.');
}

function describe(source: ValueSource): string {
  switch (source.kind) {
    case 'default':
      return 'the default';
    case 'file':
      return source.name;
    case 'env':
    case 'flag':
      return source.name;
  }
}

/** Flattens TOML tables into dotted keys, keeping tables that are themselves a setting's value whole. */
function flattenToml(
  table: Record<string, unknown>,
  known: ReadonlySet<string>,
  prefix = '',
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, value] of Object.entries(table)) {
    const key = prefix + name;
    if (
      !known.has(key) &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !(value instanceof Date)
    ) {
      for (const [k, v] of flattenToml(value as Record<string, unknown>, known, key + '.')) out.set(k, v);
    } else {
      out.set(key, value);
    }
  }
  return out;
}

function readConfigFile(path: string, known: ReadonlySet<string>): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `config file ${path}: ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
    );
  }
  try {
    return flattenToml(parseToml(text), known);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`config file ${path}: invalid TOML: ${message}`);
  }
}

function chooseConfigFile(input: LoadInput): string | null {
  if (input.configPath !== undefined) return expandHome(input.configPath);
  const fromEnv = input.env['CLAUDINE_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return expandHome(fromEnv);
  const implicit = join(userConfigDir(input.env), 'config.toml');
  return existsSync(implicit) ? implicit : null;
}

export function loadConfig(input: LoadInput): LoadedConfig {
  const specs = settingSpecs(input.env);
  const byKey = new Map(specs.map((s) => [s.key, s]));
  const known = new Set(byKey.keys());
  const raw = new Map<string, { value: unknown; source: ValueSource }>();

  const file = chooseConfigFile(input);
  if (file !== null) {
    for (const [key, value] of readConfigFile(file, known)) {
      if (!known.has(key)) throw new ConfigError(`${key} from ${file}: unknown setting`);
      raw.set(key, { value, source: { kind: 'file', name: file } });
    }
  }

  for (const [name, value] of Object.entries(input.env)) {
    if (!name.startsWith(ENV_PREFIX) || ENV_NOT_SETTINGS.has(name) || value === undefined) continue;
    const key = envToKey(name);
    if (!known.has(key)) throw new ConfigError(`${name}: unknown setting (${key})`);
    raw.set(key, { value, source: { kind: 'env', name } });
  }

  for (const { flag, value } of input.flags) {
    const key = flagToKey(flag);
    if (!known.has(key)) throw new ConfigError(`${flag}: unknown flag`);
    raw.set(key, { value, source: { kind: 'flag', name: flag } });
  }

  const config: Record<string, unknown> = {};
  const sources = new Map<string, ValueSource>();
  for (const setting of specs) {
    const given = raw.get(setting.key);
    let value = setting.defaultValue;
    let source: ValueSource = { kind: 'default', name: 'default' };
    if (given !== undefined) {
      const parsed = setting.parse(given.value);
      if (!parsed.ok) {
        // A secret's reason would quote the value: say only what kind of value was given.
        const reason =
          setting.secret === true
            ? `${kindOf(given.value)} given, which is not allowed here (the value is secret and not shown; see claudine config show --help)`
            : parsed.reason;
        throw new ConfigError(`${setting.key} from ${describe(given.source)}: ${reason}`);
      }
      value = parsed.value;
      source = given.source;
    }
    sources.set(setting.key, source);
    setPath(config, setting.key, value);
  }
  return { config: config as unknown as Config, sources, file, specs };
}

/** "a list", "a number": what a value is, without what it says. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a table';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] ?? key] = value;
}

export function getPath(source: unknown, key: string): unknown {
  let node = source;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
