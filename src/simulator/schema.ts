/**
 * JSON Schema as structured outputs see it: the checks the real API makes on `output_config.format.schema`
 * (and on strict tools' `input_schema`), and a deterministic instance that satisfies a schema, which is what
 * the simulator answers with.
 */
import { invalid } from './errors.js';

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function definitionsOf(root: Schema): Map<string, unknown> {
  const defs = new Map<string, unknown>();
  for (const key of ['$defs', 'definitions']) {
    const table = root[key];
    if (isObject(table))
      for (const [name, value] of Object.entries(table)) defs.set(`#/${key}/${name}`, value);
  }
  return defs;
}

function* children(schema: Schema): Generator<unknown> {
  for (const key of ['properties', 'patternProperties', '$defs', 'definitions']) {
    const table = schema[key];
    if (isObject(table)) yield* Object.values(table);
  }
  for (const key of ['items', 'additionalItems', 'not', 'if', 'then', 'else', 'contains']) {
    if (isObject(schema[key])) yield schema[key];
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const list = schema[key];
    if (Array.isArray(list)) yield* list;
  }
  if (isObject(schema['additionalProperties'])) yield schema['additionalProperties'];
}

function isObjectSchema(schema: Schema): boolean {
  const type = schema['type'];
  return type === 'object' || (Array.isArray(type) && type.includes('object'));
}

/**
 * Throws the real API's 400 when the schema has an object without `additionalProperties: false` or a
 * recursive `$ref`. `where` is the field path for the message (`output_config.format.schema`).
 */
export function checkStructuredSchema(schema: unknown, where: string): void {
  if (!isObject(schema)) throw invalid(`${where}: Input should be a valid dictionary`);
  const defs = definitionsOf(schema);
  const walk = (node: unknown): void => {
    if (!isObject(node)) return;
    if (isObjectSchema(node) && node['additionalProperties'] !== false) {
      throw invalid(
        node['additionalProperties'] === undefined
          ? `${where}: For 'object' type, 'additionalProperties' must be explicitly set to false`
          : `${where}: For 'object' type, 'additionalProperties: ${JSON.stringify(node['additionalProperties'])}' is not supported. Please set 'additionalProperties' to false`,
      );
    }
    for (const child of children(node)) walk(child);
  };
  walk(schema);
  // Recursion: a $ref to the root, or a cycle through the definitions.
  const refsOf = (node: unknown, out: Set<string>): Set<string> => {
    if (!isObject(node)) return out;
    if (typeof node['$ref'] === 'string') out.add(node['$ref']);
    for (const child of children(node)) refsOf(child, out);
    return out;
  };
  const rootRefs = refsOf(schema, new Set());
  const recursive = (): boolean => {
    if (rootRefs.has('#')) return true;
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (ref: string): boolean => {
      if (state.get(ref) === 'visiting') return true;
      if (state.get(ref) === 'done') return false;
      state.set(ref, 'visiting');
      for (const next of refsOf(defs.get(ref), new Set())) if (next === '#' || visit(next)) return true;
      state.set(ref, 'done');
      return false;
    };
    for (const ref of defs.keys()) if (visit(ref)) return true;
    return false;
  };
  if (recursive()) throw invalid(`${where}: Recursive schemas are not supported`);
}

/** A deterministic value that satisfies `schema` (enough of JSON Schema for structured outputs). */
export function exampleFor(schema: unknown, text: string, root: unknown = schema, depth = 0): unknown {
  if (!isObject(schema) || depth > 12) return null;
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  if (typeof schema['$ref'] === 'string') {
    const target = isObject(root) ? definitionsOf(root).get(schema['$ref']) : undefined;
    return exampleFor(target, text, root, depth + 1);
  }
  for (const key of ['anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list) && list.length > 0) return exampleFor(list[0], text, root, depth + 1);
  }
  if (Array.isArray(schema['allOf'])) {
    const merged: Schema = {};
    for (const part of schema['allOf']) if (isObject(part)) Object.assign(merged, part);
    return exampleFor(merged, text, root, depth + 1);
  }
  let type = schema['type'];
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
  if (type === undefined && isObject(schema['properties'])) type = 'object';
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      for (const [name, sub] of Object.entries(properties))
        out[name] = exampleFor(sub, name, root, depth + 1);
      return out;
    }
    case 'array': {
      const min = typeof schema['minItems'] === 'number' ? schema['minItems'] : 1;
      const count = Math.max(1, Math.min(min, 3));
      return Array.from({ length: count }, () => exampleFor(schema['items'], text, root, depth + 1));
    }
    case 'string': {
      if (schema['format'] === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema['format'] === 'date') return '2026-01-01';
      if (schema['format'] === 'email') return 'demo@example.com';
      if (schema['format'] === 'uri') return 'https://example.com/';
      const value = `simulated ${text}`;
      const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
      return value.padEnd(min, 'x').slice(0, max);
    }
    case 'integer':
    case 'number': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
      const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
      const value = min ?? (max !== undefined ? Math.min(max, 1) : 1);
      return type === 'integer' ? Math.ceil(value) : value;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return `simulated ${text}`;
  }
}
