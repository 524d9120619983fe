/**
 * Property tests of the request side: whatever a client sends, toAnthropicRequest either returns a request
 * the upstream would accept the shape of, or throws a ClientError that becomes a 400 — never anything else,
 * which would be a 500 (a bug) at the HTTP edge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toAnthropicRequest, type TranslatedRequest } from '../../src/adapter/index.js';
import { ClientError } from '../../src/errors.js';
import type { AnthropicContentBlockParam, AnthropicMessagesRequest } from '../../src/wire/index.js';

/** Translates, or returns the ClientError; any other throwable fails the property. */
function translate(body: unknown): TranslatedRequest | ClientError {
  try {
    return toAnthropicRequest(body);
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    expect(err.status).toBe(400);
    expect(err.message.length).toBeGreaterThan(0);
    return err;
  }
}

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/** Every text block the request carries, wherever it sits. */
function textBlocksOf(request: AnthropicMessagesRequest): string[] {
  const texts: string[] = [];
  const visit = (blocks: readonly AnthropicContentBlockParam[]): void => {
    for (const block of blocks) {
      if (block.type === 'text') texts.push(block.text);
      if (block.type === 'tool_result' && block.content !== undefined) visit(block.content);
    }
  };
  for (const block of request.system ?? []) texts.push(block.text);
  for (const message of request.messages) visit(message.content);
  return texts;
}

/** What must hold of every translated request (the upstream rejects requests that break these). */
function checkInvariants(out: TranslatedRequest, body: Record<string, unknown>): void {
  const { request } = out;
  expect(request.messages.length).toBeGreaterThan(0);
  expect(request.messages[0]!.role).toBe('user');
  for (let i = 0; i < request.messages.length; i++) {
    const message = request.messages[i]!;
    expect(message.content.length, `messages[${i}] has blocks`).toBeGreaterThan(0);
    if (i > 0) expect(message.role, `messages[${i}] alternates`).not.toBe(request.messages[i - 1]!.role);
    // tool_result blocks lead their user turn.
    const firstOther = message.content.findIndex((b) => b.type !== 'tool_result');
    if (firstOther !== -1) {
      expect(message.content.slice(firstOther).some((b) => b.type === 'tool_result')).toBe(false);
    }
    if (message.role === 'assistant') {
      expect(message.content.some((b) => b.type === 'tool_result' || b.type === 'image')).toBe(false);
    }
  }
  for (const text of textBlocksOf(request)) expect(isBlank(text), JSON.stringify(text)).toBe(false);
  const last = request.messages[request.messages.length - 1]!;
  const lastBlock = last.content[last.content.length - 1];
  if (last.role === 'assistant' && lastBlock?.type === 'text')
    expect(lastBlock.text).toBe(lastBlock.text.trimEnd());

  expect(Number.isSafeInteger(request.max_tokens) && request.max_tokens > 0).toBe(true);
  if (request.thinking?.type === 'enabled') {
    expect(request.thinking.budget_tokens).toBeGreaterThanOrEqual(1024);
    expect(request.max_tokens).toBeGreaterThan(request.thinking.budget_tokens);
  }
  if (request.thinking !== undefined && request.thinking.type !== 'disabled') {
    expect(request.temperature).toBeUndefined();
    expect(['any', 'tool']).not.toContain(request.tool_choice?.type);
  }
  if (request.temperature !== undefined)
    expect(request.temperature >= 0 && request.temperature <= 1).toBe(true);
  if (request.tool_choice !== undefined) expect(request.tools?.length).toBeGreaterThan(0);
  if (request.tool_choice?.type === 'tool') {
    const name = request.tool_choice.name;
    expect(request.tools?.some((t) => t.name === name)).toBe(true);
  }
  for (const tool of request.tools ?? []) {
    expect(tool.name.length).toBeGreaterThan(0);
    expect(tool.input_schema.type).toBe('object');
  }
  for (const stop of request.stop_sequences ?? []) expect(isBlank(stop)).toBe(false);
  expect(request.stream === true).toBe(out.stream);
  expect(out.model).toBe(body['model']);
  expect(request.model).toBe(body['model']);
  // The request must survive the trip to the upstream as JSON.
  expect(JSON.parse(JSON.stringify(request))).toEqual(request);
}

// ---------------------------------------------------------------- generators

/** Mostly `valid`, sometimes `invalid`: enough translations to check, enough errors to exercise. */
function mostly<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}

/** Text with plenty of the edge cases: empty, whitespace only, trailing whitespace, multi-byte. */
const text = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('', ' ', '\n', ' \t\n', 'hi', 'Hello, world ', '  lead', 'é 世界 🎉\n'),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
);

const base64 = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('base64'));

const imageUrl = mostly(
  fc.oneof(
    fc
      .tuple(
        fc.constantFrom('image/png', 'image/jpeg', 'image/jpg', 'IMAGE/PNG', 'image/gif', 'image/webp'),
        base64,
      )
      .map(([type, data]) => `data:${type};base64,${data}`),
    fc.constantFrom('https://example.com/cat.png', 'http://example.com/a.jpg', 'HTTPS://EXAMPLE.COM/X'),
    fc.webUrl({ validSchemes: ['https'] }),
  ),
  fc.oneof(
    fc.constantFrom(
      'ftp://example.com/x',
      'data:',
      'data:image/png',
      '',
      'data:image/png,notbase64',
      'data:image/svg+xml;base64,PHN2Zz4=',
    ),
    fc.string({ maxLength: 10 }),
  ),
);

const textPart = fc.record({ type: fc.constant('text'), text });
const imagePart = fc.oneof(
  fc.record({
    type: fc.constant('image_url'),
    image_url: fc.record(
      { url: imageUrl, detail: fc.constantFrom('auto', 'low', 'high') },
      { requiredKeys: ['url'] },
    ),
  }),
  fc.record({ type: fc.constant('image_url'), image_url: imageUrl }),
);
const filePart = fc.record({
  type: fc.constant('file'),
  file: fc.record(
    {
      file_data: mostly(
        fc.oneof(
          base64.map((d) => `data:application/pdf;base64,JVBER${d}`),
          base64.map((d) => `data:text/plain;base64,${d}`),
          fc.string({ maxLength: 12 }).map((s) => `data:text/plain,${encodeURIComponent(s)}`),
          fc.constant('JVBERi0xLjQK'),
        ),
        fc.constantFrom(
          'data:text/plain,%E0%A4%A',
          'aGVsbG8=',
          'data:application/zip;base64,UEsDBA==',
          'data:application/pdf,x',
        ),
      ),
      filename: fc.constantFrom('a.pdf', 'notes.txt', 'x.bin', ''),
    },
    { requiredKeys: ['file_data'] },
  ),
});
const oddPart = fc.oneof(
  fc.record({
    type: fc.constant('input_audio'),
    input_audio: fc.record({ data: base64, format: fc.constant('wav') }),
  }),
  fc.record({ type: fc.constant('refusal'), refusal: text }),
  fc.constant({ type: 'text' }),
);
const userPart = mostly(fc.oneof({ weight: 3, arbitrary: textPart }, imagePart, filePart), oddPart);

const userContent = fc.oneof(text, fc.array(userPart, { maxLength: 4 }));
const plainContent = mostly(
  fc.oneof(text, fc.array(textPart, { maxLength: 3 }), fc.constant(null)),
  fc.oneof(fc.array(userPart, { minLength: 1, maxLength: 2 }), fc.constant({ text: 'x' })),
);

const toolName = fc.constantFrom('get_weather', 'search', 'json_response', 'x');
const toolArguments = mostly(
  fc.oneof(
    fc
      .dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
      .map((o) => JSON.stringify(o)),
    fc.constantFrom('', '{"a":1}', '{}'),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  ),
  fc.oneof(fc.constantFrom('{', '[]', 'null', '"s"', 'not json', '{"a":'), fc.string({ maxLength: 10 })),
);
const toolCall = fc.record(
  {
    id: mostly(fc.constantFrom('call_1', 'call_2', 'toolu_x'), fc.constant('')),
    type: mostly(fc.constant('function'), fc.constant('custom')),
    function: fc.record({ name: toolName, arguments: toolArguments }, { requiredKeys: ['name'] }),
  },
  { requiredKeys: ['id', 'function'] },
);
const thinkingBlock = fc.oneof(
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.constantFrom('', 'sig_abc') }),
  fc.record({ type: fc.constant('redacted_thinking'), data: fc.constantFrom('opaque') }),
);

const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content: plainContent }),
  {
    weight: 3,
    arbitrary: fc.record(
      { role: fc.constant('user'), content: userContent, name: fc.constant('u') },
      { requiredKeys: ['role', 'content'] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        role: fc.constant('assistant'),
        content: plainContent,
        tool_calls: fc.array(toolCall, { maxLength: 2 }),
        thinking_blocks: fc.array(thinkingBlock, { maxLength: 2 }),
        refusal: fc.constant(null),
      },
      { requiredKeys: ['role'] },
    ),
  },
  fc.record(
    {
      role: fc.constant('tool'),
      tool_call_id: mostly(fc.constantFrom('call_1', 'call_2'), fc.constant('')),
      content: plainContent,
    },
    { requiredKeys: ['role', 'content'] },
  ),
);

const jsonSchema = mostly(
  fc.constantFrom(
    { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    { properties: {} },
    null,
  ),
  fc.constant({ type: 'array' }),
);
const tool = fc.record(
  {
    type: mostly(fc.constant('function'), fc.constant('web_search')),
    function: fc.record(
      { name: toolName, description: text, parameters: jsonSchema, strict: fc.boolean() },
      { requiredKeys: ['name'] },
    ),
  },
  { requiredKeys: ['function'] },
);
const toolChoice = mostly(
  fc.oneof(
    fc.constantFrom('none', 'auto', 'required'),
    toolName.map((name) => ({ type: 'function', function: { name } })),
  ),
  fc.constantFrom('any', { type: 'function' }),
);
const responseFormat = mostly(
  fc.oneof(
    fc.constant({ type: 'text' }),
    fc.constant({ type: 'json_object' }),
    fc.record({
      type: fc.constant('json_schema'),
      json_schema: fc.record(
        { name: fc.constant('answer'), schema: jsonSchema, strict: fc.boolean() },
        { requiredKeys: ['name'] },
      ),
    }),
  ),
  fc.constant({ type: 'xml' }),
);
const maxTokens = mostly(
  fc.oneof(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom(1, 1024, 1025, 2048, 8192)),
  fc.constantFrom(0, -1, 1.5, '100'),
);

/** Known keys the generator sets; random extra fields use other names so they cannot shadow them. */
const KNOWN = new Set([
  'model',
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'stop',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'reasoning_effort',
  'thinking',
  'response_format',
  'stream',
  'stream_options',
  'n',
  'user',
  'safety_identifier',
  'logprobs',
  'audio',
  'modalities',
  'functions',
  'function_call',
]);
const extraFields = fc
  .dictionary(
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('__proto__', 'constructor', 'seed', 'metadata', 'store', 'prediction'),
    ),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  )
  .map((extra) => Object.fromEntries(Object.entries(extra).filter(([key]) => !KNOWN.has(key))));

const request = fc
  .tuple(
    fc.record(
      {
        model: fc.constantFrom('claude-sonnet-4-5', 'claude-opus-4-1', 'claude-3-haiku-20240307', 'gpt-4o'),
        messages: fc.array(message, { minLength: 1, maxLength: 6 }),
        tools: fc.array(tool, { minLength: 1, maxLength: 2 }),
        tool_choice: toolChoice,
        parallel_tool_calls: fc.boolean(),
        stop: fc.oneof(text, fc.array(text, { maxLength: 3 })),
        temperature: mostly(
          fc.double({ min: 0, max: 2, noNaN: true }),
          fc.constantFrom(-0.1, 2.5, Number.NaN),
        ),
        top_p: fc.double({ min: 0, max: 1, noNaN: true }),
        max_tokens: maxTokens,
        max_completion_tokens: maxTokens,
        reasoning_effort: mostly(
          fc.constantFrom('none', 'minimal', 'low', 'medium', 'high'),
          fc.constant('extreme'),
        ),
        thinking: mostly(
          fc.oneof(
            fc.record({
              type: fc.constant('enabled'),
              budget_tokens: fc.oneof(
                fc.integer({ min: 1024, max: 4096 }),
                fc.integer({ min: 1024, max: 70_000 }),
              ),
            }),
            fc.constantFrom({ type: 'disabled' }, { type: 'adaptive' }),
          ),
          fc.constantFrom({ type: 'other' }, { type: 'enabled', budget_tokens: 100 }),
        ),
        response_format: responseFormat,
        stream: fc.boolean(),
        stream_options: fc.record({ include_usage: fc.boolean() }),
        n: mostly(fc.constantFrom(1, null), fc.constant(2)),
        user: fc.constantFrom('user-1', ''),
      },
      { requiredKeys: ['model', 'messages'] },
    ),
    extraFields,
  )
  .map(([known, extra]): Record<string, unknown> => ({ ...extra, ...known }));

/** Every path to a value inside `value` (object keys and array indexes), the root included. */
function paths(value: unknown, prefix: readonly (string | number)[] = []): (readonly (string | number)[])[] {
  const out: (readonly (string | number)[])[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** A deep copy of `value` with the value at `path` replaced. */
function replaceAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value))
    return (value as unknown[]).map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  // defineProperty, not assignment: the key may be `__proto__`.
  Object.defineProperty(copy, head, {
    value: replaceAt(copy[head], rest, replacement),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** A valid-shaped request with one value anywhere inside it swapped for arbitrary JSON. */
const mutatedRequest = fc
  .tuple(request, fc.nat(), fc.jsonValue({ maxDepth: 3 }))
  .map(([body, pick, replacement]) => {
    const all = paths(body);
    return replaceAt(body, all[pick % all.length]!, replacement);
  });

/** JSON texts, parsed: the only way `__proto__` arrives as an own key, as it does from a real body. */
const parsedJson = fc.json({ maxDepth: 4 }).map((t) => JSON.parse(t) as unknown);

const dangerousKeys = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'messages',
    'role',
    'content',
    'type',
    'model',
  ),
);

// ---------------------------------------------------------------- properties

describe('toAnthropicRequest on valid-shaped OpenAI requests', () => {
  it('translates or throws a 400 ClientError, and every translation keeps the upstream invariants', () => {
    let translated = 0;
    fc.assert(
      fc.property(request, (body) => {
        const out = translate(body);
        if (out instanceof ClientError) return;
        translated++;
        checkInvariants(out, body);
      }),
      { numRuns: 800 },
    );
    // The generator must reach the translation, not only the validation errors.
    expect(translated).toBeGreaterThan(40);
  });

  it('a minimal text conversation always translates, whatever the text and roles', () => {
    const simple = fc.record({
      model: fc.constant('claude-sonnet-4-5'),
      messages: fc
        .array(
          fc.record({ role: fc.constantFrom('system', 'developer', 'user', 'assistant'), content: text }),
          { minLength: 1, maxLength: 6 },
        )
        .filter((ms) => ms.some((m) => m.role !== 'system' && m.role !== 'developer' && !isBlank(m.content))),
      stream: fc.boolean(),
    });
    fc.assert(
      fc.property(simple, (body) => {
        const out = translate(body);
        expect(out).not.toBeInstanceOf(ClientError);
        checkInvariants(out as TranslatedRequest, body);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid-shaped request with any one value replaced by arbitrary JSON still gives only ClientErrors', () => {
    fc.assert(
      fc.property(mutatedRequest, (body) => {
        const out = translate(body);
        if (!(out instanceof ClientError)) checkInvariants(out, body as Record<string, unknown>);
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 500) },
    );
  });
});

describe('toAnthropicRequest on arbitrary values', () => {
  it('throws nothing but a 400 ClientError for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => void translate(v)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(parsedJson, (v) => void translate(v)),
      { numRuns: 500 },
    );
  });

  it('throws nothing but a 400 ClientError for anything, prototype-less objects and odd keys included', () => {
    const anything = fc.anything({
      key: dangerousKeys,
      withNullPrototype: true,
      withSparseArray: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(anything, (v) => void translate(v)),
      { numRuns: 500 },
    );
    // The same values where a request's fields would be.
    const shaped = fc.dictionary(fc.constantFrom(...KNOWN), anything, { maxKeys: 6 });
    fc.assert(
      fc.property(shaped, (v) => void translate(v)),
      { numRuns: 500 },
    );
  });
});
