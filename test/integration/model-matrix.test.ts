/**
 * The "done when" matrix of issue 12: for EVERY model the simulated Claude serves (the models of the team's
 * model notes), everyday requests through the official `openai` client, buffered and streamed, succeed with
 * the client-visible result right. The simulator enforces the real API's rules (sampling, thinking types,
 * forced tools, signed thinking in tool loops, structured-output schemas, cache breakpoints), so a request the
 * proxy failed to make acceptable is a 400 here.
 */
import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_RULES, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const MODELS = MODEL_RULES.map((rule) => rule.id);
const ADJUSTED = 'x-claudine-adjustments';

let sim: Simulator;
let proxy: RunningProxy;
let client: OpenAI;

async function startClaudine(): Promise<void> {
  proxy = await startProxy({ upstreamBaseUrl: sim.baseUrl, flags: { '--upstream--max-retries': '0' } });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  // What a client does first; it also gives the registry the upstream's capabilities.
  const listed: string[] = [];
  for await (const model of client.models.list()) listed.push(model.id);
  expect(listed).toEqual(MODELS);
}

beforeAll(async () => {
  sim = await startSimulator();
  await startClaudine();
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

const tools: ChatCompletionTool[] = [
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
      description: 'The time now',
      parameters: { type: 'object', properties: {} },
    },
  },
];

interface Answer {
  message: ChatCompletionMessage & { thinking_blocks?: unknown; reasoning_content?: string };
  finish: ChatCompletion.Choice['finish_reason'];
  usage: ChatCompletion['usage'];
  adjusted: string;
}

type Params = Omit<ChatCompletionCreateParamsNonStreaming, 'model' | 'stream'>;

/** One request, buffered or through the SDK's stream helper; what the client ends up with. */
async function ask(model: string, params: Params, streamed: boolean): Promise<Answer> {
  if (!streamed) {
    const { data, response } = await client.chat.completions.create({ ...params, model }).withResponse();
    const choice = data.choices[0]!;
    return {
      message: choice.message,
      finish: choice.finish_reason,
      usage: data.usage,
      adjusted: response.headers.get(ADJUSTED) ?? '',
    };
  }
  const runner = client.chat.completions.stream({
    ...params,
    model,
    stream_options: { include_usage: true },
  });
  const final = await runner.finalChatCompletion();
  const choice = final.choices[0]!;
  return { message: choice.message, finish: choice.finish_reason, usage: final.usage, adjusted: '' };
}

/** The assistant message as an app that keeps only role/content/tool_calls sends it back. */
function rebuilt(message: ChatCompletionMessage): ChatCompletionMessageParam {
  const out: ChatCompletionMessageParam = { role: 'assistant', content: message.content };
  if (message.tool_calls !== undefined && message.tool_calls.length > 0) out.tool_calls = message.tool_calls;
  return out;
}

/** The assistant message echoed back as the SDK returned it, unknown fields (thinking_blocks) included. */
function verbatim(message: ChatCompletionMessage): ChatCompletionMessageParam {
  return message;
}

function toolResults(
  message: ChatCompletionMessage,
  result: (name: string) => string,
): ChatCompletionMessageParam[] {
  return (message.tool_calls ?? []).map((call) => {
    expect(call.type).toBe('function');
    const name = call.type === 'function' ? call.function.name : '';
    return { role: 'tool', tool_call_id: call.id, content: result(name) };
  });
}

function expectToolCall(answer: Answer, name: string): void {
  expect(answer.finish, answer.adjusted).toBe('tool_calls');
  const call = answer.message.tool_calls?.[0];
  expect(call?.type === 'function' ? call.function.name : undefined).toBe(name);
  if (call?.type === 'function') expect(typeof JSON.parse(call.function.arguments)).toBe('object');
}

/**
 * A 3-turn tool loop: weather (tool call, result, answer), then time (tool call, result, answer).
 * `restartAfterFirst` restarts the proxy after the first answer, losing its thinking cache.
 */
async function toolLoop(
  model: string,
  streamed: boolean,
  echo: (m: ChatCompletionMessage) => ChatCompletionMessageParam,
  restartAfterFirst = false,
): Promise<void> {
  const messages: ChatCompletionMessageParam[] = [
    { role: 'user', content: 'call tool get_weather with {"city":"Paris"}' },
  ];
  const first = await ask(model, { messages, tools }, streamed);
  expectToolCall(first, 'get_weather');
  messages.push(echo(first.message), ...toolResults(first.message, () => 'Sunny, 18C'));
  if (restartAfterFirst) {
    await proxy.close();
    await startClaudine();
  }
  let second = await ask(model, { messages, tools }, streamed);
  if (restartAfterFirst && second.finish === 'tool_calls') {
    // The lossy fallback on a model that must think: the signed thinking died with the old proxy, so the
    // first call went upstream as a text transcript, and the simulated model (which sees no tool run in the
    // history) calls the tool again. The conversation goes on from there.
    if (!streamed) expect(second.adjusted).toContain('tool turn(s) as text');
    messages.push(echo(second.message), ...toolResults(second.message, () => 'Sunny, 18C'));
    second = await ask(model, { messages, tools }, streamed);
  }
  expect(second.finish, second.adjusted).toBe('stop');
  expect(second.message.content).toContain('Sunny, 18C');
  messages.push(echo(second.message), { role: 'user', content: 'call tool get_time' });
  const third = await ask(model, { messages, tools }, streamed);
  expectToolCall(third, 'get_time');
  messages.push(echo(third.message), ...toolResults(third.message, () => '14:05'));
  const fourth = await ask(model, { messages, tools }, streamed);
  expect(fourth.finish, fourth.adjusted).toBe('stop');
  expect(fourth.message.content).toContain('14:05');
}

const REASONING = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

describe.each(MODELS)('%s through the openai client', (model) => {
  for (const streamed of [false, true]) {
    const mode = streamed ? 'streamed' : 'buffered';

    it(`${mode}: plain chat with temperature, and with temperature and top_p`, async () => {
      for (const sampling of [{ temperature: 0.7 }, { temperature: 0.7, top_p: 0.9 }]) {
        const answer = await ask(
          model,
          { messages: [{ role: 'user', content: 'say "Bonjour"' }], ...sampling },
          streamed,
        );
        expect(answer.finish).toBe('stop');
        expect(answer.message.content).toBe('Bonjour');
      }
      // A conversation that ends with an assistant message (prefill on older models, refused on newer).
      const prefilled = await ask(
        model,
        {
          messages: [
            { role: 'user', content: 'say "Hi"' },
            { role: 'assistant', content: 'Hello' },
          ],
        },
        streamed,
      );
      expect(['stop', 'tool_calls']).toContain(prefilled.finish);
    });

    it(`${mode}: every reasoning_effort, also with a small token cap`, async () => {
      for (const effort of REASONING) {
        const answer = await ask(
          model,
          { messages: [{ role: 'user', content: 'say "ok"' }], reasoning_effort: effort },
          streamed,
        );
        expect(answer.finish, `${effort}: ${answer.adjusted}`).toBe('stop');
        expect(answer.message.content).toBe('ok');
        const titled = await ask(
          model,
          {
            messages: [{ role: 'user', content: 'say "A title"' }],
            reasoning_effort: effort,
            max_completion_tokens: 40,
          },
          streamed,
        );
        expect(['stop', 'length']).toContain(titled.finish);
      }
    });

    it(`${mode}: a 3-turn tool loop with the assistant message echoed verbatim`, async () => {
      await toolLoop(model, streamed, verbatim);
    });

    it(`${mode}: a 3-turn tool loop rebuilt from role/content/tool_calls only`, async () => {
      await toolLoop(model, streamed, rebuilt);
    });

    it(`${mode}: a rebuilt tool loop across a proxy restart`, async () => {
      await toolLoop(model, streamed, rebuilt, true);
    });

    it(`${mode}: tool_choice required and named`, async () => {
      const required = await ask(
        model,
        { messages: [{ role: 'user', content: 'What now?' }], tools, tool_choice: 'required' },
        streamed,
      );
      expect(required.finish, required.adjusted).toBe('tool_calls');
      const named = await ask(
        model,
        {
          messages: [{ role: 'user', content: 'What now?' }],
          tools,
          tool_choice: { type: 'function', function: { name: 'get_time' } },
        },
        streamed,
      );
      expectToolCall(named, 'get_time');
    });

    it(`${mode}: response_format json_schema (no additionalProperties) and json_object`, async () => {
      const schema = {
        type: 'object',
        properties: { city: { type: 'string' }, celsius: { type: 'number', minimum: -90 } },
        required: ['city', 'celsius'],
      };
      const structured = await ask(
        model,
        {
          messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
          response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } },
        },
        streamed,
      );
      expect(structured.finish).toBe('stop');
      const value = JSON.parse(structured.message.content!) as Record<string, unknown>;
      expect(typeof value['city']).toBe('string');
      expect(typeof value['celsius']).toBe('number');
      expect(structured.message.tool_calls ?? []).toEqual([]);

      const loose = await ask(
        model,
        {
          messages: [{ role: 'user', content: 'Reply with an empty JSON object: say "{}"' }],
          response_format: { type: 'json_object' },
        },
        streamed,
      );
      expect(loose.finish).toBe('stop');
      const object: unknown = JSON.parse(loose.message.content!);
      expect(typeof object === 'object' && object !== null && !Array.isArray(object)).toBe(true);
    });

    it(`${mode}: a 10-turn conversation with tools and automatic prompt caching`, async () => {
      const system = `You are a weather assistant. ${'Be precise and brief. '.repeat(1200)}`;
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: system }];
      let cached = 0;
      for (let turn = 0; turn < 10; turn++) {
        messages.push({ role: 'user', content: `call tool get_weather with {"city":"City ${turn}"}` });
        const call = await ask(model, { messages, tools }, streamed);
        expectToolCall(call, 'get_weather');
        messages.push(rebuilt(call.message), ...toolResults(call.message, () => `${turn} degrees`));
        const answer = await ask(model, { messages, tools }, streamed);
        expect(answer.finish).toBe('stop');
        expect(answer.message.content).toContain(`${turn} degrees`);
        messages.push(rebuilt(answer.message));
        cached = Math.max(cached, answer.usage?.prompt_tokens_details?.cached_tokens ?? 0);
      }
      expect(cached, 'a later turn read the cache').toBeGreaterThan(0);
    });
  }

  it('streamed with include_usage: usage exactly once, on a last chunk without choices', async () => {
    const stream = await client.chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'say "hi"' }],
      reasoning_effort: 'low',
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const withUsage = chunks.filter((c) => c.usage !== undefined && c.usage !== null);
    expect(withUsage).toHaveLength(1);
    expect(chunks.at(-1)!.choices).toEqual([]);
    const usage = chunks.at(-1)!.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    // Without include_usage there is none at all.
    const plain = await client.chat.completions.create({
      model,
      stream: true,
      messages: [{ role: 'user', content: 'say "hi"' }],
    });
    for await (const chunk of plain) expect(chunk.usage ?? undefined).toBeUndefined();
  });

  it('streamed: a tool call without arguments assembles to "{}"', async () => {
    const stream = await client.chat.completions.create({
      model,
      stream: true,
      messages: [{ role: 'user', content: 'call tool get_time' }],
      tools,
    });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        args += call.function?.arguments ?? '';
        name += call.function?.name ?? '';
      }
    }
    expect(name).toBe('get_time');
    expect(JSON.parse(args)).toEqual({});
  });
});
