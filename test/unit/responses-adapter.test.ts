/**
 * The Responses adapter as pure functions: request translation, the Response object, the stream state
 * machine and the reasoning carrier. The integration suite drives the same code through the openai SDK.
 */
import { describe, expect, it } from 'vitest';
import {
  createResponsesStreamTranslator,
  decodeReasoning,
  encodeReasoning,
  toAnthropicFromResponses,
  toResponsesObject,
  type ResponsesContext,
} from '../../src/adapter/responses/index.js';
import { ClientError } from '../../src/errors.js';
import type { AnthropicMessage, AnthropicStreamEvent, ResponsesStreamEvent } from '../../src/wire/index.js';

const MODEL = 'claude-sonnet-4-5';

function translate(body: Record<string, unknown>, history?: unknown[]) {
  return toAnthropicFromResponses({ model: MODEL, ...body }, history === undefined ? {} : { history });
}

function clientError(fn: () => unknown): ClientError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ClientError) return err;
    throw err;
  }
  throw new Error('expected a ClientError');
}

function ctxFor(body: Record<string, unknown> = {}): ResponsesContext {
  const t = translate({ input: 'x', ...body });
  return { id: 'resp_abc', createdAt: 1_700_000_000, echo: t.echo, toolNames: t.toolNames };
}

describe('request translation', () => {
  it('turns a string input into one user turn and instructions into the first system block', () => {
    const t = translate({
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Use metric units.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(t.request.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Use metric units.' },
    ]);
    expect(t.request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    expect(translate({ input: 'Hello' }).inputItems).toEqual([
      { type: 'message', role: 'user', content: 'Hello' },
    ]);
  });

  it('flattens namespace tools and rejoins namespaced function calls', () => {
    const t = translate({
      tools: [
        {
          type: 'namespace',
          name: 'mcp_docs',
          description: 'Docs server',
          tools: [{ type: 'function', name: 'search', parameters: { type: 'object', properties: {} } }],
        },
        { type: 'web_search', external_web_access: false },
      ],
      input: [
        { role: 'user', content: 'find it' },
        { type: 'function_call', call_id: 'call_1', name: 'search', namespace: 'mcp_docs', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'found' },
      ],
    });
    expect(t.request.tools?.map((tool) => tool.name)).toEqual(['mcp_docs__search']);
    expect(t.toolNames.get('mcp_docs__search')).toEqual({ name: 'search', namespace: 'mcp_docs' });
    expect(t.request.messages[1]?.content[0]).toMatchObject({ type: 'tool_use', name: 'mcp_docs__search' });
    expect(t.dropped).toEqual(['web_search']);
  });

  it('maps tool_choice forms and parallel_tool_calls', () => {
    const tools = [
      { type: 'function', name: 'a', parameters: null, strict: null },
      { type: 'function', name: 'b', parameters: { type: 'object', properties: {} }, strict: true },
    ];
    expect(translate({ input: 'x', tools, tool_choice: 'required' }).request.tool_choice).toEqual({
      type: 'any',
    });
    expect(
      translate({ input: 'x', tools, tool_choice: { type: 'function', name: 'b' } }).request.tool_choice,
    ).toEqual({ type: 'tool', name: 'b' });
    const allowed = translate({
      input: 'x',
      tools,
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'a' }] },
    });
    expect(allowed.request.tools?.map((tool) => tool.name)).toEqual(['a']);
    expect(allowed.request.tool_choice).toEqual({ type: 'any' });
    const hosted = translate({ input: 'x', tools, tool_choice: { type: 'web_search_preview' } });
    expect(hosted.request.tool_choice).toEqual({ type: 'auto' });
    expect(hosted.dropped).toEqual(['tool_choice:web_search_preview']);
    expect(translate({ input: 'x', tools, parallel_tool_calls: false }).request.tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(clientError(() => translate({ input: 'x', tool_choice: 'required' })).param).toBe('tool_choice');
    expect(
      clientError(() => translate({ input: 'x', tools, tool_choice: { type: 'function', name: 'zzz' } }))
        .param,
    ).toBe('tool_choice.name');
  });

  it('maps text.format: json_schema natively, json_object as an instruction', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    const native = translate({
      input: 'x',
      text: { format: { type: 'json_schema', name: 'thing', schema } },
    });
    expect(native.request.output_config).toEqual({ format: { type: 'json_schema', schema } });
    const loose = translate({ input: 'x', text: { format: { type: 'json_object' } } });
    expect(loose.request.output_config).toBeUndefined();
    expect(loose.request.system?.at(-1)?.text).toContain('JSON object');
    expect(
      clientError(() => translate({ input: 'x', text: { format: { type: 'json_schema', schema } } })).param,
    ).toBe('text.format.name');
  });

  it('maps reasoning: effort to thinking, summary to summarized display, sampling adjusted', () => {
    const t = translate({
      input: 'x',
      reasoning: { effort: 'high', summary: 'detailed' },
      temperature: 0.2,
      max_output_tokens: 20_000,
    });
    // Summarized is this model's default display, so the normaliser sends no display (src/models).
    expect(t.request.thinking).toEqual({ type: 'enabled', budget_tokens: 16384 });
    expect(
      translate({ model: 'claude-opus-4-7', input: 'x', reasoning: { effort: 'high', summary: 'auto' } })
        .request.thinking,
    ).toEqual({ type: 'adaptive', display: 'summarized' });
    expect(t.request.temperature).toBeUndefined();
    expect(t.request.max_tokens).toBe(20_000);
    expect(translate({ input: 'x', reasoning: { effort: 'none' } }).request.thinking).toBeUndefined();
    expect(clientError(() => translate({ input: 'x', reasoning: { effort: 'extreme' } })).param).toBe(
      'reasoning.effort',
    );
  });

  it('replays reasoning made for this model, skips foreign ones, refuses damaged ones', () => {
    const block = { type: 'thinking' as const, thinking: 't', signature: 'sig' };
    const mine = {
      type: 'reasoning',
      id: 'rs_1',
      summary: [],
      encrypted_content: encodeReasoning(MODEL, [block]),
    };
    const openai = { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'gAAAAABopenai' };
    const other = {
      type: 'reasoning',
      id: 'rs_3',
      summary: [],
      encrypted_content: encodeReasoning('claude-opus-4-6', [block]),
    };
    const t = translate({
      input: [
        { role: 'user', content: 'q' },
        openai,
        other,
        mine,
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'a', annotations: [] }],
        },
        { role: 'user', content: 'q2' },
      ],
    });
    expect(t.request.messages[1]).toEqual({
      role: 'assistant',
      content: [block, { type: 'text', text: 'a' }],
    });
    expect(t.skippedReasoning).toBe(2);
    const damaged = { ...mine, encrypted_content: 'claudine.v1.!!!' };
    expect(clientError(() => translate({ input: [{ role: 'user', content: 'q' }, damaged] })).param).toBe(
      'input[1].encrypted_content',
    );
  });

  it('refuses function_call arguments nested deeper than the body limit, before parsing them (as chat does)', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const err = clientError(() =>
      translate({
        input: [
          { role: 'user', content: 'go' },
          { type: 'function_call', call_id: 'c1', name: 'shot', arguments: `{"a":${deep}}` },
          { type: 'function_call_output', call_id: 'c1', output: 'ok' },
        ],
      }),
    );
    expect(err.message).toMatch(/nested deeper than/);
  });

  it('puts function_call_output images into the tool result and ignores hosted tool items', () => {
    const t = translate({
      input: [
        { role: 'user', content: 'look' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } },
        { type: 'function_call', call_id: 'c1', name: 'shot', arguments: '' },
        {
          type: 'function_call_output',
          call_id: 'c1',
          output: [
            { type: 'input_text', text: 'here' },
            { type: 'input_image', image_url: 'https://example.com/a.png' },
          ],
        },
      ],
    });
    expect(t.request.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'c1', name: 'shot', input: {} }],
    });
    expect(t.request.messages[2]?.content[0]).toEqual({
      type: 'tool_result',
      tool_use_id: 'c1',
      is_error: false,
      content: [
        { type: 'text', text: 'here' },
        { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
      ],
    });
  });

  it('refuses what claudine cannot do with a 400 naming the field', () => {
    expect(clientError(() => translate({ input: 'x', background: true })).param).toBe('background');
    expect(clientError(() => translate({ input: [] })).param).toBe('input');
    expect(clientError(() => translate({ input: [{ type: 'item_reference', id: 'msg_1' }] })).param).toBe(
      'input[0]',
    );
    expect(
      clientError(() =>
        translate({ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }),
      ).param,
    ).toBe('input[0].content[0].file_id');
    expect(clientError(() => translate({ model: '', input: 'x' })).param).toBe('model');
  });

  it('names stored history items apart from the client input in errors', () => {
    expect(clientError(() => translate({ input: 'x' }, [42])).param).toBe('previous_response_id (item 0)');
  });
});

describe('Response object', () => {
  const base: Omit<AnthropicMessage, 'content' | 'stop_reason'> = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: MODEL,
    stop_sequence: null,
    usage: {
      input_tokens: 5,
      output_tokens: 30,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
      output_tokens_details: { thinking_tokens: 12 },
    },
  };

  it('orders items as the blocks came, merging text runs, with usage in OpenAI terms', () => {
    const ctx = ctxFor({
      tools: [
        {
          type: 'namespace',
          name: 'ns',
          description: '',
          tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }],
        },
      ],
    });
    const response = toResponsesObject(
      {
        ...base,
        stop_reason: 'tool_use',
        content: [
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'Part one, ' },
          { type: 'text', text: 'part two.' },
          { type: 'tool_use', id: 'toolu_9', name: 'ns__f', input: { q: 1 } },
        ],
      },
      ctx,
    );
    expect(response.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(response.output_text).toBe('Part one, part two.');
    expect(response.output[2]).toEqual({
      type: 'function_call',
      id: 'fc_abc_2',
      call_id: 'toolu_9',
      name: 'f',
      namespace: 'ns',
      arguments: '{"q":1}',
      status: 'completed',
    });
    const reasoning = response.output[0];
    expect(
      reasoning?.type === 'reasoning' && decodeReasoning(reasoning.encrypted_content ?? '', MODEL),
    ).toEqual({
      ok: true,
      blocks: [{ type: 'redacted_thinking', data: 'opaque' }],
    });
    expect(response.usage).toEqual({
      input_tokens: 125,
      input_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 155,
    });
  });

  it('reports a refusal as a refusal part and incomplete (content_filter)', () => {
    const response = toResponsesObject({ ...base, stop_reason: 'refusal', content: [] }, ctxFor());
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'content_filter' });
    expect(response.output).toEqual([
      {
        type: 'message',
        id: 'msg_abc_0',
        role: 'assistant',
        status: 'incomplete',
        content: [{ type: 'refusal', refusal: expect.any(String) as string }],
      },
    ]);
  });
});

describe('stream translator', () => {
  function run(
    events: unknown[],
    ctx = ctxFor(),
  ): { out: ResponsesStreamEvent[]; end: ResponsesStreamEvent[] } {
    const translator = createResponsesStreamTranslator(ctx);
    const out = events.flatMap((e) => translator.step(e as AnthropicStreamEvent));
    return { out, end: translator.end() };
  }
  const start = {
    type: 'message_start',
    message: { id: 'msg_1', usage: { input_tokens: 3, output_tokens: 1 } },
  };

  it('reports a stream cut short as error and response.failed, numbered on', () => {
    const { out, end } = run([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'par' } },
    ]);
    expect(out.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
    ]);
    expect(end.map((e) => [e.type, e.sequence_number])).toEqual([
      ['error', 5],
      ['response.failed', 6],
    ]);
    expect(end[0]).toMatchObject({ code: 'stream_truncated' });
  });

  it('starts with response.created even when the first upstream event is an error', () => {
    const { out, end } = run([{ type: 'error', error: { type: 'rate_limit_error', message: 'slow' } }]);
    expect(out.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'error',
      'response.failed',
    ]);
    const failed = out[3];
    expect(failed?.type === 'response.failed' && failed.response.error).toEqual({
      code: 'rate_limit_exceeded',
      message: 'slow',
    });
    expect(end).toEqual([]);
  });

  it('closes an answer that stopped with refusal with a refusal part', () => {
    const { out } = run([
      start,
      {
        type: 'message_delta',
        delta: { stop_reason: 'refusal', stop_sequence: null },
        usage: { output_tokens: 2 },
      },
      { type: 'message_stop' },
    ]);
    expect(out.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    const last = out.at(-1);
    expect(last?.type === 'response.incomplete' && last.response.incomplete_details).toEqual({
      reason: 'content_filter',
    });
  });

  it('ignores unknown events and server tool blocks, and nothing after the end', () => {
    const translator = createResponsesStreamTranslator(ctxFor());
    const steps = [
      start,
      { type: 'mystery' },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'server_tool_use', id: 's', name: 'x' },
      },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 1 },
      },
      { type: 'message_stop' },
    ].flatMap((e) => translator.step(e as AnthropicStreamEvent));
    expect(steps.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.completed',
    ]);
    expect(translator.done).toBe(true);
    expect(translator.step({ type: 'message_stop' })).toEqual([]);
    expect(translator.end()).toEqual([]);
    expect(translator.response?.status).toBe('completed');
  });
});
