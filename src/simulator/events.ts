/**
 * An answer as the Messages API returns it: one JSON message, or the SSE event sequence
 *
 *   message_start → ping → (content_block_start → *_delta… → content_block_stop)* → message_delta → message_stop
 *
 * with text in several `text_delta`s, tool input in several `input_json_delta` pieces (the first one empty, as
 * the real API sends it), thinking as `thinking_delta`s followed by one `signature_delta`.
 */
import type { Answer, ContentBlock } from './answer.js';
import type { CacheUsage } from './cache.js';
import { outputTokens } from './tokens.js';

export type SseEvent = { type: string } & Record<string, unknown>;

export interface Envelope {
  readonly id: string;
  readonly model: string;
  readonly usage: CacheUsage;
}

function usageOf(envelope: Envelope, output: number): Record<string, unknown> {
  return {
    input_tokens: envelope.usage.input_tokens,
    cache_creation_input_tokens: envelope.usage.cache_creation_input_tokens,
    cache_read_input_tokens: envelope.usage.cache_read_input_tokens,
    output_tokens: output,
    service_tier: 'standard',
  };
}

export function toMessage(envelope: Envelope, answer: Answer): Record<string, unknown> {
  return {
    id: envelope.id,
    type: 'message',
    role: 'assistant',
    model: envelope.model,
    content: answer.content,
    stop_reason: answer.stopReason,
    stop_sequence: answer.stopSequence,
    usage: usageOf(envelope, answer.outputTokens),
  };
}

/** Splits `text` into about `parts` pieces of similar length (at least one). */
function pieces(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

function blockEvents(block: ContentBlock, index: number): SseEvent[] {
  switch (block.type) {
    case 'text': {
      const words = outputTokens(block.text);
      const deltas: SseEvent[] = [];
      // Two words per delta: several deltas for any real sentence, without one event per character.
      for (let i = 0; i < words.length; i += 2) {
        deltas.push({
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text: words.slice(i, i + 2).join('') },
        });
      }
      return [
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ...deltas,
        { type: 'content_block_stop', index },
      ];
    }
    case 'thinking':
      return [
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        },
        ...(block.thinking === ''
          ? []
          : pieces(block.thinking, 3).map((thinking) => ({
              type: 'content_block_delta',
              index,
              delta: { type: 'thinking_delta', thinking },
            }))),
        {
          type: 'content_block_delta',
          index,
          delta: { type: 'signature_delta', signature: block.signature },
        },
        { type: 'content_block_stop', index },
      ];
    case 'tool_use':
      return [
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        },
        { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } },
        ...pieces(JSON.stringify(block.input), 3).map((partial_json) => ({
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json },
        })),
        { type: 'content_block_stop', index },
      ];
  }
}

export function toEvents(envelope: Envelope, answer: Answer): SseEvent[] {
  return [
    {
      type: 'message_start',
      message: {
        id: envelope.id,
        type: 'message',
        role: 'assistant',
        model: envelope.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageOf(envelope, 1),
      },
    },
    { type: 'ping' },
    ...answer.content.flatMap((block, index) => blockEvents(block, index)),
    {
      type: 'message_delta',
      delta: { stop_reason: answer.stopReason, stop_sequence: answer.stopSequence },
      usage: { output_tokens: answer.outputTokens },
    },
    { type: 'message_stop' },
  ];
}

/** One SSE frame as Anthropic writes it. */
export function sseFrame(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
