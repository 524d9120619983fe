/**
 * Parsers for the value kinds a setting can have. Each takes what a source gave (a TOML value, or a string
 * from the environment or a flag) and returns the typed value or a short reason why it is not allowed; the
 * caller adds the key and where the value came from.
 */
import { homedir } from 'node:os';
import { isIP } from 'node:net';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (reason: string): ParseResult<never> => ({ ok: false, reason });
const show = (raw: unknown): string => JSON.stringify(raw) ?? String(raw);

export function parseString(raw: unknown): ParseResult<string> {
  if (typeof raw === 'string') return ok(raw);
  return fail(`${show(raw)} is not a string`);
}

export function parseNonEmptyString(raw: unknown): ParseResult<string> {
  if (typeof raw === 'string' && raw.trim() !== '') return ok(raw.trim());
  return fail(`${show(raw)} is not a non-empty string`);
}

export function parseBoolean(raw: unknown): ParseResult<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  if (typeof raw === 'string') {
    const lowered = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lowered)) return ok(true);
    if (['false', '0', 'no', 'off'].includes(lowered)) return ok(false);
  }
  return fail(`${show(raw)} is not a boolean (true or false)`);
}

export function parseInteger(raw: unknown, min: number, max: number): ParseResult<number> {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) return fail(`${show(raw)} is not a whole number`);
  if (n < min || n > max) return fail(`${show(raw)} is outside ${min}..${max}`);
  return ok(n);
}

export function parsePort(raw: unknown): ParseResult<number> {
  const n = parseInteger(raw, 0, 65535);
  return n.ok ? n : fail(`${show(raw)} is not a port (0-65535)`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Durations are written with a unit (`500ms`, `10s`, `2m`, `1h`, or combined `1m30s`); `0` alone is allowed. */
export function parseDuration(raw: unknown): ParseResult<number> {
  const allowed = 'a duration such as 500ms, 10s or 2m';
  if (raw === 0 || raw === '0') return ok(0);
  if (typeof raw !== 'string') return fail(`${show(raw)} is not ${allowed}`);
  const text = raw.trim();
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let matched = 0;
  while (part.lastIndex < text.length) {
    const m = part.exec(text);
    if (!m) return fail(`${show(raw)} is not ${allowed}`);
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? NaN);
    matched++;
  }
  if (matched === 0 || !Number.isFinite(total)) return fail(`${show(raw)} is not ${allowed}`);
  return ok(Math.round(total));
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Byte sizes: a number of bytes, or with a unit (`512KiB`, `32MiB`, `10MB`). */
export function parseByteSize(raw: unknown): ParseResult<number> {
  const allowed = 'a size such as 1048576, 512KiB or 32MiB';
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return ok(raw);
  if (typeof raw !== 'string') return fail(`${show(raw)} is not ${allowed}`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) return fail(`${show(raw)} is not ${allowed}`);
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? ok(bytes) : fail(`${show(raw)} must be larger than zero`);
}

export function parseEnum<T extends string>(raw: unknown, choices: readonly T[]): ParseResult<T> {
  const value = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return ok(value as T);
  return fail(`${show(raw)} is not one of ${choices.join(', ')}`);
}

/** Lists come as TOML arrays, or as comma-separated strings from the environment and flags. */
export function parseStringList(raw: unknown): ParseResult<string[]> {
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string'))
    return ok(raw.map((s) => s.trim()));
  if (typeof raw === 'string') {
    return ok(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
  }
  return fail(`${show(raw)} is not a list of strings`);
}

/** Key/value tables come as TOML tables, or as `k=v,k2=v2` from the environment and flags. */
export function parseStringMap(raw: unknown): ParseResult<Record<string, string>> {
  if (typeof raw === 'string') {
    const out: Record<string, string> = {};
    for (const pair of raw.split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) return fail(`${show(pair)} is not key=value`);
      out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return ok(out);
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw);
    if (entries.every(([, v]) => typeof v === 'string'))
      return ok(Object.fromEntries(entries) as Record<string, string>);
  }
  return fail(`${show(raw)} is not a table of strings`);
}

export function parseHttpUrl(raw: unknown): ParseResult<string> {
  if (typeof raw !== 'string') return fail(`${show(raw)} is not a URL`);
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return fail(`${show(raw)} is not an http(s) URL`);
    return ok(raw.replace(/\/+$/, ''));
  } catch {
    return fail(`${show(raw)} is not a URL`);
  }
}

/** Optional URLs: the empty string means "not set". */
export function parseOptionalHttpUrl(raw: unknown): ParseResult<string> {
  return raw === '' ? ok('') : parseHttpUrl(raw);
}

export function parseHost(raw: unknown): ParseResult<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return fail(`${show(raw)} is not a host name or address`);
  // Accept `[::1]` as people write it in URLs; node:http wants the bare address.
  const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 || /^[a-zA-Z0-9.-]+$/.test(host)) return ok(host);
  return fail(`${show(raw)} is not a host name or address`);
}

export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/') || path.startsWith('~\\')) return homedir() + path.slice(1);
  return path;
}

export function parsePath(raw: unknown): ParseResult<string> {
  const s = parseString(raw);
  return s.ok ? ok(expandHome(s.value.trim())) : s;
}
