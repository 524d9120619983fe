import { describe, expect, it } from 'vitest';
import { toChatCompletion, JSON_TOOL_NAME } from '../../src/adapter/index.js';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicStopReason } from '../../src/wire/index.js';

function message(
  content: AnthropicContentBlock[],
  stop: AnthropicStopReason | null = 'end_turn',
): AnthropicMessage {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}

const ctx = { created: 123, model: 'claude-sonnet-4-5' };

describe('toChatCompletion', () => {
  it('builds a chat.completion with id, created, the client’s model and one choice', () => {
    const out = toChatCompletion(message([{ type: 'text', text: 'hi' }]), ctx);
    expect(out).toMatchObject({
      id: 'msg_1',
      object: 'chat.completion',
      created: 123,
      model: 'claude-sonnet-4-5',
    });
    expect(out.choices).toHaveLength(1);
    expect(toChatCompletion(message([]), { ...ctx, id: 'chatcmpl-x' }).id).toBe('chatcmpl-x');
  });

  it('joins text blocks into message.content', () => {
    const out = toChatCompletion(
      message([
        { type: 'text', text: 'Hello, ' },
        { type: 'text', text: 'world' },
      ]),
      ctx,
    );
    expect(out.choices[0]?.message.content).toBe('Hello, world');
  });

  it('sets content to null and lists tool_calls with JSON string arguments when there are only tool calls', () => {
    const out = toChatCompletion(
      message([{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: [1, 'x'] } }], 'tool_use'),
      ctx,
    );
    expect(out.choices[0]).toMatchObject({
      message: {
        content: null,
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":[1,"x"]}' } },
        ],
      },
      finish_reason: 'tool_calls',
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ] as const)('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    expect(
      toChatCompletion(message([{ type: 'text', text: 'x' }], stop), ctx).choices[0]?.finish_reason,
    ).toBe(finish);
  });

  it('returns reasoning_content and the signed thinking blocks, redacted and signature-only included', () => {
    const out = toChatCompletion(
      message([
        { type: 'thinking', thinking: 'Let me think. ', signature: 'sig1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'thinking', thinking: '', signature: 'sig2' },
        { type: 'text', text: 'Answer' },
      ]),
      ctx,
    );
    const msg = out.choices[0]!.message;
    expect(msg.content).toBe('Answer');
    expect(msg.reasoning_content).toBe('Let me think. ');
    expect(msg.thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'Let me think. ', signature: 'sig1' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: '', signature: 'sig2' },
    ]);
  });

  it('omits reasoning fields when there was no thinking', () => {
    const msg = toChatCompletion(message([{ type: 'text', text: 'x' }]), ctx).choices[0]!.message;
    expect(msg).not.toHaveProperty('reasoning_content');
    expect(msg).not.toHaveProperty('thinking_blocks');
    expect(msg).not.toHaveProperty('tool_calls');
  });

  it('counts cache reads and writes in prompt_tokens and reports cache reads as cached_tokens', () => {
    const m = message([{ type: 'text', text: 'x' }]);
    m.usage = {
      input_tokens: 10,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
    };
    expect(toChatCompletion(m, ctx).usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });

  it('turns the JSON tool’s input into content with finish_reason stop', () => {
    const out = toChatCompletion(
      message([{ type: 'tool_use', id: 't', name: JSON_TOOL_NAME, input: { a: 1 } }], 'tool_use'),
      { ...ctx, jsonTool: JSON_TOOL_NAME },
    );
    expect(out.choices[0]).toMatchObject({ message: { content: '{"a":1}' }, finish_reason: 'stop' });
    expect(out.choices[0]?.message).not.toHaveProperty('tool_calls');
  });

  it('treats a tool named like the JSON tool as an ordinary call when JSON mode is off', () => {
    const out = toChatCompletion(
      message([{ type: 'tool_use', id: 't', name: JSON_TOOL_NAME, input: {} }], 'tool_use'),
      ctx,
    );
    expect(out.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  it('skips content block types it does not know', () => {
    const blocks = [
      { type: 'server_tool_use', id: 's', name: 'web_search', input: {} },
      { type: 'text', text: 'ok' },
    ];
    const out = toChatCompletion(message(blocks as AnthropicContentBlock[]), ctx);
    expect(out.choices[0]?.message.content).toBe('ok');
  });
});
