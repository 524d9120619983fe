import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createChunkTranslator, toAnthropicRequest, toChatCompletion } from '../../src/adapter/index.js';
import type { AnthropicMessage, AnthropicStreamEvent } from '../../src/wire/index.js';
import { ClientError } from '../../src/errors.js';

function onlyClientErrors(body: unknown): void {
  try {
    toAnthropicRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ClientError);
  }
}

const part = fc.oneof(
  fc.record({
    type: fc.constantFrom('text', 'image_url', 'file', 'input_audio', 'refusal', 'x'),
    text: fc.anything(),
  }),
  fc.record({
    type: fc.constant('image_url'),
    image_url: fc.oneof(fc.anything(), fc.record({ url: fc.string() })),
  }),
  fc.record({
    type: fc.constant('file'),
    file: fc.oneof(fc.anything(), fc.record({ file_data: fc.string(), filename: fc.string() })),
  }),
  fc.anything(),
);
const message = fc.record(
  {
    role: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function', 'x'),
    content: fc.oneof(fc.string(), fc.array(part, { maxLength: 4 }), fc.anything()),
    tool_calls: fc.oneof(
      fc.anything(),
      fc.array(
        fc.record({
          id: fc.anything(),
          type: fc.anything(),
          function: fc.record({ name: fc.string(), arguments: fc.oneof(fc.string(), fc.json()) }),
        }),
      ),
    ),
    tool_call_id: fc.oneof(fc.string(), fc.anything()),
    thinking_blocks: fc.anything(),
  },
  { requiredKeys: ['role'] },
);
const body = fc.record(
  {
    model: fc.oneof(fc.string(), fc.anything()),
    messages: fc.oneof(fc.array(message, { maxLength: 5 }), fc.anything()),
    max_tokens: fc.anything(),
    max_completion_tokens: fc.oneof(fc.integer(), fc.anything()),
    temperature: fc.oneof(fc.double(), fc.anything()),
    top_p: fc.anything(),
    stop: fc.oneof(fc.string(), fc.array(fc.anything()), fc.anything()),
    tools: fc.oneof(fc.anything(), fc.array(fc.record({ type: fc.anything(), function: fc.anything() }))),
    tool_choice: fc.oneof(fc.constantFrom('none', 'auto', 'required', 'constructor'), fc.anything()),
    parallel_tool_calls: fc.anything(),
    response_format: fc.oneof(
      fc.record({ type: fc.constantFrom('text', 'json_object', 'json_schema'), json_schema: fc.anything() }),
      fc.anything(),
    ),
    reasoning_effort: fc.oneof(
      fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', '__proto__'),
      fc.anything(),
    ),
    thinking: fc.anything(),
    stream: fc.anything(),
    stream_options: fc.anything(),
    n: fc.anything(),
    user: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('toAnthropicRequest on arbitrary input', () => {
  it('throws nothing but ClientError for any JSON value', () => {
    fc.assert(fc.property(fc.anything(), onlyClientErrors), { numRuns: 500 });
  });

  it('throws nothing but ClientError for request-shaped garbage', () => {
    fc.assert(fc.property(body, onlyClientErrors), { numRuns: 3000 });
  });
});

const eventType = fc.constantFrom(
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
  'other',
);
const event = fc.oneof(
  fc.record(
    {
      type: eventType,
      index: fc.oneof(fc.nat(3), fc.anything()),
      message: fc.anything(),
      content_block: fc.oneof(
        fc.record({
          type: fc.constantFrom('text', 'tool_use', 'thinking', 'redacted_thinking'),
          text: fc.anything(),
          thinking: fc.anything(),
          name: fc.anything(),
        }),
        fc.anything(),
      ),
      delta: fc.oneof(
        fc.record({
          type: fc.constantFrom('text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta'),
          text: fc.anything(),
          partial_json: fc.anything(),
          thinking: fc.anything(),
          signature: fc.anything(),
          stop_reason: fc.anything(),
        }),
        fc.anything(),
      ),
      usage: fc.anything(),
      error: fc.anything(),
    },
    { requiredKeys: ['type'] },
  ),
  fc.anything(),
);

describe('the response side on malformed upstream data', () => {
  it('the chunk translator never throws, whatever events arrive', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.boolean(), (events, includeUsage) => {
        const t = createChunkTranslator({ created: 0, model: 'm', includeUsage, jsonTool: 'json_response' });
        for (const e of events) t.step(e as AnthropicStreamEvent);
      }),
      { numRuns: 2000 },
    );
  });

  it('toChatCompletion never throws on a message with odd content and usage', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.anything(),
          content: fc.anything(),
          usage: fc.anything(),
          stop_reason: fc.anything(),
        }),
        (m) => {
          toChatCompletion(m as unknown as AnthropicMessage, { created: 0, model: 'm' });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
