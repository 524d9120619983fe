/**
 * The Responses adapter on arbitrary input: request translation throws nothing but ClientError, and the
 * response side never throws on malformed upstream data, numbering its events from 0 without gaps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createResponsesStreamTranslator,
  encodeReasoning,
  toAnthropicFromResponses,
  toResponsesObject,
  type ResponsesContext,
} from '../../src/adapter/responses/index.js';
import { ClientError } from '../../src/errors.js';
import type { AnthropicMessage, AnthropicStreamEvent } from '../../src/wire/index.js';

function onlyClientErrors(body: unknown): void {
  try {
    toAnthropicFromResponses(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ClientError);
  }
}

const contentPart = fc.oneof(
  fc.record({
    type: fc.constantFrom('input_text', 'output_text', 'input_image', 'input_file', 'refusal', 'x'),
    text: fc.anything(),
    refusal: fc.anything(),
    image_url: fc.oneof(fc.constant('data:image/png;base64,AAAA'), fc.string(), fc.anything()),
    file_data: fc.anything(),
    filename: fc.anything(),
  }),
  fc.anything(),
);
const item = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom(
        'message',
        'function_call',
        'function_call_output',
        'reasoning',
        'item_reference',
        'x',
      ),
      role: fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool'),
      content: fc.oneof(fc.string(), fc.array(contentPart, { maxLength: 3 }), fc.anything()),
      call_id: fc.oneof(fc.constant('call_1'), fc.anything()),
      name: fc.oneof(fc.constant('f'), fc.anything()),
      namespace: fc.anything(),
      arguments: fc.oneof(fc.constant('{"a":1}'), fc.string(), fc.anything()),
      output: fc.oneof(fc.string(), fc.array(contentPart, { maxLength: 2 }), fc.anything()),
      encrypted_content: fc.oneof(
        fc.constant(encodeReasoning('m', [{ type: 'thinking', thinking: 't', signature: 's' }])),
        fc.string().map((s) => `claudine.v1.${s}`),
        fc.anything(),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const body = fc.record(
  {
    model: fc.oneof(fc.constant('m'), fc.anything()),
    input: fc.oneof(fc.string(), fc.array(item, { maxLength: 5 }), fc.anything()),
    instructions: fc.anything(),
    tools: fc.oneof(
      fc.array(
        fc.record({
          type: fc.constantFrom('function', 'namespace', 'web_search', 'custom'),
          name: fc.oneof(fc.constant('f'), fc.string(), fc.anything()),
          parameters: fc.anything(),
          tools: fc.anything(),
        }),
        { maxLength: 3 },
      ),
      fc.anything(),
    ),
    tool_choice: fc.oneof(
      fc.constantFrom('none', 'auto', 'required'),
      fc.record({
        type: fc.constantFrom('function', 'allowed_tools', 'web_search'),
        name: fc.anything(),
        tools: fc.anything(),
        mode: fc.anything(),
      }),
      fc.anything(),
    ),
    parallel_tool_calls: fc.anything(),
    text: fc.oneof(
      fc.record({
        format: fc.record({
          type: fc.constantFrom('text', 'json_object', 'json_schema'),
          name: fc.anything(),
          schema: fc.anything(),
        }),
      }),
      fc.anything(),
    ),
    reasoning: fc.oneof(fc.record({ effort: fc.anything(), summary: fc.anything() }), fc.anything()),
    max_output_tokens: fc.anything(),
    temperature: fc.anything(),
    metadata: fc.anything(),
    store: fc.anything(),
    stream: fc.anything(),
    user: fc.anything(),
    background: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('toAnthropicFromResponses on arbitrary input', () => {
  it('throws nothing but ClientError for any JSON value', () => {
    fc.assert(fc.property(fc.anything(), onlyClientErrors), { numRuns: 300 });
  });

  it('throws nothing but ClientError for request-shaped garbage', () => {
    fc.assert(fc.property(body, onlyClientErrors), { numRuns: 2000 });
  });
});

const ctx: ResponsesContext = {
  id: 'resp_x',
  createdAt: 0,
  echo: toAnthropicFromResponses({ model: 'm', input: 'x' }).echo,
  toolNames: new Map([['ns__f', { name: 'f', namespace: 'ns' }]]),
};

const event = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom(
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
        'ping',
        'error',
        'other',
      ),
      index: fc.oneof(fc.nat(3), fc.anything()),
      message: fc.anything(),
      content_block: fc.oneof(
        fc.record({
          type: fc.constantFrom('text', 'tool_use', 'thinking', 'redacted_thinking', 'server_tool_use'),
          text: fc.anything(),
          thinking: fc.anything(),
          signature: fc.anything(),
          name: fc.anything(),
          id: fc.anything(),
          data: fc.anything(),
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

describe('the Responses side on malformed upstream data', () => {
  it('the stream translator never throws, starts with response.created and numbers events without gaps', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 14 }), (events) => {
        const t = createResponsesStreamTranslator(ctx);
        const out = events.flatMap((e) => t.step(e as AnthropicStreamEvent));
        out.push(...t.end());
        expect(out[0]?.type).toBe('response.created');
        expect(out.map((e) => e.sequence_number)).toEqual(out.map((_, i) => i));
        expect(['response.completed', 'response.incomplete', 'response.failed']).toContain(out.at(-1)?.type);
        for (const e of out) JSON.stringify(e);
      }),
      { numRuns: 2000 },
    );
  });

  it('toResponsesObject never throws on a message with odd content and usage', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.anything(),
          content: fc.anything(),
          usage: fc.anything(),
          stop_reason: fc.anything(),
        }),
        (m) => {
          JSON.stringify(toResponsesObject(m as unknown as AnthropicMessage, ctx));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
