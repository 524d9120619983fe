/**
 * Server-sent events decoder (the WHATWG `text/event-stream` rules): bytes → lines → events. No JSON here.
 *
 * - Chunks may be `Uint8Array` or `string`; a multi-byte UTF-8 character split across chunks is held back
 *   by a streaming `TextDecoder` until it is complete.
 * - Lines end in CR, LF or CRLF; a CR that ends one chunk and an LF that starts the next are one line end.
 * - `event:` sets the type, `data:` lines are joined with "\n", `id:` updates `lastEventId`, `retry:` and
 *   unknown fields are ignored, lines starting with ":" are comments. A blank line dispatches the event;
 *   an event with no `data:` line is not dispatched (per the spec).
 * - Hot path: line ends are found with `indexOf`, never by walking characters; the two line-end positions
 *   are cached, so a stream that never uses CR costs one failed `indexOf('\r')` per chunk.
 */

export interface SseEvent {
  /** The `event:` field, or "message" when the event had none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export class SseDecoder {
  /** The last `id:` seen, as the spec's "last event ID buffer". */
  lastEventId = '';

  readonly #utf8 = new TextDecoder('utf-8');
  /** An incomplete line carried over from the previous chunk. */
  #pending = '';
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to that line end. */
  #skipLf = false;
  #sawFirstText = false;
  #eventType = '';
  #data: string | null = null;

  /** Feeds one chunk; returns the events it completed (often none). */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#utf8.decode(chunk, { stream: true });
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
    if (this.#pending.length > 0) {
      text = this.#pending + text;
      this.#pending = '';
    }
    this.#scan(text, out);
    return out;
  }

  /** Ends the stream: flushes a held-back partial character, a last unterminated line, and its event. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const tail = this.#utf8.decode();
    if (tail.length > 0) {
      // The tail is only ever a broken character (U+FFFD); treat it as text that came with the last chunk.
      this.#pending += tail;
    }
    if (this.#pending.length > 0) {
      const line = this.#pending;
      this.#pending = '';
      this.#line(line, out);
    }
    this.#dispatch(out);
    this.#skipLf = false;
    return out;
  }

  #scan(text: string, out: SseEvent[]): void {
    const length = text.length;
    let start = 0;
    let lf = text.indexOf('\n');
    let cr = text.indexOf('\r');
    while (start < length) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      let end: number;
      if (lf === -1 && cr === -1) break;
      if (cr === -1 || (lf !== -1 && lf < cr)) end = lf;
      else end = cr;
      this.#line(text.slice(start, end), out);
      if (end === cr) {
        if (end + 1 === length) {
          this.#skipLf = true;
          start = length;
          break;
        }
        start = text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
    }
    if (start < length) this.#pending = start === 0 ? text : text.slice(start);
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
