/**
 * The issue-12 matrix through two frameworks apps are built on, for the newest three models: LangChain's
 * ChatOpenAI (@langchain/openai) and the Vercel AI SDK's OpenAI provider in chat mode (`openai.chat()`).
 * Both rebuild assistant messages from their own message objects, so signed thinking reaches the model
 * again only through claudine's thinking cache — the simulated Claude refuses a thinking tool loop without it.
 */
import { createOpenAI } from '@ai-sdk/openai';
import {
  AIMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool, Output } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_RULES, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

/** The simulator lists models newest first. */
const NEWEST = MODEL_RULES.slice(0, 3).map((rule) => rule.id);
const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

let sim: Simulator;
let proxy: RunningProxy;

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: sim.baseUrl, flags: { '--upstream--max-retries': '0' } });
  // The registry learns the upstream's capabilities, as on a normal start.
  await fetch(`${proxy.url}/v1/models`);
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

interface UsageMetadata {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_token_details?: { cache_read?: number };
}
const usageOf = (message: unknown): UsageMetadata | undefined =>
  (message as { usage_metadata?: UsageMetadata }).usage_metadata;

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const timeTool = {
  type: 'function' as const,
  function: { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: {} } },
};

interface Invokable<I, O> {
  invoke(input: I): Promise<O>;
  stream(input: I): Promise<AsyncIterable<O>>;
}

/**
 * Buffered: `invoke`. Streamed: `stream`, chunks joined as an app does. (LangChain's `invoke` on a
 * streaming model estimates tokens with tiktoken, which downloads its tables: no network here.)
 */
async function run<I, O>(llm: Invokable<I, O>, input: I, streamed: boolean): Promise<O> {
  if (!streamed) return llm.invoke(input);
  let joined: O | undefined;
  for await (const chunk of await llm.stream(input)) {
    const c = chunk as O & { concat?: (other: O) => O };
    joined =
      joined === undefined
        ? chunk
        : typeof c.concat === 'function'
          ? (joined as typeof c).concat!(chunk)
          : chunk;
  }
  if (joined === undefined) throw new Error('the stream gave nothing');
  return joined;
}

describe.each(NEWEST)('LangChain ChatOpenAI with %s', (model) => {
  const chat = (extra: Record<string, unknown> = {}) =>
    new ChatOpenAI({
      model,
      apiKey: 'unused',
      configuration: { baseURL: `${proxy.url}/v1` },
      maxRetries: 0,
      ...extra,
    });

  for (const streaming of [false, true]) {
    const mode = streaming ? 'streamed' : 'buffered';

    it(`${mode}: chat with temperature and top_p, every reasoning effort, a small cap`, async () => {
      const plain = await run(chat({ temperature: 0.7, topP: 0.9 }), 'say "Bonjour"', streaming);
      expect(plain.content).toBe('Bonjour');
      for (const effort of EFFORTS) {
        const answer = await run(chat({ reasoning: { effort } }), 'say "ok"', streaming);
        expect(answer.content).toBe('ok');
        const title = await run(chat({ reasoning: { effort }, maxTokens: 40 }), 'say "A title"', streaming);
        expect(typeof title.content).toBe('string');
      }
    });

    it(`${mode}: a 3-turn tool loop, usage counted once`, async () => {
      const llm = chat({ streamUsage: true }).bindTools([weatherTool, timeTool]);
      const messages: BaseMessage[] = [new HumanMessage('call tool get_weather with {"city":"Paris"}')];
      const step = async (expectTool: string | null, result: string) => {
        const answer = await run(llm, messages, streaming);
        messages.push(answer);
        // Usage once: the totals are what the upstream counted, not doubled by a second usage chunk.
        const usage = usageOf(answer);
        expect(usage?.total_tokens).toBeGreaterThan(0);
        expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
        if (expectTool === null) return answer;
        expect(answer.tool_calls?.map((c) => c.name)).toEqual([expectTool]);
        for (const call of answer.tool_calls ?? [])
          messages.push(new ToolMessage({ content: result, tool_call_id: call.id ?? '' }));
        return answer;
      };
      await step('get_weather', 'Sunny, 18C');
      expect((await step(null, '')).content).toContain('Sunny, 18C');
      messages.push(new HumanMessage('call tool get_time'));
      const noArgs = await step('get_time', '14:05');
      expect(noArgs.tool_calls?.[0]?.args).toEqual({});
      expect((await step(null, '')).content).toContain('14:05');
    });

    it(`${mode}: tool_choice required and named`, async () => {
      const required = await run(
        chat().bindTools([weatherTool, timeTool], { tool_choice: 'required' }),
        'What now?',
        streaming,
      );
      expect(required.tool_calls?.length).toBeGreaterThan(0);
      const named = await run(
        chat().bindTools([weatherTool, timeTool], { tool_choice: 'get_time' }),
        'What now?',
        streaming,
      );
      expect(named.tool_calls?.map((c) => c.name)).toEqual(['get_time']);
    });

    it(`${mode}: structured output (json_schema) and JSON mode`, async () => {
      const schema = {
        title: 'weather',
        type: 'object',
        properties: { city: { type: 'string' }, celsius: { type: 'number' } },
        required: ['city', 'celsius'],
      };
      const value = await run(
        chat().withStructuredOutput<{ city: string; celsius: number }>(schema, { method: 'jsonSchema' }),
        'Weather in Paris',
        streaming,
      );
      expect(typeof value.city).toBe('string');
      expect(typeof value.celsius).toBe('number');
      const loose = await run(
        chat().withStructuredOutput<Record<string, unknown>>(schema, { method: 'jsonMode' }),
        'Reply with an empty JSON object: say "{}"',
        streaming,
      );
      expect(loose).toEqual({});
    });

    it(`${mode}: a 10-turn conversation with tools and automatic caching`, async () => {
      const llm = chat({ streamUsage: true }).bindTools([weatherTool]);
      const messages: BaseMessage[] = [new SystemMessage(`Weather bot. ${'Be brief. '.repeat(2500)}`)];
      let cached = 0;
      for (let turn = 0; turn < 10; turn++) {
        messages.push(new HumanMessage(`call tool get_weather with {"city":"C${turn}"}`));
        const call = await run(llm, messages, streaming);
        messages.push(call);
        expect(call.tool_calls?.length).toBe(1);
        messages.push(
          new ToolMessage({ content: `${turn} degrees`, tool_call_id: call.tool_calls![0]!.id! }),
        );
        const answer = await run(llm, messages, streaming);
        messages.push(new AIMessage({ content: answer.content }));
        expect(answer.content).toContain(`${turn} degrees`);
        cached = Math.max(cached, usageOf(answer)?.input_token_details?.cache_read ?? 0);
      }
      expect(cached).toBeGreaterThan(0);
    });
  }
});

describe.each(NEWEST)('Vercel AI SDK openai.chat() with %s', (model) => {
  const provider = () => createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused' });
  const tools = {
    get_weather: tool({
      description: 'Current weather in a city',
      inputSchema: jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
      execute: () => Promise.resolve('Sunny, 18C'),
    }),
    get_time: tool({
      description: 'The time now',
      inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }),
      execute: () => Promise.resolve('14:05'),
    }),
  };

  it('buffered and streamed: temperature with top_p, every reasoning effort, a small cap', async () => {
    const llm = provider().chat(model);
    const plain = await generateText({ model: llm, prompt: 'say "Bonjour"', temperature: 0.7, topP: 0.9 });
    expect(plain.text).toBe('Bonjour');
    for (const reasoningEffort of EFFORTS) {
      const options = { openai: { reasoningEffort } };
      const answer = await generateText({ model: llm, prompt: 'say "ok"', providerOptions: options });
      expect(answer.text).toBe('ok');
      const streamed = streamText({
        model: llm,
        prompt: 'say "ok"',
        providerOptions: options,
        maxOutputTokens: 40,
      });
      expect(['ok', 'o']).toContain((await streamed.text).slice(0, 2).replace(/k$/, 'k'));
    }
  });

  it('buffered: a tool loop across two user turns (the SDK rebuilds the assistant messages)', async () => {
    const llm = provider().chat(model);
    const first = await generateText({
      model: llm,
      tools,
      stopWhen: stepCountIs(3),
      prompt: 'call tool get_weather with {"city":"Paris"}',
    });
    expect(first.text).toContain('Sunny, 18C');
    const second = await generateText({
      model: llm,
      tools,
      stopWhen: stepCountIs(3),
      messages: [
        { role: 'user', content: 'call tool get_weather with {"city":"Paris"}' },
        ...first.response.messages,
        { role: 'user', content: 'call tool get_time' },
      ],
    });
    expect(second.steps[0]?.toolCalls.map((c) => c.toolName)).toEqual(['get_time']);
    expect(second.steps[0]?.toolCalls[0]?.input).toEqual({});
    expect(second.text).toContain('14:05');
  });

  it('streamed: a tool loop, usage once, tool_choice required and named', async () => {
    const llm = provider().chat(model);
    const result = streamText({
      model: llm,
      tools,
      stopWhen: stepCountIs(3),
      prompt: 'call tool get_weather with {"city":"Paris"}',
    });
    expect(await result.text).toContain('Sunny, 18C');
    const usage = await result.totalUsage;
    expect(usage.totalTokens).toBe((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
    const steps = await result.steps;
    // Each step's usage is that step's own (not doubled): the total is their sum.
    expect(usage.outputTokens).toBe(steps.reduce((n, s) => n + (s.usage.outputTokens ?? 0), 0));

    const required = await generateText({ model: llm, tools, toolChoice: 'required', prompt: 'What now?' });
    expect(required.toolCalls.length).toBeGreaterThan(0);
    const named = streamText({
      model: llm,
      tools,
      toolChoice: { type: 'tool', toolName: 'get_time' },
      prompt: 'What now?',
    });
    expect((await named.toolCalls).map((c) => c.toolName)).toEqual(['get_time']);
  });

  it('buffered and streamed: structured output', async () => {
    const llm = provider().chat(model);
    const schema = jsonSchema<{ city: string; celsius: number }>({
      type: 'object',
      properties: { city: { type: 'string' }, celsius: { type: 'number' } },
      required: ['city', 'celsius'],
    });
    const buffered = await generateText({
      model: llm,
      prompt: 'Weather in Paris',
      output: Output.object({ schema }),
    });
    expect(typeof buffered.output.city).toBe('string');
    const streamed = streamText({
      model: llm,
      prompt: 'Weather in Paris',
      output: Output.object({ schema }),
    });
    expect(typeof (await streamed.output).celsius).toBe('number');
  });

  it('buffered: a 10-turn conversation with tools and automatic caching', async () => {
    const llm = provider().chat(model);
    const messages: Parameters<typeof generateText>[0]['messages'] & object = [
      { role: 'system', content: `Weather bot. ${'Be brief. '.repeat(2500)}` },
    ];
    let cached = 0;
    for (let turn = 0; turn < 10; turn++) {
      messages.push({ role: 'user', content: `call tool get_weather with {"city":"C${turn}"}` });
      const result = await generateText({ model: llm, tools, stopWhen: stepCountIs(3), messages });
      expect(result.text).toContain('Sunny, 18C');
      messages.push(...result.response.messages);
      cached = Math.max(cached, result.usage.cachedInputTokens ?? 0);
    }
    expect(cached).toBeGreaterThan(0);
  });
});
