/**
 * Bedrock's InvokeModelWithResponseStream framing → the Anthropic SSE stream everyone above expects.
 *
 * The body is AWS event-stream binary frames (`application/vnd.amazon.eventstream`): each frame is
 * `total length | headers length | prelude CRC | headers | payload | message CRC`. Frames are cut out as their
 * bytes arrive (a frame may span chunks, a chunk may hold many) and decoded by `@smithy/eventstream-codec`,
 * which checks both CRCs. Per frame:
 * - `:message-type event`, `:event-type chunk`: the payload is `{"bytes":"<base64 of one Anthropic event>"}`
 *   → `event: <type>\ndata: <that JSON>\n\n`.
 * - `:message-type exception` (throttlingException, validationException, modelStreamErrorException, …) or
 *   `error` → an Anthropic `event: error` with the mapped type (errors.ts), so each dialect reports it.
 * A frame that fails its CRC, or a body that ends inside a frame, fails the stream with an error the routes
 * turn into the client's mid-stream error. Memory: at most one frame (≤ MAX_FRAME) is held.
 */
import type { ChunkReframer } from '../../body.js';
import { anthropicErrorJson } from './errors.js';

/** The part of `@smithy/eventstream-codec`'s EventStreamCodec used here. */
export interface FrameDecoder {
  decode(message: Uint8Array): {
    headers: Record<string, { type: string; value: unknown }>;
    body: Uint8Array;
  };
}

/** AWS caps event-stream messages at 16 MiB. */
const MAX_FRAME = 16 * 1024 * 1024;
const PRELUDE = 12;
const EMPTY = Buffer.alloc(0);

function header(headers: Record<string, { value: unknown }>, name: string): string | undefined {
  const value = headers[name]?.value;
  return typeof value === 'string' ? value : undefined;
}

/** `{"bytes":"…"}` → the decoded event text; the field is found without parsing the JSON around it. */
function chunkEvent(payload: string): string {
  const match = /"bytes"\s*:\s*"([A-Za-z0-9+/=]*)"/.exec(payload);
  if (match?.[1] === undefined) throw new Error('a Bedrock chunk frame without "bytes"');
  return Buffer.from(match[1], 'base64').toString('utf8');
}

/** The event name for the SSE line: Anthropic events start with their type; parse only when they do not. */
function eventType(json: string): string {
  const match = /^\s*\{\s*"type"\s*:\s*"([a-z_]+)"/.exec(json);
  if (match?.[1] !== undefined) return match[1];
  const parsed = JSON.parse(json) as { type?: unknown };
  return typeof parsed.type === 'string' ? parsed.type : 'message';
}

function exceptionMessage(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { message?: unknown; Message?: unknown };
    const message = parsed.message ?? parsed.Message;
    return typeof message === 'string' ? message : '';
  } catch {
    return payload.slice(0, 500);
  }
}

/** Bedrock's event-stream frames → Anthropic SSE, applied in the route's read loop (UpstreamBody.reframe). */
export class EventStreamToSse implements ChunkReframer {
  #pending: Buffer = EMPTY;
  readonly #decoder: FrameDecoder;

  constructor(decoder: FrameDecoder) {
    this.#decoder = decoder;
  }

  /** A bad frame, held back until the events decoded before it (in the same read) have been passed on. */
  #failure: Error | null = null;

  push(chunk: Buffer): Buffer {
    if (this.#failure !== null) throw this.#failure;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let out = '';
    try {
      while (this.#pending.length >= PRELUDE) {
        const total = this.#pending.readUInt32BE(0);
        if (total < PRELUDE + 4 || total > MAX_FRAME)
          throw new Error(`a Bedrock event-stream frame of ${total} bytes is not valid`);
        if (this.#pending.length < total) break;
        const frame = this.#pending.subarray(0, total);
        this.#pending = this.#pending.length === total ? EMPTY : this.#pending.subarray(total);
        out += this.#frameToSse(frame);
      }
    } catch (err) {
      this.#failure = err instanceof Error ? err : new Error(String(err));
      if (out === '') throw this.#failure;
    }
    return out === '' ? EMPTY : Buffer.from(out, 'utf8');
  }

  end(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#pending.length > 0) throw new Error('the Bedrock stream ended inside an event-stream frame');
  }

  #frameToSse(frame: Buffer): string {
    let message: ReturnType<FrameDecoder['decode']>;
    try {
      message = this.#decoder.decode(frame);
    } catch (err) {
      throw new Error(
        `a Bedrock event-stream frame is corrupt (${err instanceof Error ? err.message : 'decode failed'})`,
        { cause: err },
      );
    }
    const payload = Buffer.from(
      message.body.buffer,
      message.body.byteOffset,
      message.body.byteLength,
    ).toString('utf8');
    const kind = header(message.headers, ':message-type');
    if (kind === 'event') {
      if (header(message.headers, ':event-type') !== 'chunk') return '';
      const json = chunkEvent(payload);
      return `event: ${eventType(json)}\ndata: ${json}\n\n`;
    }
    if (kind === 'exception') {
      const name = header(message.headers, ':exception-type');
      return `event: error\ndata: ${anthropicErrorJson(name, 500, exceptionMessage(payload))}\n\n`;
    }
    // `:message-type error`: a protocol-level error, named in the headers.
    const code = header(message.headers, ':error-code');
    const said = header(message.headers, ':error-message') ?? '';
    return `event: error\ndata: ${anthropicErrorJson(code, 500, said)}\n\n`;
  }
}
