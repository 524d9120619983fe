/**
 * Validation primitives for untrusted request JSON. Every failure is a ClientError (400, invalid_request)
 * naming the field at fault, so the route can answer the client with something it can fix.
 */
import { ClientError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(param: string | null, message: string): never {
  throw new ClientError(message, 400, 'invalid_request', param);
}

/** Own property only: a key like `constructor` must never reach Object.prototype. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `undefined` when absent or null; otherwise the string, or a 400. */
export function optString(obj: JsonObject, key: string, param: string): string | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(param, `${param} must be a string, got ${describe(value)}.`);
  return value;
}

export function optBoolean(obj: JsonObject, key: string, param: string): boolean | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') fail(param, `${param} must be a boolean, got ${describe(value)}.`);
  return value;
}

export function optNumber(
  obj: JsonObject,
  key: string,
  param: string,
  min: number,
  max: number,
): number | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(param, `${param} must be a number, got ${describe(value)}.`);
  if (value < min || value > max) fail(param, `${param} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

export function optPositiveInt(obj: JsonObject, key: string, param: string): number | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(
      param,
      `${param} must be a positive integer, got ${typeof value === 'number' ? value : describe(value)}.`,
    );
  }
  return value;
}

/** True for text that the upstream would reject as an empty text block. */
export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}
