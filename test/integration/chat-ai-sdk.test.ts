/**
 * The Vercel AI SDK's OpenAI-compatible provider against the running proxy: a streamed tool loop and a
 * buffered generateText, checked on both sides (what the SDK parsed, what the simulated upstream received — each request also
 * checked against the real API's rules before the scripted answer is sent).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { message, stream, textBlock, toolUseBlock } from '../helpers/anthropic-streams.js';
import { FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

const MODEL = 'claude-sonnet-4-5';

let upstream: Simulator;
let proxy: RunningProxy;
let provider: ReturnType<typeof createOpenAICompatible>;

beforeAll(async () => {
  upstream = await startSimulator();
  // Exact upstream bodies are compared here; automatic cache breakpoints have their own test file.
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    flags: { '--upstream--max-retries': '0', '--translation--prompt-caching': 'off' },
  });
  // includeUsage: streamed usage arrives only with stream_options.include_usage (OpenAI's spec).
  provider = createOpenAICompatible({
    name: 'claudine',
    baseURL: `${proxy.url}/v1`,
    apiKey: 'unused',
    includeUsage: true,
  });
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
  stream?: boolean;
  messages: { role: string; content: Record<string, unknown>[] }[];
  tools?: { name: string; description?: string; input_schema: unknown }[];
}

function seen(i: number): SeenBody {
  const call = upstream.requests.filter((r) => r.path === '/v1/messages')[i];
  expect(call, `upstream Messages call #${i}`).toBeDefined();
  expect(call!.headers['x-api-key']).toBe(FAKE_API_KEY);
  return call!.json as SeenBody;
}

const citySchema = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const } },
  required: ['city'],
  additionalProperties: false,
};

describe('the Vercel AI SDK with the OpenAI-compatible provider', () => {
  it('streams a tool call, runs the tool, sends its result back and streams the answer', async () => {
    const answers = [
      stream(
        [
          textBlock(0, ['Let me ', 'look.']),
          toolUseBlock(1, { id: 'toolu_ai_1', name: 'get_weather', jsonPieces: ['{"city"', ':"Os', 'lo"}'] }),
        ],
        { stopReason: 'tool_use', outputTokens: 20 },
        { usage: { input_tokens: 30 } },
      ),
      stream(
        [textBlock(0, ['It is ', 'snowing in Oslo.'])],
        { outputTokens: 8 },
        { usage: { input_tokens: 50 } },
      ),
    ];
    for (const events of answers) upstream.script({ kind: 'reply', events });

    const calls: unknown[] = [];
    const result = streamText({
      model: provider.chatModel(MODEL),
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

    const deltas: string[] = [];
    const toolCalls: { toolCallId: string; toolName: string; input: unknown }[] = [];
    const errors: unknown[] = [];
    let finish: { finishReason: string; inputTokens?: number; outputTokens?: number } | undefined;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') deltas.push(part.text);
      else if (part.type === 'tool-call')
        toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
      else if (part.type === 'error') errors.push(part.error);
      else if (part.type === 'finish')
        finish = {
          finishReason: part.finishReason,
          ...(part.totalUsage.inputTokens !== undefined ? { inputTokens: part.totalUsage.inputTokens } : {}),
          ...(part.totalUsage.outputTokens !== undefined
            ? { outputTokens: part.totalUsage.outputTokens }
            : {}),
        };
    }

    expect(errors).toEqual([]);
    expect(deltas).toEqual(['Let me ', 'look.', 'It is ', 'snowing in Oslo.']);
    expect(toolCalls).toEqual([
      { toolCallId: 'toolu_ai_1', toolName: 'get_weather', input: { city: 'Oslo' } },
    ]);
    expect(calls).toEqual(['Oslo']);
    // Both steps' usage, summed by the SDK: 30 + 50 prompt tokens, 20 + 8 completion tokens.
    expect(finish).toEqual({ finishReason: 'stop', inputTokens: 80, outputTokens: 28 });
    const steps = await result.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);

    const first = seen(0);
    expect(first.stream).toBe(true);
    expect(first.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather in a city',
        input_schema: expect.objectContaining(citySchema),
      },
    ]);
    const second = seen(1);
    expect(second.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the weather in Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_ai_1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_ai_1',
            is_error: false,
            content: [{ type: 'text', text: JSON.stringify({ city: 'Oslo', weather: 'snow' }) }],
          },
        ],
      },
    ]);
  });

  it('generates text once, buffered, with usage and finish reason', async () => {
    upstream.script({
      kind: 'reply',
      message: message([{ type: 'text', text: 'Hello from Claude.' }], {
        usage: { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 5 },
      }),
    });
    const result = await generateText({
      model: provider.chatModel(MODEL),
      system: 'Be brief.',
      prompt: 'Say hello.',
      maxOutputTokens: 100,
      temperature: 0.2,
    });
    expect(result.text).toBe('Hello from Claude.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBe(16);
    expect(result.usage.outputTokens).toBe(4);
    expect(result.usage.inputTokenDetails.cacheReadTokens).toBe(5);
    expect(seen(0)).toEqual({
      model: MODEL,
      max_tokens: 100,
      temperature: 0.2,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }],
    });
  });
});
