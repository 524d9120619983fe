/**
 * JSON schema sanitiser for native structured outputs (`output_config.format`). The API refuses schemas
 * that OpenAI clients send every day; this makes a copy it accepts, and says what it changed:
 *
 * - every object schema gets `additionalProperties: false` (the API requires it; a client's `true` or
 *   sub-schema is replaced — lossy, the answer can no longer carry extra keys);
 * - keywords the API refuses are removed: numeric bounds (`minimum`, `maximum`, `exclusiveMinimum`,
 *   `exclusiveMaximum`, `multipleOf`), string lengths (`minLength`, `maxLength`), `maxItems`, `minItems`
 *   above 1, `minProperties`, `maxProperties`, `patternProperties`, `unevaluatedProperties`, `$schema`,
 *   `$id`; each removed constraint is kept as words in `description` so the model still sees it;
 * - `format` values outside the supported set (date-time, time, date, duration, email, hostname, uri, ipv4,
 *   ipv6, uuid) are removed the same way;
 * - a recursive `$ref` cannot be expressed: `recursive` is set and the caller uses another path.
 */

export interface SanitisedSchema {
  readonly schema: Record<string, unknown>;
  /** Keywords removed or replaced, for the adjustment header (deduplicated, sorted). */
  readonly removed: readonly string[];
  readonly addedAdditionalProperties: boolean;
  readonly recursive: boolean;
}

const REMOVED_KEYWORDS = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
  'minProperties',
  'maxProperties',
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
]);
const DROPPED_SILENTLY = new Set(['$schema', '$id']);
const SUPPORTED_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'uri',
  'ipv4',
  'ipv6',
  'uuid',
]);
/** Keywords whose value is a map of sub-schemas. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions']);
/** Keywords whose value is a sub-schema or a list of them. */
const SCHEMA_VALUES = new Set(['items', 'anyOf', 'oneOf', 'allOf', 'not', 'prefixItems', 'contains']);

/** Bound on nesting so a hostile schema cannot blow the stack. */
const MAX_DEPTH = 64;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectSchema(schema: Record<string, unknown>): boolean {
  const type = schema['type'];
  return (
    type === 'object' || (Array.isArray(type) && type.includes('object')) || isObject(schema['properties'])
  );
}

/** `#/$defs/a` → `a` (only local refs are followed). */
function refName(ref: unknown): string | null {
  if (typeof ref !== 'string') return null;
  const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  return match?.[1] ?? null;
}

function hasRecursiveRef(root: Record<string, unknown>): boolean {
  const defs: Record<string, unknown> = {
    ...(isObject(root['definitions']) ? root['definitions'] : {}),
    ...(isObject(root['$defs']) ? root['$defs'] : {}),
  };
  if (root['$ref'] === '#') return true;
  const refsOf = (node: unknown, out: Set<string>, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(node)) for (const item of node) refsOf(item, out, depth + 1);
    else if (isObject(node)) {
      if (node['$ref'] === '#') out.add('#');
      const name = refName(node['$ref']);
      if (name !== null) out.add(name);
      for (const [key, value] of Object.entries(node))
        if (key !== '$defs' && key !== 'definitions') refsOf(value, out, depth + 1);
    }
  };
  // A cycle in the graph "definition → definitions it references" (or a ref back to the root).
  const edges = new Map<string, Set<string>>();
  for (const [name, def] of Object.entries(defs)) {
    const out = new Set<string>();
    refsOf(def, out, 0);
    if (out.has('#')) return true;
    edges.set(name, out);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): boolean => {
    const s = state.get(name);
    if (s === 'visiting') return true;
    if (s === 'done') return false;
    state.set(name, 'visiting');
    for (const next of edges.get(name) ?? []) if (visit(next)) return true;
    state.set(name, 'done');
    return false;
  };
  for (const name of edges.keys()) if (visit(name)) return true;
  return false;
}

export function sanitiseSchema(input: Record<string, unknown>): SanitisedSchema {
  const removed = new Set<string>();
  let added = false;

  const walk = (node: Record<string, unknown>, depth: number): Record<string, unknown> => {
    if (depth > MAX_DEPTH) return {};
    const out: Record<string, unknown> = {};
    const notes: string[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED_SILENTLY.has(key)) continue;
      if (REMOVED_KEYWORDS.has(key) || (key === 'minItems' && typeof value === 'number' && value > 1)) {
        removed.add(key);
        notes.push(`${key}: ${JSON.stringify(value)}`);
        continue;
      }
      if (key === 'format' && typeof value === 'string' && !SUPPORTED_FORMATS.has(value)) {
        removed.add('format');
        notes.push(`format: ${value}`);
        continue;
      }
      if (SCHEMA_MAPS.has(key) && isObject(value)) {
        const map: Record<string, unknown> = {};
        for (const [name, sub] of Object.entries(value))
          map[name] = isObject(sub) ? walk(sub, depth + 1) : sub;
        out[key] = map;
      } else if (SCHEMA_VALUES.has(key)) {
        out[key] = Array.isArray(value)
          ? value.map((sub: unknown) => (isObject(sub) ? walk(sub, depth + 1) : sub))
          : isObject(value)
            ? walk(value, depth + 1)
            : value;
      } else if (key === 'additionalProperties') {
        continue; // set below for object schemas
      } else {
        out[key] = value;
      }
    }
    if (isObjectSchema(node)) {
      if (node['additionalProperties'] !== false) {
        added = true;
        if (node['additionalProperties'] !== undefined) removed.add('additionalProperties');
      }
      out['additionalProperties'] = false;
    }
    if (notes.length > 0) {
      const said = typeof out['description'] === 'string' ? `${out['description']} ` : '';
      out['description'] = `${said}(${notes.join(', ')})`;
    }
    return out;
  };

  const recursive = hasRecursiveRef(input);
  const schema = walk(input, 0);
  if (schema['type'] === undefined && !isObject(schema['properties'])) {
    schema['type'] = 'object';
    schema['additionalProperties'] = false;
  }
  return { schema, removed: [...removed].sort(), addedAdditionalProperties: added, recursive };
}
