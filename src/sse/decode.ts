/**
 * Server-sent events decoder (the WHATWG `text/event-stream` rules): bytes → lines → events. No JSON here.
 *
 * - Chunks may be `Uint8Array` or `string`; a multi-byte UTF-8 character split across chunks is held back
 *   by a `StringDecoder` until it is complete (native, and several times faster than a streaming
 *   TextDecoder on small chunks: one decode per upstream read is on every stream's hot path).
 * - Lines end in CR, LF or CRLF; a CR that ends one chunk and an LF that starts the next are one line end.
 * - `event:` sets the type, `data:` lines are joined with "\n", `id:` updates `lastEventId`, `retry:` and
 *   unknown fields are ignored, lines starting with ":" are comments. A blank line dispatches the event;
 *   an event with no `data:` line is not dispatched (per the spec).
 * - Hot path: line ends are found with `indexOf`, never by walking characters; the two line-end positions
 *   are cached, so a stream that never uses CR costs one failed `indexOf('\r')` per chunk.
 * - Linear in the input whatever the line length: an incomplete line is kept as a list of pieces and only
 *   each new chunk is searched for its end, so a 50 MB line in 64 KiB chunks is searched once, not once
 *   per chunk (issue 13, item 4: re-searching the growing line was quadratic).
 */

import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** The `event:` field, or "message" when the event had none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export class SseDecoder {
  /** The last `id:` seen, as the spec's "last event ID buffer". */
  lastEventId = '';

  readonly #utf8 = new StringDecoder('utf8');
  /** An incomplete line carried over from earlier chunks, in pieces; no piece holds a line end. */
  #pending: string[] = [];
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to that line end. */
  #skipLf = false;
  #sawFirstText = false;
  #eventType = '';
  #data: string | null = null;

  /** Feeds one chunk; returns the events it completed (often none). */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#utf8.write(chunk);
    const out: SseEvent[] = [];
    if (text.length === 0) return out;
    if (!this.#sawFirstText) {
      this.#sawFirstText = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLf) {
      this.#skipLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    let start = 0;
    if (this.#pending.length > 0) {
      // Only the new text is searched for the end of the pending line.
      const lf = text.indexOf('\n');
      const cr = text.indexOf('\r');
      if (lf === -1 && cr === -1) {
        this.#pending.push(text);
        return out;
      }
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      this.#pending.push(text.slice(0, end));
      const line = this.#pending.join('');
      this.#pending = [];
      this.#line(line, out);
      start = this.#afterLineEnd(text, end);
    }
    this.#scan(text, start, out);
    return out;
  }

  /** Where the next line starts after the line end at `end`; a CR that ends the text may pair with an LF. */
  #afterLineEnd(text: string, end: number): number {
    if (text.charCodeAt(end) !== 13) return end + 1;
    if (end + 1 === text.length) {
      this.#skipLf = true;
      return text.length;
    }
    return text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
  }

  /** Ends the stream: flushes a held-back partial character, a last unterminated line, and its event. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const tail = this.#utf8.end();
    if (tail.length > 0) {
      // The tail is only ever a broken character (U+FFFD); treat it as text that came with the last chunk.
      this.#pending.push(tail);
    }
    if (this.#pending.length > 0) {
      const line = this.#pending.join('');
      this.#pending = [];
      if (line.length > 0) this.#line(line, out);
    }
    this.#dispatch(out);
    this.#skipLf = false;
    return out;
  }

  #scan(text: string, from: number, out: SseEvent[]): void {
    const length = text.length;
    let start = from;
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (start < length) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      if (lf === -1 && cr === -1) break;
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      this.#line(text.slice(start, end), out);
      start = this.#afterLineEnd(text, end);
    }
    if (start < length) this.#pending.push(start === 0 ? text : text.slice(start));
  }

  #line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.#dispatch(out);
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return; // comment
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      const valueStart = line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      value = line.slice(valueStart);
    }
    switch (field) {
      case 'data':
        this.#data = this.#data === null ? value : this.#data + '\n' + value;
        break;
      case 'event':
        this.#eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      default:
        break; // `retry:` and unknown fields mean nothing to a proxy
    }
  }

  #dispatch(out: SseEvent[]): void {
    if (this.#data !== null)
      out.push({ event: this.#eventType === '' ? 'message' : this.#eventType, data: this.#data });
    this.#data = null;
    this.#eventType = '';
  }
}

/** Decodes a whole body at once (tests, small buffered bodies). */
export function decodeAll(body: Uint8Array | string): SseEvent[] {
  const decoder = new SseDecoder();
  const events = decoder.push(body);
  for (const event of decoder.end()) events.push(event);
  return events;
}
