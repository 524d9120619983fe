/**
 * The fast lane for the events that make up most of a stream: a text or tool-argument delta, written by
 * the upstream in exactly this shape,
 *
 *   {"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"…"}}
 *   {"type":"content_block_delta","index":N,"delta":{"type":"input_json_delta","partial_json":"…"}}
 *
 * carries its text as a JSON string literal that the OpenAI chunk carries unchanged. Taking that literal
 * as it is saves a JSON.parse of the event and a JSON.stringify of the delta per chunk. Anything else — other
 * key order, spacing, extra fields, an escape JSON does not allow — is not matched, and the caller parses
 * the event as usual: this is an optimisation, never a second parser.
 */

export interface RawDelta {
  /** The content block index. */
  readonly index: number;
  readonly kind: 'text' | 'json';
  /** The text as a JSON string literal, quotes included, checked to be valid JSON. */
  readonly literal: string;
}

const PREFIX = '{"type":"content_block_delta","index":';
const TEXT = ',"delta":{"type":"text_delta","text":';
const JSON_PART = ',"delta":{"type":"input_json_delta","partial_json":';
const END = '}}';
/** A JSON string literal: no raw quote, backslash or control character; only the escapes JSON defines. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what a JSON string may not hold raw
const PLAIN_STRING = /^"[^"\\\u0000-\u001f]*"$/;
// eslint-disable-next-line no-control-regex -- as above
const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$/;

/** The delta of a text or tool-argument event in the upstream's own shape, or null (parse it instead). */
export function rawDeltaOf(data: string): RawDelta | null {
  if (!data.startsWith(PREFIX) || !data.endsWith(END)) return null;
  let at = PREFIX.length;
  let index = 0;
  const digitsFrom = at;
  while (at < data.length && at - digitsFrom < 9) {
    const code = data.charCodeAt(at);
    if (code < 48 || code > 57) break;
    index = index * 10 + (code - 48);
    at++;
  }
  // No digits, or a leading zero JSON does not allow.
  if (at === digitsFrom || (data.charCodeAt(digitsFrom) === 48 && at - digitsFrom > 1)) return null;
  let kind: RawDelta['kind'];
  if (data.startsWith(TEXT, at)) {
    kind = 'text';
    at += TEXT.length;
  } else if (data.startsWith(JSON_PART, at)) {
    kind = 'json';
    at += JSON_PART.length;
  } else {
    return null;
  }
  const literal = data.slice(at, data.length - END.length);
  // Most deltas have no escape at all: the simple test settles them, the full one only the rest.
  return PLAIN_STRING.test(literal) || JSON_STRING.test(literal) ? { index, kind, literal } : null;
}
