/**
 * POST /v1/chat/completions and GET /v1/models through the running proxy with the official `openai` SDK:
 * what the client gets, and what the simulated Anthropic upstream (src/simulator) received. Every request
 * the proxy sends is checked against the real API's rules; scripted answers are sent only after that.
 */
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FALLBACK_MODELS } from '../../src/models/index.js';
import {
  MODEL_RULES,
  startSimulator,
  type RecordedRequest,
  type Simulator,
} from '../../src/simulator/index.js';
import {
  errorEvent,
  message,
  redactedThinkingBlock,
  stream,
  textBlock,
  thinkingBlock,
  toolUseBlock,
} from '../helpers/anthropic-streams.js';
import { eventually, FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

const MODEL = 'claude-sonnet-4-5';

let upstream: Simulator;
let proxy: RunningProxy;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startSimulator();
  // Retries off: each test scripts exactly one upstream answer per request.
  // Automatic cache breakpoints (a documented choice the Go original did not make) are off here so the
  // upstream bodies can be compared exactly; test/integration/chat-caching.test.ts covers them.
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    flags: { '--upstream--max-retries': '0', '--translation--prompt-caching': 'off' },
  });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
});

interface SeenBody {
  model: string;
  max_tokens: number;
  messages: { role: string; content: Record<string, unknown>[] }[];
  system?: unknown;
  stream?: boolean;
  stop_sequences?: string[];
  thinking?: unknown;
  temperature?: number;
  tools?: { name: string; input_schema: unknown }[];
  tool_choice?: unknown;
}

/** The Messages API calls the proxy made, in order. */
function messageCalls(): RecordedRequest[] {
  return upstream.requests.filter((r) => r.path === '/v1/messages');
}

function seen(i = 0): SeenBody {
  const call = messageCalls()[i];
  expect(call, `upstream Messages call #${i}`).toBeDefined();
  return call!.json as SeenBody;
}

/**
 * Answers the next Messages calls with these scripted answers (a buffered body, or stream events), each
 * sent only after the simulator accepted the request the proxy made.
 */
function script(...answers: (Record<string, unknown> | Record<string, unknown>[])[]): void {
  for (const answer of answers) {
    upstream.script(
      Array.isArray(answer)
        ? { kind: 'reply', events: answer as ({ type: string } & Record<string, unknown>)[] }
        : { kind: 'reply', message: answer },
    );
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

const weatherTools: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Local time in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

describe('plain completions', () => {
  it('creates a buffered completion, with the proxy credential and a default max_tokens upstream', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^msg_sim_/);
    expect(completion.model).toBe(MODEL);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.message).toMatchObject({
      role: 'assistant',
      content: 'Simulated answer to: "Hi"',
    });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const { prompt_tokens, completion_tokens, total_tokens } = completion.usage!;
    expect(prompt_tokens).toBeGreaterThan(0);
    expect(completion_tokens).toBeGreaterThan(0);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);

    const call = messageCalls()[0]!;
    expect(call.headers['x-api-key']).toBe(FAKE_API_KEY);
    expect(call.headers['authorization']).toBeUndefined();
    expect(call.headers['anthropic-version']).toBe('2023-06-01');
    expect(call.json).toEqual({
      model: MODEL,
      max_tokens: 64000,
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('streams text deltas with for await, ending with a stop chunk', async () => {
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of response) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Simulated answer to: "Hi"');
    // The simulator streams two words per text_delta; each becomes one chunk.
    expect(chunks.flatMap((c) => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : []))).toEqual([
      'Simulated answer ',
      'to: "Hi"',
    ]);
    const id = chunks[0]!.id;
    expect(id).toMatch(/^msg_sim_/);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === id)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(seen().stream).toBe(true);
  });

  it('streams with the chat.completions.stream() helper to finalChatCompletion()', async () => {
    const contents: string[] = [];
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
      stream_options: { include_usage: true },
    });
    runner.on('content', (delta) => contents.push(delta));
    const final = await runner.finalChatCompletion();
    expect(contents).toEqual(['Simulated answer ', 'to: "Hi"']);
    expect(final.choices[0]!.message.content).toBe('Simulated answer to: "Hi"');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    // Usage comes only with include_usage (OpenAI's spec), on the last chunk.
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
    expect(final.usage?.total_tokens).toBe(final.usage!.prompt_tokens + final.usage!.completion_tokens);
    expect(seen().stream).toBe(true);
  });
});

describe('tool calls', () => {
  it('returns several parallel tool calls in a buffered completion and sends their results back', async () => {
    script(
      message(
        [
          { type: 'text', text: 'Let me check both.' },
          { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_t', name: 'get_time', input: { city: 'Paris' } },
        ],
        { stopReason: 'tool_use' },
      ),
      message([{ type: 'text', text: 'Sunny, 14:00.' }]),
    );
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools: weatherTools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Let me check both.');
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_t', type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris"}' } },
    ]);
    expect(seen(0).tools!.map((t) => t.name)).toEqual(['get_weather', 'get_time']);

    messages.push(
      choice.message,
      { role: 'tool', tool_call_id: 'toolu_w', content: 'sunny' },
      { role: 'tool', tool_call_id: 'toolu_t', content: '14:00' },
    );
    const second = await client.chat.completions.create({ model: MODEL, messages, tools: weatherTools });
    expect(second.choices[0]!.message.content).toBe('Sunny, 14:00.');
    expect(seen(1).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check both.' },
          { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_t', name: 'get_time', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_w',
            is_error: false,
            content: [{ type: 'text', text: 'sunny' }],
          },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_t',
            is_error: false,
            content: [{ type: 'text', text: '14:00' }],
          },
        ],
      },
    ]);
  });

  it('streams parallel tool calls with distinct indices that the SDK accumulates into the final message', async () => {
    script(
      stream(
        [
          textBlock(0, ['Checking ', 'both.']),
          toolUseBlock(1, { id: 'toolu_w', name: 'get_weather', jsonPieces: ['{"ci', 'ty": "Pa', 'ris"}'] }),
          toolUseBlock(2, { id: 'toolu_t', name: 'get_time', jsonPieces: ['{"city"', ': "Rome"}'] }),
        ],
        { stopReason: 'tool_use' },
      ),
    );
    const indices: number[] = [];
    const done: { name: string; index: number; arguments: string }[] = [];
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris, time in Rome?' }],
      tools: weatherTools,
    });
    runner.on('chunk', (chunk) => {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) indices.push(call.index);
    });
    runner.on('tool_calls.function.arguments.done', (e) =>
      done.push({ name: e.name, index: e.index, arguments: e.arguments }),
    );
    const final = await runner.finalChatCompletion();
    // OpenAI numbers tool calls 0, 1, … over tool calls only, not by the Anthropic block index (1, 2).
    expect([...new Set(indices)]).toEqual([0, 1]);
    const msg = final.choices[0]!.message;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.content).toBe('Checking both.');
    expect(msg.tool_calls).toEqual([
      { id: 'toolu_w', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
      { id: 'toolu_t', type: 'function', function: { name: 'get_time', arguments: '{"city": "Rome"}' } },
    ]);
    expect(done).toEqual([
      { name: 'get_weather', index: 0, arguments: '{"city": "Paris"}' },
      { name: 'get_time', index: 1, arguments: '{"city": "Rome"}' },
    ]);
  });

  it('sends parallel_tool_calls false upstream as disable_parallel_tool_use', async () => {
    await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: weatherTools,
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(seen().tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
  });
});

type WithThinking = { thinking_blocks?: Record<string, unknown>[]; reasoning_content?: string };

describe('reasoning', () => {
  it('maps reasoning_effort to an upstream thinking budget and drops temperature', async () => {
    await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Think hard.' }],
      reasoning_effort: 'medium',
      max_completion_tokens: 20000,
      temperature: 0.3,
    });
    const body = seen();
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(body.max_tokens).toBe(20000);
    expect(body.temperature).toBeUndefined();
  });

  it('round-trips signed thinking and redacted thinking through the client across three tool-use turns', async () => {
    // Signed by the simulator: it refuses thinking blocks whose signature it did not issue for this model.
    const thinking1 = {
      type: 'thinking',
      thinking: 'I should check the weather.',
      signature: upstream.signThinking(MODEL, 'I should check the weather.'),
    };
    const redacted2 = { type: 'redacted_thinking', data: 'RkVEQUNURUQtdHVybi0y' };
    script(
      message(
        [thinking1, { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } }],
        { stopReason: 'tool_use' },
      ),
      message([redacted2, { type: 'tool_use', id: 'toolu_t', name: 'get_time', input: { city: 'Paris' } }], {
        stopReason: 'tool_use',
      }),
      message([
        { type: 'thinking', thinking: 'Both known.', signature: upstream.signThinking(MODEL, 'Both known.') },
        { type: 'text', text: 'Sunny at 14:00.' },
      ]),
    );
    const ask = (messages: ChatCompletionMessageParam[]) =>
      client.chat.completions.create({
        model: MODEL,
        messages,
        tools: weatherTools,
        reasoning_effort: 'low',
        max_completion_tokens: 8000,
      });
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];

    const first = (await ask(messages)).choices[0]!.message;
    expect((first as WithThinking).thinking_blocks).toEqual([thinking1]);
    expect((first as WithThinking).reasoning_content).toBe('I should check the weather.');
    messages.push(first, { role: 'tool', tool_call_id: 'toolu_w', content: 'sunny' });

    const second = (await ask(messages)).choices[0]!.message;
    expect((second as WithThinking).thinking_blocks).toEqual([redacted2]);
    messages.push(second, { role: 'tool', tool_call_id: 'toolu_t', content: '14:00' });

    const third = await ask(messages);
    expect(third.choices[0]!.message.content).toBe('Sunny at 14:00.');
    expect(third.choices[0]!.finish_reason).toBe('stop');

    const turn1 = {
      role: 'assistant',
      content: [
        thinking1,
        { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } },
      ],
    };
    const turn2 = {
      role: 'assistant',
      content: [redacted2, { type: 'tool_use', id: 'toolu_t', name: 'get_time', input: { city: 'Paris' } }],
    };
    expect(seen(1).messages[1]).toEqual(turn1);
    expect(seen(2).messages[1]).toEqual(turn1);
    expect(seen(2).messages[3]).toEqual(turn2);
    for (let i = 0; i < 3; i++) expect(seen(i).thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
  });

  it('round-trips a streamed signed thinking block through the stream helper into the next request', async () => {
    const signature = upstream.signThinking(MODEL, 'Let me check.');
    script(
      stream(
        [
          thinkingBlock(0, ['Let me ', 'check.'], signature),
          toolUseBlock(1, { id: 'toolu_w', name: 'get_weather', jsonPieces: ['{"city":"Paris"}'] }),
        ],
        { stopReason: 'tool_use' },
      ),
      stream([textBlock(0, ['Sunny.'])]),
    );
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const params = { model: MODEL, tools: weatherTools, reasoning_effort: 'low' as const };
    const final = await client.chat.completions.stream({ ...params, messages }).finalChatCompletion();
    const msg = final.choices[0]!.message;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect((msg as WithThinking).thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'Let me check.', signature },
    ]);
    messages.push(msg, { role: 'tool', tool_call_id: 'toolu_w', content: 'sunny' });
    const again = await client.chat.completions.stream({ ...params, messages }).finalChatCompletion();
    expect(again.choices[0]!.message.content).toBe('Sunny.');
    expect(seen(1).messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Let me check.', signature },
        { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } },
      ],
    });
  });

  it('streams a redacted thinking block as a thinking_blocks delta', async () => {
    script(stream([redactedThinkingBlock(0, 'b3BhcXVl'), textBlock(1, ['Done.'])]));
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const blocks: unknown[] = [];
    let text = '';
    for await (const chunk of response) {
      const delta = chunk.choices[0]?.delta as (WithThinking & { content?: string | null }) | undefined;
      blocks.push(...(delta?.thinking_blocks ?? []));
      text += delta?.content ?? '';
    }
    expect(blocks).toEqual([{ type: 'redacted_thinking', data: 'b3BhcXVl' }]);
    expect(text).toBe('Done.');
  });
});

describe('content parts', () => {
  it('sends images by data URL and by http URL as base64 and url sources', async () => {
    const png =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    });
    expect(seen().messages[0]!.content).toEqual([
      { type: 'text', text: 'Compare these.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('sends a PDF file part as a base64 document block titled with its file name', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%fake\n').toString('base64');
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'file',
              file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${pdf}` },
            },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    expect(seen().messages[0]!.content).toEqual([
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: pdf },
        title: 'report.pdf',
      },
      { type: 'text', text: 'Summarise.' },
    ]);
  });
});

describe('stop reasons', () => {
  it('sends stop as stop_sequences and reports a matched stop sequence as finish_reason stop', async () => {
    script(
      message([{ type: 'text', text: 'one two' }], { stopReason: 'stop_sequence', stopSequence: 'END' }),
    );
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Count.' }],
      stop: ['END', 'HALT'],
    });
    expect(seen().stop_sequences).toEqual(['END', 'HALT']);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.choices[0]!.message.content).toBe('one two');
  });

  it('sends a single stop string as one stop sequence and streams finish_reason stop', async () => {
    script(stream([textBlock(0, ['one'])], { stopReason: 'stop_sequence', stopSequence: 'END' }));
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Count.' }],
      stop: 'END',
    });
    const reasons: (string | null)[] = [];
    for await (const chunk of response) reasons.push(chunk.choices[0]?.finish_reason ?? null);
    expect(seen().stop_sequences).toEqual(['END']);
    expect(reasons.filter((r) => r !== null)).toEqual(['stop']);
  });

  it('reports an upstream refusal as finish_reason content_filter, buffered and streamed', async () => {
    script(
      message([{ type: 'text', text: 'I cannot help with that.' }], { stopReason: 'refusal' }),
      stream([textBlock(0, ['I cannot'])], { stopReason: 'refusal' }),
    );
    const buffered = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Something bad' }],
    });
    expect(buffered.choices[0]!.finish_reason).toBe('content_filter');
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Something bad' }],
    });
    const reasons: string[] = [];
    for await (const chunk of response)
      if (chunk.choices[0]?.finish_reason) reasons.push(chunk.choices[0].finish_reason);
    expect(reasons).toEqual(['content_filter']);
  });

  it('reports max_tokens as finish_reason length', async () => {
    script(message([{ type: 'text', text: 'Once upon' }], { stopReason: 'max_tokens' }));
    const completion = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 3,
      messages: [{ role: 'user', content: 'A story' }],
    });
    expect(seen().max_tokens).toBe(3);
    expect(completion.choices[0]!.finish_reason).toBe('length');
  });
});

describe('usage', () => {
  it('sends a final usage chunk with empty choices when stream_options.include_usage is set', async () => {
    script(stream([textBlock(0, ['Hello', ', ', 'world'])], { outputTokens: 3 }));
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of response) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.filter((c) => c.choices.length === 0)).toHaveLength(1);
  });

  it('counts cache reads and writes in prompt_tokens and reports cached_tokens, buffered', async () => {
    script(
      message([{ type: 'text', text: 'ok' }], {
        usage: {
          input_tokens: 100,
          output_tokens: 10,
          cache_read_input_tokens: 50,
          cache_creation_input_tokens: 25,
        },
      }),
    );
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.usage).toEqual({
      prompt_tokens: 175,
      completion_tokens: 10,
      total_tokens: 185,
      prompt_tokens_details: { cached_tokens: 50 },
    });
  });

  it('counts cache reads and writes in the streamed usage chunk', async () => {
    script(
      stream(
        [textBlock(0, ['ok'])],
        { outputTokens: 10 },
        {
          usage: {
            input_tokens: 100,
            output_tokens: 1,
            cache_read_input_tokens: 50,
            cache_creation_input_tokens: 25,
          },
        },
      ),
    );
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let usage: ChatCompletionChunk['usage'] = null;
    for await (const chunk of response) if (chunk.choices.length === 0) usage = chunk.usage;
    expect(usage).toEqual({
      prompt_tokens: 175,
      completion_tokens: 10,
      total_tokens: 185,
      prompt_tokens_details: { cached_tokens: 50 },
    });
  });
});

describe('structured output', () => {
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, celsius: { type: 'number' } },
    required: ['city', 'celsius'],
    additionalProperties: false,
  };
  const responseFormat = {
    type: 'json_schema' as const,
    json_schema: { name: 'weather', schema, strict: true },
  };

  // Was: a forced json_response tool. Native structured outputs (output_config.format) work with thinking on
  // and on the models that refuse forced tools; the answer is the text itself.
  it('sends response_format json_schema as native output_config.format and returns the JSON content', async () => {
    script(message([{ type: 'text', text: '{"city":"Paris","celsius":18}' }]));
    const completion = await client.chat.completions.parse({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
      response_format: responseFormat,
    });
    const msg = completion.choices[0]!.message;
    expect(JSON.parse(msg.content!)).toEqual({ city: 'Paris', celsius: 18 });
    expect(msg.parsed).toEqual({ city: 'Paris', celsius: 18 });
    expect(msg.tool_calls ?? []).toEqual([]);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const body = seen() as SeenBody & { output_config?: unknown };
    expect(body.tools).toBeUndefined();
    expect(body.tool_choice).toBeUndefined();
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
  });

  it('streams response_format JSON as content deltas the stream helper parses', async () => {
    script(stream([textBlock(0, ['{"city":', '"Paris","celsius":18}'])]));
    const final = await client.chat.completions
      .stream({
        model: MODEL,
        messages: [{ role: 'user', content: 'JSON please' }],
        response_format: responseFormat,
      })
      .finalChatCompletion();
    // `parsed` is filled only for the SDK's own zod formats; the content is the JSON itself.
    expect(JSON.parse(final.choices[0]!.message.content!)).toEqual({ city: 'Paris', celsius: 18 });
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.choices[0]!.message.tool_calls ?? []).toEqual([]);
  });

  it('still returns a forced json_response tool input as content (json_object, thinking off)', async () => {
    script(
      message([{ type: 'tool_use', id: 'toolu_json', name: 'json_response', input: { ok: true } }], {
        stopReason: 'tool_use',
      }),
    );
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Any JSON object' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ ok: true });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(seen().tool_choice).toEqual({ type: 'tool', name: 'json_response' });
  });
});

describe('errors', () => {
  const cases: {
    status: number;
    type: string;
    cls: abstract new (...args: never[]) => APIError;
    name: string;
    clientStatus: number;
    clientType: string;
  }[] = [
    {
      status: 400,
      type: 'invalid_request_error',
      cls: BadRequestError,
      name: 'BadRequestError',
      clientStatus: 400,
      clientType: 'invalid_request_error',
    },
    {
      status: 403,
      type: 'permission_error',
      cls: PermissionDeniedError,
      name: 'PermissionDeniedError',
      clientStatus: 403,
      clientType: 'permission_denied',
    },
    {
      status: 404,
      type: 'not_found_error',
      cls: NotFoundError,
      name: 'NotFoundError',
      clientStatus: 404,
      clientType: 'invalid_request_error',
    },
    {
      status: 413,
      type: 'request_too_large',
      cls: APIError,
      name: 'APIError',
      clientStatus: 413,
      clientType: 'invalid_request_error',
    },
    {
      status: 500,
      type: 'api_error',
      cls: InternalServerError,
      name: 'InternalServerError',
      clientStatus: 500,
      clientType: 'api_error',
    },
    {
      status: 529,
      type: 'overloaded_error',
      cls: InternalServerError,
      name: 'InternalServerError',
      clientStatus: 503,
      clientType: 'server_error',
    },
  ];
  for (const c of cases) {
    it(`surfaces an upstream ${c.status} ${c.type} before any byte as the SDK's ${c.name} (${c.clientStatus})`, async () => {
      upstream.script({ kind: 'error', status: c.status, type: c.type, message: `upstream says ${c.type}` });
      const err = await rejection(
        client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }),
      );
      expect(err).toBeInstanceOf(c.cls);
      const api = err as APIError;
      expect(api.status).toBe(c.clientStatus);
      expect(api.type).toBe(c.clientType);
      expect(api.code).toBe(c.type);
      expect(api.message).toContain(`upstream says ${c.type}`);
      expect(api.headers?.get('request-id')).toBe(upstream.lastRequestId);
      expect(messageCalls()).toHaveLength(1);
    });
  }

  it('surfaces an upstream 401 as AuthenticationError without resending a static key', async () => {
    upstream.script({
      kind: 'error',
      status: 401,
      type: 'authentication_error',
      message: 'invalid x-api-key',
    });
    const err = await rejection(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    const auth = err as AuthenticationError;
    expect(auth.status).toBe(401);
    expect(auth.type).toBe('authentication_error');
    // The upstream's message, or the proxy's explanation of how to fix its own credential (src/upstream decides).
    expect(auth.message).toMatch(/invalid x-api-key|claudine auth login/);
    expect(JSON.stringify(auth.error)).not.toContain(FAKE_API_KEY);
    // A static API key cannot be renewed, so the request is not sent again.
    expect(messageCalls()).toHaveLength(1);
  });

  it('surfaces an upstream 429 as RateLimitError with retry-after and x-ratelimit-* headers', async () => {
    upstream.script({
      kind: 'error',
      status: 429,
      message: 'slow down',
      retryAfter: 7,
      headers: {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2030-01-01T00:00:07Z',
        'anthropic-ratelimit-tokens-limit': '40000',
        'anthropic-ratelimit-tokens-remaining': '1200',
      },
    });
    const err = await rejection(
      client.chat.completions.create({
        model: MODEL,
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(err).toBeInstanceOf(RateLimitError);
    const rate = err as RateLimitError;
    expect(rate.status).toBe(429);
    expect(rate.type).toBe('rate_limit_error');
    expect(rate.message).toContain('slow down');
    expect(rate.headers.get('retry-after')).toBe('7');
    expect(rate.headers.get('x-ratelimit-limit-requests')).toBe('50');
    expect(rate.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(rate.headers.get('x-ratelimit-reset-requests')).toBe('2030-01-01T00:00:07Z');
    expect(rate.headers.get('x-ratelimit-limit-tokens')).toBe('40000');
    expect(rate.headers.get('x-ratelimit-remaining-tokens')).toBe('1200');
    expect(rate.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(messageCalls()).toHaveLength(1);
  });

  it('passes an upstream 404 for an unknown model through as NotFoundError', async () => {
    // The simulator knows the real model list: no script needed for the 404.
    const err = await rejection(
      client.chat.completions.create({ model: 'claude-nope-9', messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toContain('model: claude-nope-9');
    expect(seen().model).toBe('claude-nope-9');
  });

  it('raises an APIError while iterating when the upstream stream sends an error event, and keeps serving', async () => {
    script([
      ...stream([textBlock(0, ['Partial ', 'answer'])]).slice(0, 5),
      errorEvent('overloaded_error', 'Overloaded'),
    ]);
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const texts: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const chunk of response) texts.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    expect(texts.join('')).toBe('Partial answer');
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toContain('Overloaded');
    expect((err as APIError).type).toBe('server_error');
    expect((err as APIError).code).toBe('overloaded_error');

    const next = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Again' }],
    });
    expect(next.choices[0]!.message.content).toBe('Simulated answer to: "Again"');
  });

  it('raises an APIError while iterating when the upstream connection drops mid-stream, and keeps serving', async () => {
    // message_start, ping, content_block_start, one text_delta — then the connection is destroyed.
    upstream.script({ kind: 'reset', afterEvents: 4 });
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Please say "Half"' }],
    });
    let text = '';
    const err = await rejection(
      (async () => {
        for await (const chunk of response) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('Half');
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).type).toBe('server_error');

    const next = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Again' }],
    });
    expect(next.choices[0]!.message.content).toBe('Simulated answer to: "Again"');
  });

  it('raises an APIError when the upstream stream ends cleanly before message_stop', async () => {
    script(stream([textBlock(0, ['Cut'])]).slice(0, 5));
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let text = '';
    const err = await rejection(
      (async () => {
        for await (const chunk of response) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('Cut');
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).type).toBe('server_error');
  });

  it('aborts the upstream request when the client stops reading a stream', async () => {
    upstream.script({ kind: 'slow', ms: 15 });
    const aborted = upstream.aborted.length;
    const response = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Long story [sim:long]' }],
    });
    let seenChunks = 0;
    for await (const _chunk of response) {
      if (++seenChunks === 3) {
        response.controller.abort();
        break;
      }
    }
    await eventually(() => upstream.aborted.length > aborted, 'the upstream request to be aborted', 2000);
    expect(upstream.aborted.at(-1)!.path).toBe('/v1/messages');
  });

  it('rejects n: 2 with a BadRequestError naming the param, without calling the upstream', async () => {
    const err = await rejection(
      client.chat.completions.create({ model: MODEL, n: 2, messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('n');
    expect((err as BadRequestError).type).toBe('invalid_request_error');
    expect(messageCalls()).toHaveLength(0);
  });

  it('answers a malformed JSON body with 400 invalid_request_error', async () => {
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "claude-sonnet-4-5", "messages": [',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('not valid JSON');
    expect(messageCalls()).toHaveLength(0);
  });

  it('answers a body that is not declared as JSON with 415', async () => {
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('application/json');
    expect(messageCalls()).toHaveLength(0);
  });
});

describe('GET /v1/models', () => {
  it("lists the upstream's models in OpenAI's format with client.models.list()", async () => {
    const models: OpenAI.Models.Model[] = [];
    for await (const model of client.models.list()) models.push(model);
    const created = (id: string) => Date.parse(MODEL_RULES.find((r) => r.id === id)!.createdAt) / 1000;
    expect(models).toEqual(
      MODEL_RULES.map((r) => ({ id: r.id, object: 'model', created: created(r.id), owned_by: 'anthropic' })),
    );
    const listCall = upstream.requests.find((r) => r.path.startsWith('/v1/models'));
    expect(listCall?.method).toBe('GET');
    expect(listCall?.path).toBe('/v1/models?limit=1000');
    expect(listCall?.headers['x-api-key']).toBe(FAKE_API_KEY);
    const one = await client.models.retrieve('claude-haiku-4-5');
    expect(one).toEqual({
      id: 'claude-haiku-4-5',
      object: 'model',
      created: created('claude-haiku-4-5'),
      owned_by: 'anthropic',
    });
  });

  it('serves the built-in model list when the upstream list answers 500', async () => {
    upstream.script({ kind: 'error', status: 500, message: 'down' }, { path: '/v1/models', times: 10 });
    // A fresh proxy: the first one has the upstream list cached.
    const other = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--upstream--max-retries': '0' },
    });
    try {
      const otherClient = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const ids: string[] = [];
      for await (const model of otherClient.models.list()) {
        expect(model).toMatchObject({ object: 'model', owned_by: 'anthropic' });
        ids.push(model.id);
      }
      expect(ids).toEqual([...FALLBACK_MODELS]);
      expect(ids).toContain(MODEL);
      expect(upstream.requests.some((r) => r.path.startsWith('/v1/models'))).toBe(true);
    } finally {
      await other.close();
    }
  });
});
