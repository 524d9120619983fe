/**
 * Token counts for the native pass-through without parsing its bodies. The pass-through forwards bytes
 * untouched; this only looks for the byte sequence `"usage"` (Buffer.indexOf, native and fast) and reads
 * the small object that follows it with one regex.
 *
 * Why a raw `"usage"` is always a key: inside a JSON string its quotes would be escaped (`\"usage\"`), and
 * the text and tool arguments of a stream travel as strings. So in an SSE stream every unescaped `"usage"`
 * belongs to `message_start` (input, cache and first output counts) or `message_delta` (cumulative output,
 * sometimes updated input counts); later values replace earlier ones. In a JSON message, tool inputs are
 * objects and could hold a `"usage"` key, but the top-level `usage` comes after `content`, so the last one
 * in the body wins, and only the last two chunks are kept to find it.
 */
import type { TokenUsage } from '../http/context.js';

const KEY = Buffer.from('"usage"', 'latin1');
/** A usage object is a few hundred bytes; anything longer is not one. */
const MAX_OBJECT = 4096;
const FIELDS =
  /"(input_tokens|output_tokens|cache_read_input_tokens|cache_creation_input_tokens)"\s*:\s*(\d+)/g;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COLON = 0x3a;

/**
 * Where the object after the key at `keyAt` ends (index after its `}`), -1 when the buffer ends first,
 * or -2 when what follows is not an object.
 */
function objectEnd(buf: Buffer, keyAt: number): number {
  let i = keyAt + KEY.length;
  const limit = Math.min(buf.length, i + MAX_OBJECT);
  let depth = 0;
  let seenColon = false;
  for (; i < limit; i++) {
    const c = buf[i];
    if (depth === 0) {
      if (c === COLON && !seenColon) seenColon = true;
      else if (c === OPEN_BRACE && seenColon) depth = 1;
      else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return -2;
    } else if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE && --depth === 0) return i + 1;
  }
  return limit === buf.length ? -1 : -2;
}

/**
 * Where in `tail` a key starts that `chunk` completes (the key cut by the boundary between them), or -1.
 * Compares at most 6 + 6 bytes and allocates nothing.
 */
function keyAcross(tail: Buffer, chunk: Buffer): number {
  for (let inTail = Math.min(tail.length, KEY.length - 1); inTail >= 1; inTail--) {
    const start = tail.length - inTail;
    const rest = KEY.length - inTail;
    if (chunk.length < rest) continue;
    let match = true;
    for (let j = 0; j < KEY.length && match; j++)
      match = (j < inTail ? tail[start + j] : chunk[j - inTail]) === KEY[j];
    if (match) return start;
  }
  return -1;
}

export class UsageScanner {
  #usage: TokenUsage | null = null;
  readonly #eventStream: boolean;
  /** SSE: a usage object cut by a chunk boundary, from its key on. */
  #pending: Buffer | null = null;
  /** SSE: the previous chunk, whose last bytes may start a key the next chunk ends. */
  #tail: Buffer | null = null;
  /** JSON: the last two chunks. */
  #previous: Buffer | null = null;
  #last: Buffer | null = null;

  /** `eventStream`: the response is `text/event-stream`; otherwise it is treated as one JSON body. */
  constructor(eventStream: boolean) {
    this.#eventStream = eventStream;
  }

  /** Looks at one response chunk; never changes it. */
  push(chunk: Buffer): void {
    if (!this.#eventStream) {
      this.#previous = this.#last;
      this.#last = chunk;
      return;
    }
    if (this.#pending !== null) {
      const joined = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
      this.#tail = null;
      this.#scan(joined, 0);
      return;
    }
    const tail = this.#tail;
    this.#tail = null;
    if (tail !== null) {
      // A key cut by the chunk boundary: rare, so copying the chunk then is fine.
      const at = keyAcross(tail, chunk);
      if (at !== -1) {
        this.#scan(Buffer.concat([tail.subarray(at), chunk]), 0);
        return;
      }
    }
    this.#scan(chunk, 0);
    // Tiny chunks: the key may span more than two of them.
    if (tail !== null && chunk.length < KEY.length - 1 && this.#pending === null)
      this.#tail = Buffer.concat([tail.subarray(-(KEY.length - 1)), chunk]);
  }

  /** The counts seen so far (after the last chunk: the final ones), or null when there were none. */
  usage(): TokenUsage | null {
    if (!this.#eventStream && this.#last !== null) {
      const body = this.#previous === null ? this.#last : Buffer.concat([this.#previous, this.#last]);
      this.#previous = null;
      this.#last = null;
      const at = body.lastIndexOf(KEY);
      if (at !== -1) {
        const end = objectEnd(body, at);
        if (end > 0) this.#read(body, at, end);
      }
    }
    return this.#usage;
  }

  #scan(buf: Buffer, from: number): void {
    let at = buf.indexOf(KEY, from);
    while (at !== -1) {
      const end = objectEnd(buf, at);
      if (end === -1) {
        this.#pending = buf.subarray(at);
        return;
      }
      if (end > 0) this.#read(buf, at, end);
      at = buf.indexOf(KEY, end > 0 ? end : at + KEY.length);
    }
    // Kept by reference, not copied: only its last bytes are read, and only by the next push.
    this.#tail = buf;
  }

  #read(buf: Buffer, start: number, end: number): void {
    const text = buf.toString('latin1', start + KEY.length, end);
    const usage = (this.#usage ??= { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 });
    for (const m of text.matchAll(FIELDS)) {
      const value = Number(m[2]);
      const field = m[1];
      if (field === 'input_tokens') usage.input = value;
      else if (field === 'output_tokens') usage.output = value;
      else if (field === 'cache_read_input_tokens') usage.cacheRead = value;
      else usage.cacheCreation = value;
    }
  }
}
