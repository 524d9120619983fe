/**
 * Stream payloads → SSE `data:` frames. Every content chunk of a stream shares all of its JSON but the
 * delta, so that part is serialised once per stream and only the delta per chunk: the route's biggest
 * per-chunk cost was JSON.stringify of the same envelope over and over. Anything that is not a plain
 * content chunk (the finish chunk, usage, errors) takes the ordinary JSON.stringify.
 */
import type { ChatCompletionChunk } from '../wire/index.js';
import type { OpenAIStreamPayload } from './stream.js';

const CHUNK_SUFFIX = ',"finish_reason":null,"logprobs":null}]}\n\n';

export interface FrameEncoder {
  /** One payload as `data: <JSON>\n\n`. */
  frame(payload: OpenAIStreamPayload): string;
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
  };
}
