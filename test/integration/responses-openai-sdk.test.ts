/**
 * POST /v1/responses and GET /v1/responses/{id} through the running proxy with the official `openai` SDK:
 * what the client gets, and what the simulated Claude received. Scripted answers are sent only after the
 * simulator accepted the request the proxy made, so every translated request passed the real API's rules.
 */
import OpenAI, { BadRequestError, NotFoundError, RateLimitError } from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type {
  FunctionTool,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startSimulator, type RecordedRequest, type Simulator } from '../../src/simulator/index.js';
import {
  errorEvent,
  message,
  stream,
  textBlock,
  thinkingBlock,
  toolUseBlock,
  type StreamEvent,
} from '../helpers/anthropic-streams.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const MODEL = 'claude-sonnet-4-5';

let upstream: Simulator;
let proxy: RunningProxy;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startSimulator();
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
  system?: { type: string; text: string }[];
  stream?: boolean;
  thinking?: Record<string, unknown>;
  tools?: { name: string; input_schema: unknown }[];
  tool_choice?: unknown;
  output_config?: Record<string, unknown>;
  metadata?: unknown;
}

function messageCalls(): RecordedRequest[] {
  return upstream.requests.filter((r) => r.path === '/v1/messages');
}

function seen(i = 0): SeenBody {
  const call = messageCalls()[i];
  expect(call, `upstream Messages call #${i}`).toBeDefined();
  return call!.json as SeenBody;
}

/** Answers the next Messages calls with these answers (a buffered body, or stream events), in order. */
function script(...answers: (Record<string, unknown> | StreamEvent[])[]): void {
  for (const answer of answers) {
    upstream.script(
      Array.isArray(answer) ? { kind: 'reply', events: answer } : { kind: 'reply', message: answer },
    );
  }
}

const weather: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

describe('responses.create', () => {
  it('answers a string input with instructions as a Response object', async () => {
    script(
      message([{ type: 'text', text: 'Hello there.' }], { usage: { input_tokens: 12, output_tokens: 4 } }),
    );
    const response = await client.responses.create({
      model: MODEL,
      instructions: 'You are terse.',
      input: 'Hi',
      max_output_tokens: 300,
      metadata: { ticket: 'T-1' },
    });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(response.status).toBe('completed');
    expect(response.model).toBe(MODEL);
    expect(response.instructions).toBe('You are terse.');
    expect(response.metadata).toEqual({ ticket: 'T-1' });
    expect(response.output_text).toBe('Hello there.');
    expect(response.output).toHaveLength(1);
    const item = response.output[0]!;
    expect(item.type).toBe('message');
    if (item.type === 'message') {
      expect(item.role).toBe('assistant');
      expect(item.status).toBe('completed');
      expect(item.content).toEqual([
        { type: 'output_text', text: 'Hello there.', annotations: [], logprobs: [] },
      ]);
    }
    expect(response.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 16,
    });

    const body = seen();
    expect(body.model).toBe(MODEL);
    expect(body.max_tokens).toBe(300);
    expect(body.system).toEqual([{ type: 'text', text: 'You are terse.' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    expect(body.stream).toBeUndefined();
  });

  it('translates message items of every role, images included, into system and alternating turns', async () => {
    script(message([{ type: 'text', text: 'A red square.' }]));
    const pixel =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8AEAAMBAQAY3Y2wAAAAAElFTkSuQmCC';
    const response = await client.responses.create({
      model: MODEL,
      input: [
        { role: 'system', content: 'Be precise.' },
        { role: 'developer', content: [{ type: 'input_text', text: 'Answer in one sentence.' }] },
        { role: 'user', content: 'Remember the colour red.' },
        { role: 'assistant', content: 'Noted.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in this image?' },
            { type: 'input_image', image_url: pixel, detail: 'auto' },
          ],
        },
      ],
    });
    expect(response.output_text).toBe('A red square.');
    const body = seen();
    expect(body.system).toEqual([
      { type: 'text', text: 'Be precise.' },
      { type: 'text', text: 'Answer in one sentence.' },
    ]);
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[2]!.content[1]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: pixel.slice(pixel.indexOf(',') + 1) },
    });
  });

  it('reports a response cut by max_output_tokens as incomplete', async () => {
    script(message([{ type: 'text', text: 'The answer is' }], { stopReason: 'max_tokens' }));
    const response = await client.responses.create({
      model: MODEL,
      input: 'Count to 1000',
      max_output_tokens: 16,
    });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
  });

  it('makes the request acceptable to the model and says what it adjusted', async () => {
    // Opus 4.7 refuses temperature (the simulator answers 400 if it arrives); Codex-style clients send it.
    const { data, response: raw } = await client.responses
      .create({ model: 'claude-opus-4-7', input: 'say "adjusted"', temperature: 0.3 })
      .withResponse();
    expect(data.output_text).toBe('adjusted');
    expect(raw.headers.get('x-claudine-adjustments')).toContain('temperature=dropped');
    expect(seen()).not.toHaveProperty('temperature');
  });

  it('drops built-in tools Claude has no equivalent for, names them in a header, and still answers', async () => {
    script(message([{ type: 'text', text: 'ok' }]));
    const { data, response: raw } = await client.responses
      .create({
        model: MODEL,
        input: 'hi',
        tools: [
          weather,
          { type: 'file_search', vector_store_ids: ['vs_1'] },
          { type: 'code_interpreter', container: { type: 'auto' } },
        ],
        prompt_cache_key: 'abc',
        // Codex sends client_metadata on every call; it is not in the SDK's types.
        ...({ client_metadata: { originator: 'test' } } as object),
      })
      .withResponse();
    expect(data.output_text).toBe('ok');
    expect(raw.headers.get('x-claudine-dropped')).toBe('file_search, code_interpreter');
    expect(seen().tools?.map((t) => t.name)).toEqual(['get_weather']);
    expect(data.tools.map((t) => t.type)).toEqual(['function']);
  });
});

describe('responses.stream', () => {
  it('sends the Responses event sequence in order, numbered, with no [DONE]', async () => {
    script(
      stream([thinkingBlock(0, ['Let me ', 'think.'], 'sig-stream-1'), textBlock(1, ['Hel', 'lo!'])], {
        outputTokens: 9,
      }),
    );
    const events: ResponseStreamEvent[] = [];
    const runner = client.responses.stream({
      model: MODEL,
      input: 'Say hello',
      reasoning: { effort: 'low', summary: 'auto' },
    });
    for await (const event of runner) events.push(event);
    const final = await runner.finalResponse();

    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Hello!');
    expect(final.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    const reasoning = final.output[0]!;
    if (reasoning.type === 'reasoning') {
      expect(reasoning.summary).toEqual([{ type: 'summary_text', text: 'Let me think.' }]);
      expect(reasoning.encrypted_content).toMatch(/^claudine\.v1\./);
    }
    expect(final.usage?.output_tokens).toBe(9);

    const body = seen();
    expect(body.stream).toBe(true);
    // Summarized is this model's default display: the normaliser sends no display for it (src/models).
    expect(body.thinking).toMatchObject({ type: 'enabled' });

    // The raw stream: every frame names its event, and nothing follows the terminal event.
    script(stream([textBlock(0, ['x'])]));
    const raw = await fetch(`${proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'again', stream: true }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await raw.text();
    for (const frame of text.trimEnd().split('\n\n')) {
      const [eventLine, dataLine] = frame.split('\n');
      const data = JSON.parse(dataLine!.slice('data: '.length)) as { type: string };
      expect(eventLine).toBe(`event: ${data.type}`);
    }
    expect(text).not.toContain('[DONE]');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: response\.completed\ndata: \{/);
  });

  it('streams function call arguments and ends incomplete at max_output_tokens', async () => {
    script(
      stream(
        [toolUseBlock(0, { id: 'toolu_01', name: 'get_weather', jsonPieces: ['{"city":', '"Paris"}'] })],
        { stopReason: 'max_tokens' },
      ),
    );
    const events: ResponseStreamEvent[] = [];
    const runner = client.responses.stream({ model: MODEL, input: 'Weather?', tools: [weather] });
    for await (const event of runner) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    const done = events.find((e) => e.type === 'response.function_call_arguments.done');
    expect(done).toMatchObject({ arguments: '{"city":"Paris"}', name: 'get_weather' });
    const final = await runner.finalResponse();
    expect(final.status).toBe('incomplete');
    expect(final.output[0]).toMatchObject({
      type: 'function_call',
      call_id: 'toolu_01',
      arguments: '{"city":"Paris"}',
    });
  });

  it('turns an upstream error event into error and response.failed, which the SDK raises', async () => {
    script([
      ...stream([textBlock(0, ['partial'])]).slice(0, 4),
      errorEvent('overloaded_error', 'Overloaded'),
    ]);
    const events: ResponseStreamEvent[] = [];
    const raw = await client.responses.create({ model: MODEL, input: 'hi', stream: true });
    for await (const event of raw) events.push(event);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
    const failed = events.at(-1);
    if (failed?.type === 'response.failed') {
      expect(failed.response.status).toBe('failed');
      expect(failed.response.error).toEqual({ code: 'server_error', message: 'Overloaded' });
    }

    script([
      ...stream([textBlock(0, ['partial'])]).slice(0, 4),
      errorEvent('overloaded_error', 'Overloaded'),
    ]);
    await expect(client.responses.stream({ model: MODEL, input: 'hi' }).finalResponse()).rejects.toThrow(
      /Overloaded/,
    );
  });
});

describe('function calling', () => {
  it('runs a 3-turn loop, passing function_call_output back', async () => {
    script(
      message([{ type: 'tool_use', id: 'toolu_a1', name: 'get_weather', input: { city: 'Paris' } }], {
        stopReason: 'tool_use',
      }),
      message(
        [
          { type: 'text', text: 'Now Rome.' },
          { type: 'tool_use', id: 'toolu_a2', name: 'get_weather', input: { city: 'Rome' } },
        ],
        { stopReason: 'tool_use' },
      ),
      message([{ type: 'text', text: 'Paris 18°C, Rome 24°C.' }]),
    );
    const input: ResponseInputItem[] = [{ role: 'user', content: 'Weather in Paris and Rome?' }];
    const temps: Record<string, string> = { Paris: '18°C', Rome: '24°C' };
    let final = '';
    for (let turn = 0; turn < 3; turn++) {
      const response = await client.responses.create({ model: MODEL, input, tools: [weather], store: false });
      input.push(...(response.output as ResponseInputItem[]));
      const calls = response.output.filter((o): o is ResponseFunctionToolCall => o.type === 'function_call');
      if (calls.length === 0) {
        final = response.output_text;
        break;
      }
      for (const call of calls) {
        const { city } = JSON.parse(call.arguments) as { city: string };
        input.push({ type: 'function_call_output', call_id: call.call_id, output: temps[city] ?? '?' });
      }
    }
    expect(final).toBe('Paris 18°C, Rome 24°C.');
    expect(messageCalls()).toHaveLength(3);
    const third = seen(2);
    expect(third.tools?.[0]).toEqual({
      name: 'get_weather',
      description: 'Current weather in a city',
      input_schema: weather.parameters,
    });
    expect(third.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_a1', name: 'get_weather', input: { city: 'Paris' } }],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_a1',
            is_error: false,
            content: [{ type: 'text', text: '18°C' }],
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Now Rome.' },
          { type: 'tool_use', id: 'toolu_a2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_a2',
            is_error: false,
            content: [{ type: 'text', text: '24°C' }],
          },
        ],
      },
    ]);
  });

  it('round-trips reasoning items: the signed thinking comes back first in the assistant turn', async () => {
    script(
      stream(
        [
          thinkingBlock(
            0,
            ['I should call the tool.'],
            upstream.signThinking(MODEL, 'I should call the tool.'),
          ),
          toolUseBlock(1, { id: 'toolu_r1', name: 'get_weather', jsonPieces: ['{"city":"Oslo"}'] }),
        ],
        { stopReason: 'tool_use' },
      ),
      message([{ type: 'text', text: 'Oslo is cold.' }]),
    );
    const input: ResponseInputItem[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await client.responses
      .stream({
        model: MODEL,
        input,
        tools: [weather],
        reasoning: { effort: 'medium' },
        include: ['reasoning.encrypted_content'],
        store: false,
      })
      .finalResponse();
    expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'function_call']);
    input.push(...(first.output as ResponseInputItem[]));
    input.push({ type: 'function_call_output', call_id: 'toolu_r1', output: '-3°C' });
    const second = await client.responses.create({
      model: MODEL,
      input,
      tools: [weather],
      reasoning: { effort: 'medium' },
    });
    expect(second.output_text).toBe('Oslo is cold.');
    expect(seen(1).messages[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'thinking',
          thinking: 'I should call the tool.',
          signature: upstream.signThinking(MODEL, 'I should call the tool.'),
        },
        { type: 'tool_use', id: 'toolu_r1', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    });
    expect(seen(1).thinking).toMatchObject({ type: 'enabled' });
  });

  it('runs a tool loop on an always-thinking model with the simulated answers and signatures', async () => {
    // Unscripted: the simulated model thinks (signature only, as the 5.5 models show by default), calls the
    // tool, and on the next turn checks that its signed thinking came back first in the assistant turn.
    const model = 'claude-sonnet-5-5';
    const input: ResponseInputItem[] = [{ role: 'user', content: 'What is the weather in Lisbon?' }];
    const first = await client.responses.create({ model, input, tools: [weather], store: false });
    expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'function_call']);
    const call = first.output[1] as ResponseFunctionToolCall;
    input.push(...(first.output as ResponseInputItem[]));
    input.push({ type: 'function_call_output', call_id: call.call_id, output: '21°C and sunny' });
    const second = await client.responses.create({ model, input, tools: [weather], store: false });
    expect(second.status).toBe('completed');
    expect(second.output_text).toContain('21°C and sunny');
    const replayed = seen(1).messages[1]!.content;
    expect(replayed.map((b) => b['type'])).toEqual(['thinking', 'tool_use']);
  });

  it('does not replay thinking made for another model', async () => {
    script(
      message(
        [
          { type: 'thinking', thinking: 'hmm', signature: 'sig-other' },
          { type: 'text', text: 'first' },
        ],
        { model: MODEL },
      ),
      message([{ type: 'text', text: 'second' }]),
    );
    const first = await client.responses.create({ model: MODEL, input: 'one', reasoning: { effort: 'low' } });
    await client.responses.create({
      model: 'claude-opus-4-6',
      input: [...(first.output as ResponseInputItem[]), { role: 'user', content: 'two' }],
    });
    const assistant = seen(1).messages.find((m) => m.role === 'assistant');
    expect(assistant?.content).toEqual([{ type: 'text', text: 'first' }]);
  });
});

describe('structured output', () => {
  it('text.format json_schema becomes native output_config.format and responses.parse parses it', async () => {
    const Person = z.object({ name: z.string(), age: z.number() });
    script(message([{ type: 'text', text: '{"name":"Ada","age":36}' }]));
    const parsed = await client.responses.parse({
      model: MODEL,
      input: 'Ada Lovelace, 36',
      text: { format: zodTextFormat(Person, 'person') },
    });
    expect(parsed.output_parsed).toEqual({ name: 'Ada', age: 36 });
    const format = seen().output_config?.['format'] as { type: string; schema: Record<string, unknown> };
    expect(format.type).toBe('json_schema');
    expect(format.schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'number' } },
      additionalProperties: false,
    });
    expect(parsed.text?.format).toMatchObject({ type: 'json_schema', name: 'person' });
  });
});

describe('stored responses', () => {
  it('store: true keeps the response for previous_response_id and GET /v1/responses/{id}', async () => {
    script(message([{ type: 'text', text: 'Your name is Ada.' }]), message([{ type: 'text', text: 'Ada.' }]));
    const first = await client.responses.create({
      model: MODEL,
      instructions: 'Be brief.',
      input: 'My name is Ada.',
      store: true,
    });
    // The SDK's Response type has no `store`, but the API answers with it.
    expect((first as { store?: unknown }).store).toBe(true);
    const fetched = await client.responses.retrieve(first.id);
    expect(fetched.id).toBe(first.id);
    expect(fetched.output_text).toBe('Your name is Ada.');

    const second = await client.responses.create({
      model: MODEL,
      previous_response_id: first.id,
      input: 'What is my name?',
      store: false,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(seen(1).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Your name is Ada.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
    // Instructions do not carry over (as OpenAI documents): the second request had none.
    expect(seen(1).system).toBeUndefined();
    // store: false keeps nothing.
    await expect(client.responses.retrieve(second.id)).rejects.toBeInstanceOf(NotFoundError);
    // DELETE forgets a stored response; a second DELETE finds nothing.
    await client.responses.delete(first.id);
    await expect(client.responses.retrieve(first.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.responses.delete(first.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('resolves item_reference items to the stored items they name; an unknown one is a 400', async () => {
    script(
      message([{ type: 'text', text: 'Blue.' }]),
      message([{ type: 'text', text: 'Because of Rayleigh scattering.' }]),
    );
    // No `store` field: OpenAI's default (store) applies.
    const first = await client.responses.create({ model: MODEL, input: 'Colour of the sky?' });
    const said = first.output[0]!;
    expect(said.type).toBe('message');
    await client.responses.create({
      model: MODEL,
      input: [
        { role: 'user', content: 'Colour of the sky?' },
        { type: 'item_reference', id: said.id! },
        { role: 'user', content: 'Why?' },
      ],
    });
    expect(seen(1).messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Blue.' }] });

    const err = await client.responses
      .create({ model: MODEL, input: [{ type: 'item_reference', id: 'msg_0123abcd_0' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('input[0]');
    expect(messageCalls()).toHaveLength(2);
  });

  it('a missing previous_response_id is a clear 404 and reaches no upstream', async () => {
    const err = await client.responses
      .create({ model: MODEL, previous_response_id: 'resp_nope', input: 'hi' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toContain("Previous response with id 'resp_nope' not found");
    expect((err as NotFoundError).param).toBe('previous_response_id');
    expect(messageCalls()).toHaveLength(0);
  });
});

describe('errors', () => {
  it('a bad request is a 400 in the OpenAI envelope naming the field', async () => {
    const err = await client.responses
      .create({ model: MODEL, input: [{ role: 'user', content: [{ type: 'input_image', detail: 'auto' }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('input[0].content[0].image_url');
    expect(messageCalls()).toHaveLength(0);
  });

  it('an upstream 429 is a RateLimitError with retry-after', async () => {
    upstream.script({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Slow down',
      retryAfter: 7,
    });
    const err = await client.responses.create({ model: MODEL, input: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).message).toContain('Slow down');
    expect((err as RateLimitError).headers.get('retry-after')).toBe('7');
  });
});
