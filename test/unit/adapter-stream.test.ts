import { describe, expect, it } from 'vitest';
import { createChunkTranslator, JSON_TOOL_NAME, type OpenAIStreamPayload } from '../../src/adapter/index.js';
import type { AnthropicStreamEvent, ChatCompletionChunk } from '../../src/wire/index.js';

const start = (
  usage: Record<string, number> = { input_tokens: 10, output_tokens: 1 },
): AnthropicStreamEvent => ({
  type: 'message_start',
  message: {
    id: 'msg_s',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usage as { input_tokens: number; output_tokens: number },
  },
});
const text = (index: number, t: string): AnthropicStreamEvent => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'text_delta', text: t },
});
const stop = (index: number): AnthropicStreamEvent => ({ type: 'content_block_stop', index });
const end = (reason: 'end_turn' | 'tool_use' | 'max_tokens', output = 9): AnthropicStreamEvent[] => [
  {
    type: 'message_delta',
    delta: { stop_reason: reason, stop_sequence: null },
    usage: { output_tokens: output },
  },
  { type: 'message_stop' },
];

function run(
  events: AnthropicStreamEvent[],
  opts: { includeUsage?: boolean; jsonTool?: string | null } = {},
) {
  const t = createChunkTranslator({
    created: 1,
    model: 'gpt-alias',
    includeUsage: opts.includeUsage ?? false,
    jsonTool: opts.jsonTool ?? null,
  });
  const out = events.flatMap((e) => t.step(e));
  return { t, out, chunks: out as ChatCompletionChunk[] };
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.flatMap((c) => c.choices.map((ch) => ch.delta));

describe('createChunkTranslator', () => {
  it('sends a first chunk carrying the role, with the upstream id and the client’s model', () => {
    const { chunks } = run([start()]);
    expect(chunks).toEqual([
      {
        id: 'msg_s',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-alias',
        service_tier: null,
        choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null, logprobs: null }],
      },
    ]);
  });

  it('sends text deltas as content', () => {
    const { chunks } = run([
      start(),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      text(0, 'Hel'),
      text(0, 'lo'),
      stop(0),
    ]);
    expect(deltas(chunks).slice(1)).toEqual([{ content: 'Hel' }, { content: 'lo' }]);
  });

  it('numbers tool calls over tool calls only, each starting with id, type, name and empty arguments', () => {
    const { chunks } = run([
      start(),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      text(0, 'Let me check.'),
      stop(0),
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'tu_a', name: 'f', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"x":1}' } },
      stop(1),
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'tu_b', name: 'g', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      stop(2),
      ...end('tool_use'),
    ]);
    expect(deltas(chunks).slice(2, 6)).toEqual([
      { tool_calls: [{ index: 0, id: 'tu_a', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, type: 'function', function: { arguments: '{"x":1}' } }] },
      { tool_calls: [{ index: 1, id: 'tu_b', type: 'function', function: { name: 'g', arguments: '' } }] },
      { tool_calls: [{ index: 1, type: 'function', function: { arguments: '{}' } }] },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('streams thinking as reasoning_content and sends every signed or redacted block in one delta at the end', () => {
    const { chunks } = run([
      start(),
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm, ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'yes.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'SIG' } },
      stop(0),
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } },
      stop(1),
      ...end('end_turn', 5),
    ]);
    // One delta with the whole list: the openai SDK's stream helper replaces unknown fields, others append;
    // either way the client ends up with both blocks to send back.
    expect(deltas(chunks).slice(1, 4)).toEqual([
      { reasoning_content: 'Hmm, ' },
      { reasoning_content: 'yes.' },
      {
        thinking_blocks: [
          { type: 'thinking', thinking: 'Hmm, yes.', signature: 'SIG' },
          { type: 'redacted_thinking', data: 'opaque' },
        ],
      },
    ]);
  });

  // Was: usage on the finish chunk always. OpenAI's spec sends usage only with include_usage, once.
  it('ends with an empty delta and the finish reason, without usage, then is done', () => {
    const { chunks, t } = run([start(), ...end('max_tokens', 33)]);
    expect(chunks.at(-1)).toEqual({
      id: 'msg_s',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-alias',
      service_tier: null,
      choices: [{ index: 0, delta: {}, finish_reason: 'length', logprobs: null }],
    });
    expect(chunks.some((c) => c.usage !== undefined)).toBe(false);
    expect(t.done).toBe(true);
    expect(t.step(text(0, 'late'))).toEqual([]);
  });

  it('with include_usage sends usage once, on a last chunk with no choices', () => {
    const { chunks } = run(
      [
        start({
          input_tokens: 10,
          output_tokens: 1,
          cache_read_input_tokens: 4,
          cache_creation_input_tokens: 2,
        }),
        ...end('end_turn', 33),
      ],
      { includeUsage: true },
    );
    expect(chunks).toHaveLength(3);
    expect(chunks.filter((c) => c.usage !== undefined)).toHaveLength(1);
    expect(chunks[1]).not.toHaveProperty('usage');
    expect(chunks[2]).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 16,
        completion_tokens: 33,
        total_tokens: 49,
        prompt_tokens_details: { cached_tokens: 4 },
      },
    });
  });

  it('reports thinking tokens as completion_tokens_details.reasoning_tokens', () => {
    const { chunks } = run(
      [
        start(),
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: 50, output_tokens_details: { thinking_tokens: 30 } },
        },
        { type: 'message_stop' },
      ],
      { includeUsage: true },
    );
    expect(chunks.at(-1)?.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 30 });
    const { chunks: plain } = run([start(), ...end('end_turn', 3)], { includeUsage: true });
    expect(plain.at(-1)?.usage).not.toHaveProperty('completion_tokens_details');
  });

  it('gives a tool call that streamed no arguments the arguments "{}"', () => {
    const { chunks } = run([
      start(),
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't1', name: 'now', input: {} },
      },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
      stop(0),
      ...end('tool_use'),
    ]);
    const args = chunks
      .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
      .map((call) => call.function?.arguments ?? '')
      .join('');
    expect(args).toBe('{}');
  });

  it('ignores ping and unknown events', () => {
    const { out } = run([
      { type: 'ping' },
      { type: 'something_new' } as unknown as AnthropicStreamEvent,
      { type: 'content_block_delta', index: 7, delta: { type: 'text_delta', text: 'orphan' } },
    ]);
    expect(out).toEqual([]);
  });

  it('turns an error event into an error payload and is done', () => {
    const { out, t } = run([
      start(),
      text(0, 'x'),
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ...end('end_turn'),
    ]);
    expect(out.at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    } satisfies OpenAIStreamPayload);
    expect(t.done).toBe(true);
    expect(t.error?.status).toBe(503);
  });

  it('turns the JSON tool’s argument fragments into content deltas and finishes with stop', () => {
    const { chunks } = run(
      [
        start(),
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 't', name: JSON_TOOL_NAME, input: {} },
        },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } },
        stop(0),
        ...end('tool_use'),
      ],
      { jsonTool: JSON_TOOL_NAME },
    );
    expect(deltas(chunks).slice(1, 3)).toEqual([{ content: '{"a":' }, { content: '1}' }]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('takes input and cache counts from message_delta when the upstream repeats them there', () => {
    const { chunks } = run(
      [
        start({ input_tokens: 0, output_tokens: 0 }),
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: 5, input_tokens: 20, cache_read_input_tokens: 0 },
        },
        { type: 'message_stop' },
      ],
      { includeUsage: true },
    );
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 });
  });
});

describe('ChunkTranslator.end', () => {
  it('reports a stream cut short before message_stop as an error payload', () => {
    const t = createChunkTranslator({ created: 1, model: 'm', includeUsage: false });
    t.step(start());
    t.step(text(0, 'partial'));
    expect(t.end()).toEqual([
      {
        error: {
          message: 'the upstream stream ended before the message was complete',
          type: 'server_error',
          param: null,
          code: 'stream_truncated',
        },
      },
    ]);
    expect(t.done).toBe(true);
    expect(t.error?.status).toBe(502);
  });

  it('returns nothing after a complete stream', () => {
    const { t } = run([start(), ...end('end_turn')]);
    expect(t.end()).toEqual([]);
    expect(t.error).toBeNull();
  });
});
