/**
 * The Vercel AI SDK's default OpenAI provider (`createOpenAI({baseURL})(model)`, which speaks the Responses
 * API) against the running proxy and the simulated Claude: generateText with a tool loop and streamText,
 * checked on both sides.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { message, stream, textBlock } from '../helpers/anthropic-streams.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const MODEL = 'claude-sonnet-4-5';

let upstream: Simulator;
let proxy: RunningProxy;
let provider: ReturnType<typeof createOpenAI>;
/** What the SDK sent to the proxy, parsed. */
const sent: { input?: { type?: string; role?: string; id?: string }[] }[] = [];

beforeAll(async () => {
  upstream = await startSimulator();
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    flags: { '--upstream--max-retries': '0', '--translation--prompt-caching': 'off' },
  });
  provider = createOpenAI({
    baseURL: `${proxy.url}/v1`,
    apiKey: 'unused',
    fetch: (url, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as (typeof sent)[number]);
      return fetch(url, init);
    },
  });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
  sent.length = 0;
});

interface SeenBody {
  stream?: boolean;
  messages: { role: string; content: Record<string, unknown>[] }[];
  tools?: { name: string }[];
}

function seen(i: number): SeenBody {
  const call = upstream.requests.filter((r) => r.path === '/v1/messages')[i];
  expect(call, `upstream Messages call #${i}`).toBeDefined();
  return call!.json as SeenBody;
}

const citySchema = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const } },
  required: ['city'],
  additionalProperties: false,
};

describe('the Vercel AI SDK with its default OpenAI provider (Responses API)', () => {
  it('generateText runs a tool loop: the tool call, its result, and the earlier text sent back by reference', async () => {
    const answers = [
      message(
        [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_ai_r1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
        { stopReason: 'tool_use', usage: { input_tokens: 30, output_tokens: 20 } },
      ),
      message([{ type: 'text', text: 'It is snowing in Oslo.' }], {
        usage: { input_tokens: 50, output_tokens: 8 },
      }),
    ];
    for (const answer of answers) upstream.script({ kind: 'reply', message: answer });
    const calls: string[] = [];
    const result = await generateText({
      model: provider(MODEL),
      prompt: 'What is the weather in Oslo?',
      tools: {
        get_weather: tool({
          description: 'Current weather in a city',
          inputSchema: jsonSchema<{ city: string }>(citySchema),
          execute: ({ city }) => {
            calls.push(city);
            return Promise.resolve({ city, weather: 'snow' });
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(result.text).toBe('It is snowing in Oslo.');
    expect(calls).toEqual(['Oslo']);
    expect(result.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(result.totalUsage.inputTokens).toBe(80);
    expect(result.totalUsage.outputTokens).toBe(28);
    expect(seen(0).tools?.map((t) => t.name)).toEqual(['get_weather']);
    // The SDK sent the first step's text back as a reference to the stored item, not as text.
    expect(sent[1]?.input?.map((i) => i.type ?? i.role)).toEqual([
      'user',
      'item_reference',
      'function_call',
      'function_call_output',
    ]);
    expect(seen(1).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the weather in Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_ai_r1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_ai_r1',
            is_error: false,
            content: [{ type: 'text', text: JSON.stringify({ city: 'Oslo', weather: 'snow' }) }],
          },
        ],
      },
    ]);
  });

  it('streamText streams the answer with usage and finish reason', async () => {
    upstream.script({
      kind: 'reply',
      events: stream(
        [textBlock(0, ['Hel', 'lo ', 'there.'])],
        { outputTokens: 6 },
        { usage: { input_tokens: 9 } },
      ),
    });
    const result = streamText({ model: provider(MODEL), system: 'Be brief.', prompt: 'Say hello.' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['Hel', 'lo ', 'there.']);
    expect(await result.finishReason).toBe('stop');
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(9);
    expect(usage.outputTokens).toBe(6);
    expect(seen(0).stream).toBe(true);
  });
});
