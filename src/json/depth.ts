/**
 * A JSON nesting-depth guard that runs on the raw bytes as they arrive, before anything is parsed: a body
 * nested deeper than the limit is refused at the byte where it crosses it, so a 30 MB `[[[[…` costs one
 * chunk of scanning and no parse at all (issue 13, item 3: V8's JSON.parse of such a body took seconds and
 * gigabytes before a check on the parsed value could run).
 *
 * Linear time for any input: inside strings the scanner jumps from quote to backslash with `indexOf` (the
 * positions are cached, so a long string costs one search, not one per character); outside strings it
 * looks at each byte, and there only structure, numbers and whitespace live. It never decides validity:
 * bytes that are not JSON pass through to JSON.parse, which refuses them with its own message.
 */

/** JSON nested deeper than this is refused: the translation and JSON.stringify recurse. */
export const MAX_JSON_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export class JsonDepthGuard {
  #depth = 0;
  #inString = false;
  /** The previous chunk ended in a backslash inside a string: the first byte of this one is escaped. */
  #escapeNext = false;

  constructor(readonly max: number) {}

  /** Scans one more chunk; true as soon as the nesting goes deeper than `max`. */
  exceeded(chunk: Uint8Array): boolean {
    const length = chunk.length;
    let i = 0;
    if (this.#escapeNext) {
      this.#escapeNext = false;
      i = 1;
    }
    // Cached positions of the next quote and backslash at or after i (-1: none left in this chunk).
    let quote = -2;
    let backslash = -2;
    while (i < length) {
      if (this.#inString) {
        if (quote !== -1 && quote < i) quote = indexOf(chunk, QUOTE, i);
        if (backslash !== -1 && backslash < i) backslash = indexOf(chunk, BACKSLASH, i);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          // An escape: the byte after the backslash is never the end of the string.
          if (backslash + 1 >= length) {
            this.#escapeNext = true;
            return false;
          }
          i = backslash + 2;
          continue;
        }
        if (quote === -1) return false; // the string goes on in the next chunk
        this.#inString = false;
        i = quote + 1;
        continue;
      }
      const byte = chunk[i] as number;
      if (byte === QUOTE) this.#inString = true;
      else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        if (++this.#depth > this.max) return true;
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) this.#depth--;
      i++;
    }
    return false;
  }
}

function indexOf(chunk: Uint8Array, byte: number, from: number): number {
  return chunk.indexOf(byte, from);
}

/** Whether a whole JSON text nests deeper than `max` (strings from clients, e.g. tool-call arguments). */
export function jsonNestsDeeperThan(text: string | Uint8Array, max: number): boolean {
  return new JsonDepthGuard(max).exceeded(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}
