import { describe, expect, it } from 'vitest';
import { toAnthropicRequest, JSON_TOOL_NAME } from '../../src/adapter/index.js';
import { ClientError } from '../../src/errors.js';

const MODEL = 'claude-sonnet-4-5';
const user = (content: unknown) => ({ role: 'user', content });

function translate(extra: Record<string, unknown> = {}, messages: unknown[] = [user('hi')]) {
  return toAnthropicRequest({ model: MODEL, messages, ...extra });
}

function req(extra: Record<string, unknown> = {}, messages?: unknown[]) {
  return translate(extra, messages).request;
}

function rejection(body: unknown): ClientError {
  try {
    toAnthropicRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ClientError);
    const e = err as ClientError;
    expect(e.status).toBe(400);
    expect(e.kind).toBe('invalid_request');
    return e;
  }
  throw new Error('expected a ClientError');
}

function rejects(
  extra: Record<string, unknown>,
  messages: unknown[] | undefined,
  param: string,
  message?: RegExp,
) {
  const e = rejection({ model: MODEL, messages: messages ?? [user('hi')], ...extra });
  expect(e.param).toBe(param);
  if (message) expect(e.message).toMatch(message);
}

const png = 'iVBORw0KGgo=';
const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');

describe('system and developer messages', () => {
  it('hoists system and developer messages into system as separate text blocks in order', () => {
    const r = req({}, [
      { role: 'system', content: 'one' },
      { role: 'developer', content: [{ type: 'text', text: 'two' }] },
      user('hi'),
    ]);
    expect(r.system).toEqual([
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two' },
    ]);
    expect(r.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('hoists a mid-conversation system message into system after the earlier ones', () => {
    const r = req({}, [
      { role: 'system', content: 'first' },
      user('a'),
      { role: 'assistant', content: 'b' },
      { role: 'system', content: 'later' },
      user('c'),
    ]);
    expect(r.system?.map((b) => b.text)).toEqual(['first', 'later']);
    expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('omits system entirely when there is no system text', () => {
    expect(req({}, [{ role: 'system', content: '   ' }, user('hi')])).not.toHaveProperty('system');
  });
});

describe('turn merging and empty text', () => {
  it('merges consecutive messages of the same role into one turn', () => {
    const r = req({}, [
      user('a'),
      user('b'),
      { role: 'assistant', content: 'c' },
      { role: 'assistant', content: 'd' },
    ]);
    expect(r.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'c' },
          { type: 'text', text: 'd' },
        ],
      },
    ]);
  });

  it('drops empty and whitespace-only text parts so no empty text block reaches the upstream', () => {
    const r = req({}, [
      user([
        { type: 'text', text: '' },
        { type: 'text', text: ' \n ' },
        { type: 'text', text: 'real' },
      ]),
      { role: 'assistant', content: '  ' },
      user('again'),
    ]);
    expect(r.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'real' },
          { type: 'text', text: 'again' },
        ],
      },
    ]);
  });

  it('inserts a placeholder user turn when the conversation starts with the assistant', () => {
    const r = req({}, [
      { role: 'system', content: 's' },
      { role: 'assistant', content: 'Hello!' },
      user('hi'),
    ]);
    expect(r.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: '.' }] });
    expect(r.messages[1]?.role).toBe('assistant');
  });

  it('rejects a conversation with no user or assistant content', () => {
    rejects({}, [{ role: 'system', content: 's' }, user('  ')], 'messages');
  });

  it('trims trailing whitespace from a final prefilled assistant turn', () => {
    const r = req({}, [user('hi'), { role: 'assistant', content: 'The answer is ' }]);
    expect(r.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The answer is' }] });
  });
});

describe('content parts', () => {
  it('turns a data URL image into a base64 source with its media type', () => {
    const r = req({}, [user([{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }])]);
    expect(r.messages[0]?.content[0]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: png },
    });
  });

  it('normalises image/jpg to image/jpeg', () => {
    const r = req({}, [user([{ type: 'image_url', image_url: { url: `data:image/jpg;base64,${png}` } }])]);
    expect(r.messages[0]?.content[0]).toMatchObject({ source: { media_type: 'image/jpeg' } });
  });

  it('turns an https image URL into a url source', () => {
    const r = req({}, [user([{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }])]);
    expect(r.messages[0]?.content[0]).toEqual({
      type: 'image',
      source: { type: 'url', url: 'https://example.com/a.png' },
    });
  });

  it('rejects an unsupported image type naming the part', () => {
    rejects(
      {},
      [
        user([
          { type: 'text', text: 'x' },
          { type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } },
        ]),
      ],
      'messages[0].content[1].image_url',
      /not supported/,
    );
  });

  it('rejects an image URL that is neither http(s) nor a data URL', () => {
    rejects(
      {},
      [user([{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }])],
      'messages[0].content[0].image_url',
    );
  });

  it('turns a PDF file data URL into a base64 document block', () => {
    const r = req({}, [
      user([{ type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'a.pdf' } }]),
    ]);
    expect(r.messages[0]?.content[0]).toEqual({
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: pdf },
      title: 'a.pdf',
    });
  });

  it('recognises a PDF sent as raw base64', () => {
    const r = req({}, [user([{ type: 'file', file: { file_data: pdf } }])]);
    expect(r.messages[0]?.content[0]).toEqual({
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: pdf },
    });
  });

  it('turns a text/plain file into a text document with the decoded text', () => {
    const data = Buffer.from('hello, wörld').toString('base64');
    const r = req({}, [user([{ type: 'file', file: { file_data: `data:text/plain;base64,${data}` } }])]);
    expect(r.messages[0]?.content[0]).toEqual({
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: 'hello, wörld' },
    });
  });

  it('rejects input_audio as not supported', () => {
    rejects(
      {},
      [user([{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }])],
      'messages[0].content[0].input_audio',
      /not supported/,
    );
  });

  it('rejects file_id as not supported', () => {
    rejects(
      {},
      [user([{ type: 'file', file: { file_id: 'file-123' } }])],
      'messages[0].content[0].file.file_id',
      /not supported/,
    );
  });

  it('rejects an unknown content part type', () => {
    rejects({}, [user([{ type: 'video', video: {} }])], 'messages[0].content[0].type');
  });
});

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

describe('tools', () => {
  it('maps function tools to name, description and input_schema', () => {
    expect(req({ tools: [weather] }).tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: weather.function.parameters },
    ]);
  });

  it('gives a tool without parameters an empty object schema', () => {
    expect(req({ tools: [{ type: 'function', function: { name: 'now' } }] }).tools).toEqual([
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it('maps tool_choice none/auto/required/named to none/auto/any/tool', () => {
    expect(req({ tools: [weather], tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' });
    expect(req({ tools: [weather], tool_choice: 'auto' }).tool_choice).toEqual({ type: 'auto' });
    expect(req({ tools: [weather], tool_choice: 'required' }).tool_choice).toEqual({ type: 'any' });
    expect(
      req({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } })
        .tool_choice,
    ).toEqual({ type: 'tool', name: 'get_weather' });
  });

  it('rejects a named tool_choice that is not among the tools', () => {
    rejects(
      { tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } },
      undefined,
      'tool_choice.function.name',
    );
  });

  it('maps parallel_tool_calls false to disable_parallel_tool_use, creating tool_choice auto when absent', () => {
    expect(req({ tools: [weather], parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(
      req({ tools: [weather], parallel_tool_calls: false, tool_choice: 'required' }).tool_choice,
    ).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(
      req({
        tools: [weather],
        parallel_tool_calls: false,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      }).tool_choice,
    ).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
  });

  it('turns assistant tool_calls into tool_use blocks with parsed arguments', () => {
    const r = req({ tools: [weather] }, [
      user('weather?'),
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ]);
    expect(r.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    });
  });

  it('rejects invalid JSON tool arguments naming the message and the call', () => {
    rejects(
      {},
      [
        user('x'),
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{nope' } }],
        },
      ],
      'messages[1].tool_calls[0].function.arguments',
      /messages\[1\].*not valid JSON/,
    );
  });

  it('merges consecutive tool messages into one user turn with ids preserved', () => {
    const r = req({}, [
      user('x'),
      {
        role: 'assistant',
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'one' },
      { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'two' }] },
      user('thanks'),
    ]);
    expect(r.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'one' }], is_error: false },
        { type: 'tool_result', tool_use_id: 'b', content: [{ type: 'text', text: 'two' }], is_error: false },
        { type: 'text', text: 'thanks' },
      ],
    });
  });

  it('rejects a tool message without tool_call_id', () => {
    rejects({}, [user('x'), { role: 'tool', content: 'r' }], 'messages[1].tool_call_id');
  });
});

describe('max tokens', () => {
  it('uses max_completion_tokens, then max_tokens', () => {
    expect(req({ max_completion_tokens: 100, max_tokens: 5 }).max_tokens).toBe(100);
    expect(req({ max_tokens: 5 }).max_tokens).toBe(5);
  });

  it("defaults to the model's output limit (up to 64000), so normal answers are not truncated", () => {
    const max = (model: string) => toAnthropicRequest({ model, messages: [user('x')] }).request.max_tokens;
    expect(max('claude-sonnet-4-5')).toBe(64000);
    expect(max('claude-sonnet-4-5-20250929')).toBe(64000);
    expect(max('claude-opus-5-5')).toBe(64000);
    expect(max('claude-haiku-4-5')).toBe(64000);
    expect(max('some-new-model')).toBe(16384);
  });

  it("clamps a limit above the model's output limit and says so", () => {
    const t = translate({ max_completion_tokens: 100_000 });
    expect(t.request.max_tokens).toBe(64000);
    expect(t.adjustments).toContainEqual(expect.objectContaining({ field: 'max_tokens', change: '64000' }));
  });

  it('lets the caller override the default', () => {
    expect(
      toAnthropicRequest({ model: MODEL, messages: [user('x')] }, { defaultMaxTokens: 777 }).request
        .max_tokens,
    ).toBe(777);
  });

  it('rejects a non-positive or fractional limit', () => {
    rejects({ max_completion_tokens: 0 }, undefined, 'max_completion_tokens');
    rejects({ max_tokens: 1.5 }, undefined, 'max_tokens');
  });
});

describe('sampling, stop, user and stream', () => {
  it('passes temperature through unchanged within 0–1 and clamps above 1', () => {
    expect(req({ temperature: 0.7 }).temperature).toBe(0.7);
    expect(req({ temperature: 1.6 }).temperature).toBe(1);
  });

  it('rejects a temperature outside OpenAI’s 0–2', () => {
    rejects({ temperature: 3 }, undefined, 'temperature');
  });

  it('passes top_p through', () => {
    expect(req({ top_p: 0.5 }).top_p).toBe(0.5);
  });

  it('maps stop (string or array) to stop_sequences, dropping whitespace-only ones', () => {
    expect(req({ stop: 'END' }).stop_sequences).toEqual(['END']);
    expect(req({ stop: ['a', ' ', '\n', 'b'] }).stop_sequences).toEqual(['a', 'b']);
    expect(req({ stop: ['  '] })).not.toHaveProperty('stop_sequences');
  });

  it('maps user or safety_identifier to metadata.user_id', () => {
    expect(req({ user: 'u1' }).metadata).toEqual({ user_id: 'u1' });
    expect(req({ user: 'u1', safety_identifier: 's1' }).metadata).toEqual({ user_id: 's1' });
  });

  it('reports stream and include_usage', () => {
    const t = translate({ stream: true, stream_options: { include_usage: true } });
    expect(t.stream).toBe(true);
    expect(t.includeUsage).toBe(true);
    expect(t.request.stream).toBe(true);
    expect(translate().request).not.toHaveProperty('stream');
  });
});

describe('reasoning', () => {
  it('maps reasoning_effort to thinking with a budget below max_tokens', () => {
    const r = req({ reasoning_effort: 'medium', max_completion_tokens: 20000 });
    expect(r.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(r.max_tokens).toBe(20000);
  });

  it('shrinks the budget to fit a small max_tokens, never below 1024', () => {
    const r = req({ reasoning_effort: 'high', max_completion_tokens: 3000 });
    expect(r.thinking).toEqual({ type: 'enabled', budget_tokens: 1976 });
    const tight = req({ reasoning_effort: 'high', max_completion_tokens: 1500 });
    expect(tight.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(tight.max_tokens).toBeGreaterThan(1024);
  });

  // Was: a 400. The issue calls that a bug (title generation sends a small cap with reasoning_effort).
  it('skips thinking, not the request, when max_tokens leaves no room for the minimum budget', () => {
    const t = translate({ reasoning_effort: 'low', max_completion_tokens: 1024 });
    expect(t.request).not.toHaveProperty('thinking');
    expect(t.request.max_tokens).toBe(1024);
    expect(t.adjustments).toContainEqual(expect.objectContaining({ field: 'thinking', change: 'skipped' }));
  });

  it('turns thinking off for reasoning_effort none', () => {
    expect(req({ reasoning_effort: 'none' })).not.toHaveProperty('thinking');
  });

  it('drops temperature and top_p when thinking is on', () => {
    const r = req({ reasoning_effort: 'low', temperature: 0.2, top_p: 0.5 });
    expect(r).not.toHaveProperty('temperature');
    expect(r).not.toHaveProperty('top_p');
  });

  it('downgrades a forced tool_choice to auto when thinking is on', () => {
    expect(req({ reasoning_effort: 'low', tools: [weather], tool_choice: 'required' }).tool_choice).toEqual({
      type: 'auto',
    });
  });

  it('passes a top-level thinking object through', () => {
    expect(req({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096 }).thinking).toEqual({
      type: 'enabled',
      budget_tokens: 2048,
    });
  });

  it('raises the default max_tokens above a passed-through budget', () => {
    const r = toAnthropicRequest({
      model: 'claude-3-5-sonnet-20241022',
      messages: [user('x')],
      thinking: { type: 'enabled', budget_tokens: 10000 },
    }).request;
    expect(r.max_tokens).toBeGreaterThan(10000);
  });

  it('rejects a passed-through budget not below the explicit max_tokens', () => {
    rejects(
      { thinking: { type: 'enabled', budget_tokens: 4096 }, max_tokens: 4096 },
      undefined,
      'thinking.budget_tokens',
    );
  });

  it('sends thinking blocks with their signatures back to the upstream, before text and tool use', () => {
    const r = req({}, [
      user('x'),
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'hmm',
        thinking_blocks: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig1' },
          { type: 'thinking', thinking: '', signature: 'sig-only' },
          { type: 'redacted_thinking', data: 'opaque' },
        ],
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 't1', content: 'ok' },
    ]);
    expect(r.messages[1]?.content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: 'sig1' },
      { type: 'thinking', thinking: '', signature: 'sig-only' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'tool_use', id: 't1', name: 'f', input: {} },
    ]);
  });
});

describe('response_format', () => {
  const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };

  it('turns json_schema into native structured output with additionalProperties false', () => {
    const t = translate({ response_format: { type: 'json_schema', json_schema: { name: 'thing', schema } } });
    expect(t.jsonTool).toBeNull();
    expect(t.request).not.toHaveProperty('tools');
    expect(t.request).not.toHaveProperty('tool_choice');
    expect(t.request.output_config).toEqual({
      format: { type: 'json_schema', schema: { ...schema, additionalProperties: false } },
    });
  });

  it('turns json_object into a forced tool accepting any object', () => {
    const t = translate({ response_format: { type: 'json_object' } });
    expect(t.request.tools?.[0]?.input_schema).toEqual({ type: 'object', additionalProperties: true });
    expect(t.request.tool_choice).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
  });

  it('leaves text response_format alone', () => {
    const t = translate({ response_format: { type: 'text' } });
    expect(t.jsonTool).toBeNull();
    expect(t.request).not.toHaveProperty('tools');
  });

  it('lets the model choose between client tools and the JSON tool', () => {
    const t = translate({ tools: [weather], response_format: { type: 'json_object' } });
    expect(t.request.tools?.map((x) => x.name)).toEqual(['get_weather', JSON_TOOL_NAME]);
    expect(t.request.tool_choice).toEqual({ type: 'any' });
  });

  it('asks for JSON in the system prompt when thinking is on (a forced tool would be refused)', () => {
    const t = translate({ reasoning_effort: 'low', response_format: { type: 'json_object' } });
    expect(t.jsonTool).toBeNull();
    expect(t.request).not.toHaveProperty('tool_choice');
    expect(t.request.system?.at(-1)?.text).toContain('JSON object');
  });

  it('rejects a schema that does not describe an object', () => {
    rejects(
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array' } } } },
      undefined,
      'response_format.json_schema.schema',
    );
  });
});

describe('unsupported and invalid fields', () => {
  it('rejects n > 1', () => rejects({ n: 2 }, undefined, 'n', /one choice/));
  it('rejects logprobs: true', () => rejects({ logprobs: true }, undefined, 'logprobs'));
  it('rejects audio output', () => {
    rejects({ audio: { voice: 'alloy', format: 'wav' } }, undefined, 'audio');
    rejects({ modalities: ['text', 'audio'] }, undefined, 'modalities');
  });
  it('ignores unknown fields', () => {
    expect(() => req({ frequency_penalty: 1, seed: 3, store: true, service_tier: 'auto' })).not.toThrow();
  });
  it('rejects a body that is not an object', () => {
    expect(rejection([1, 2]).param).toBeNull();
    expect(rejection(null).param).toBeNull();
  });
  it('rejects a missing model', () => {
    expect(rejection({ messages: [user('x')] }).param).toBe('model');
  });
  it('rejects missing or empty messages', () => {
    expect(rejection({ model: MODEL }).param).toBe('messages');
    expect(rejection({ model: MODEL, messages: [] }).param).toBe('messages');
  });
  it('rejects an unknown role naming the message', () => {
    rejects({}, [user('x'), { role: 'robot', content: 'y' }], 'messages[1].role');
  });
  it('does not let a key like "constructor" reach Object.prototype', () => {
    rejects({ reasoning_effort: 'constructor' }, undefined, 'reasoning_effort');
  });
});
