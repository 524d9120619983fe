import { getPath, keyToEnv, keyToFlag, type LoadedConfig } from './load.js';
import { settingSpecs, type SettingSpec } from './schema.js';

const REDACTED = '"<redacted>"';

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${k} = ${formatValue(v)}`);
    return `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

function isEmpty(value: unknown): boolean {
  return value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * The resolved configuration as TOML-like lines, each with where its value came from. Durations are shown
 * in milliseconds with a unit so what is printed can be pasted back into a config file. Secrets are never
 * shown: only whether they are set.
 */
export function formatConfig(loaded: LoadedConfig): string {
  const lines: string[] = [];
  if (loaded.file !== null) lines.push(`# config file: ${loaded.file}`);
  for (const spec of loaded.specs) {
    const value = getPath(loaded.config, spec.key);
    const source = loaded.sources.get(spec.key) ?? { kind: 'default', name: 'default' };
    let shown: string;
    if (spec.secret === true) shown = isEmpty(value) ? '""' : REDACTED;
    else if (spec.defaultText.match(/^\d+(ms|s|m|h)$/) && typeof value === 'number') shown = `"${value}ms"`;
    else shown = formatValue(value);
    const origin = source.kind === 'default' ? 'default' : `${source.kind}: ${source.name}`;
    lines.push(`${spec.key} = ${shown}  # ${origin}`);
  }
  lines.push(
    '',
    `# every key can also be set as ${keyToEnv('server.port')}-style env vars or --server--port flags`,
  );
  return lines.join('\n') + '\n';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The README's table of every setting: key, flag, environment variable, default, meaning. */
export function settingsTable(specs: readonly SettingSpec[] = settingSpecs({ XDG_CONFIG_HOME: '' })): string {
  const rows = specs.map(
    (s) =>
      `| \`${s.key}\` | \`${keyToFlag(s.key)}\` | \`${keyToEnv(s.key)}\` | \`${escapeCell(s.defaultText)}\` | ${escapeCell(s.description)}${s.secret === true ? ' _Secret: never printed._' : ''} |`,
  );
  return [
    '| key (config.toml) | flag | environment | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
