/**
 * Stream payloads → SSE `data:` frames. Every content chunk of a stream shares all of its JSON but the
 * delta, so that part is serialised once per stream and only the delta per chunk: the route's biggest
 * per-chunk cost was JSON.stringify of the same envelope over and over. Anything that is not a plain
 * content chunk (the finish chunk, usage, errors) takes the ordinary JSON.stringify.
 */
import { UpstreamError } from '../errors.js';
import type { SseEvent } from '../sse/index.js';
import type { AnthropicStreamEvent, ChatCompletionChunk } from '../wire/index.js';
import { rawDeltaOf } from './raw-delta.js';
import type { ChunkTranslator, OpenAIStreamPayload } from './stream.js';

const CHUNK_SUFFIX = ',"finish_reason":null,"logprobs":null}]}\n\n';

export interface FrameEncoder {
  /** One payload as `data: <JSON>\n\n`. */
  frame(payload: OpenAIStreamPayload): string;
  /**
   * A content chunk from its delta's JSON text, in the envelope of the last content chunk framed; null
   * before there was one. Only for the deltas of a stream whose id, created and model are settled (after
   * message_start's role chunk): see `ChunkTranslator.rawDelta`.
   */
  frameDelta(deltaJson: string): string | null;
}

function isPlainContentChunk(payload: OpenAIStreamPayload): payload is ChatCompletionChunk {
  if (!('choices' in payload) || payload.usage !== undefined || payload.service_tier !== null) return false;
  const choice = payload.choices[0];
  return (
    payload.choices.length === 1 &&
    choice !== undefined &&
    choice.index === 0 &&
    choice.finish_reason === null &&
    choice.logprobs === null
  );
}

export function createFrameEncoder(): FrameEncoder {
  let key = '';
  let prefix = '';
  return {
    frame(payload) {
      if (!isPlainContentChunk(payload)) return `data: ${JSON.stringify(payload)}\n\n`;
      const choice = payload.choices[0] as ChatCompletionChunk['choices'][number];
      // id, created and model are the same for a whole stream once message_start set the id.
      const nextKey = `${payload.id}\u0000${payload.created}\u0000${payload.model}`;
      if (nextKey !== key) {
        key = nextKey;
        prefix =
          `data: {"id":${JSON.stringify(payload.id)},"object":"chat.completion.chunk","created":${JSON.stringify(payload.created)},` +
          `"model":${JSON.stringify(payload.model)},"service_tier":null,"choices":[{"index":0,"delta":`;
      }
      return prefix + JSON.stringify(choice.delta) + CHUNK_SUFFIX;
    },
    frameDelta(deltaJson) {
      return prefix === '' ? null : prefix + deltaJson + CHUNK_SUFFIX;
    },
  };
}

/**
 * Upstream SSE events → the OpenAI frames to send. Text and tool-argument deltas in the upstream's own
 * shape take the raw lane (raw-delta.ts); every other event is parsed once, shown to `onParsed` (token
 * counts for the access log), and stepped. An event that is not JSON is an UpstreamError (502).
 */
export function framesForEvents(
  events: readonly SseEvent[],
  translator: ChunkTranslator,
  encoder: FrameEncoder,
  onParsed?: (event: AnthropicStreamEvent) => void,
): string {
  let out = '';
  for (const event of events) {
    if (event.event === 'content_block_delta') {
      const raw = rawDeltaOf(event.data);
      const delta = raw === null ? null : translator.rawDelta(raw);
      const frame = delta === null ? null : encoder.frameDelta(delta);
      if (frame !== null) {
        out += frame;
        continue;
      }
    }
    let parsed: AnthropicStreamEvent;
    try {
      parsed = JSON.parse(event.data) as AnthropicStreamEvent;
    } catch {
      throw new UpstreamError(`the upstream sent a "${event.event}" event that is not JSON`, 502, null);
    }
    onParsed?.(parsed);
    for (const payload of translator.step(parsed)) out += encoder.frame(payload);
  }
  return out;
}
