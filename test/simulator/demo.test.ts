/**
 * `claudine start --upstream demo` as a user runs it (the built CLI, no credential anywhere): the openai and
 * Anthropic SDKs get answers — buffered, streamed, and through a three-turn tool loop — that say they come
 * from the simulator.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, startServerProcess, type ServerProcess } from '../helpers/cli.js';

const NOTICE = '[claudine demo: a simulated answer, not Claude]';
const MODEL = 'claude-opus-4-7';

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess(['--upstream', 'demo'], cleanEnv());
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
});

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

describe('claudine start --upstream demo', () => {
  it('says in its start-up log that answers come from the simulator, not Claude', () => {
    const log = server.lines.join('\n');
    expect(log).toContain('DEMO MODE');
    expect(log).toContain('not from Claude');
    expect(log).not.toContain('no usable upstream credential');
  });

  const openai = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'anything', maxRetries: 0 });
  const anthropic = () => new Anthropic({ baseURL: server.url, apiKey: 'anything', maxRetries: 0 });

  it('answers the openai SDK, buffered and streamed', async () => {
    const client = openai();
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello demo' }],
    });
    expect(completion.choices[0]!.message.content).toContain(NOTICE);
    expect(completion.choices[0]!.message.content).toContain('Hello demo');

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello stream' }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toContain(NOTICE);
  });

  it('runs a three-turn tool loop with the openai SDK', async () => {
    const client = openai();
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
    ];
    const tools = [{ type: 'function' as const, function: weatherTool }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools });
    const call = first.choices[0]!.message.tool_calls?.[0];
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    messages.push(first.choices[0]!.message, {
      role: 'tool',
      tool_call_id: call!.id,
      content: '18°C and sunny',
    });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toContain('18°C and sunny');
    messages.push(second.choices[0]!.message, { role: 'user', content: 'Thanks! say "You are welcome"' });
    const third = await client.chat.completions.create({ model: MODEL, messages, tools });
    expect(third.choices[0]!.message.content).toContain('You are welcome');
  });

  it('answers the Anthropic SDK, buffered and streamed', async () => {
    const client = anthropic();
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Hello demo' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining(NOTICE) });

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Hello stream' }],
    });
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    expect(deltas).toBeGreaterThan(3);
    expect(final.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining(NOTICE) });
  });

  it('runs a three-turn tool loop with the Anthropic SDK, thinking blocks sent back', async () => {
    const client = anthropic();
    const tools: Anthropic.Tool[] = [
      { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    ];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    // Opus 5.5 thinks by default and binds signatures to the conversation: the loop must send them back.
    const model = 'claude-opus-5-5';
    const first = await client.messages.stream({ model, max_tokens: 4096, messages, tools }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content[0]!.type).toBe('thinking');
    const use = first.content.find((b) => b.type === 'tool_use');
    messages.push(
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: '18°C and sunny' }] },
    );
    const second = await client.messages.create({ model, max_tokens: 4096, messages, tools });
    expect(second.stop_reason).toBe('end_turn');
    const text = second.content.find((b) => b.type === 'text');
    expect(text?.type === 'text' && text.text).toContain('18°C and sunny');
    messages.push({ role: 'assistant', content: second.content }, { role: 'user', content: 'Thanks' });
    const third = await client.messages.create({ model, max_tokens: 4096, messages, tools });
    expect(third.stop_reason).toBe('end_turn');
  });
});

describe('claudine start without a credential', () => {
  it('names the demo next to how to add a key', async () => {
    const plain = await startServerProcess(['--auth--storage', 'env'], cleanEnv());
    try {
      // One start-up line tells the whole story (issue 17): a warning when no credential is loaded.
      const warning = plain.lines.find((l) => l.includes('claudine is listening'));
      expect(warning).toBeDefined();
      expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 40 });
      expect(warning).toContain('none yet, /v1 requests get 401');
      expect(warning).toContain('claudine auth login');
      expect(warning).toContain('claudine start --upstream demo');
    } finally {
      plain.child.kill('SIGTERM');
      await plain.exited;
    }
  });

  it('refuses --upstream with anything but demo', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const result = await runCli(['start', '--upstream', 'bedrock']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--upstream takes "demo"');
  });
});
