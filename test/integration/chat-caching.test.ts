import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

interface SeenRequest {
  system?: { text: string; cache_control?: unknown }[];
  tools?: { name: string; cache_control?: unknown }[];
  messages: { role: string; content: { type: string; cache_control?: unknown }[] }[];
}

let upstream: Simulator;
let proxy: RunningProxy;
let client: OpenAI;
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
  },
  {
    type: 'function',
    function: {
      name: 'write_file',
      parameters: { type: 'object', properties: { path: { type: 'string' } } },
    },
  },
];

beforeAll(async () => {
  upstream = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--upstream--max-retries': '0' } });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const seen = (): SeenRequest => upstream.requests[0]!.json as SeenRequest;
const breakpoints = (r: SeenRequest): number =>
  (r.tools ?? []).filter((t) => t.cache_control).length +
  (r.system ?? []).filter((b) => b.cache_control).length +
  r.messages.flatMap((m) => m.content).filter((b) => b.cache_control).length;

describe('prompt caching for OpenAI clients', () => {
  it('marks the last tool, the last system block and the end of the last user turn by default', async () => {
    await client.chat.completions.create({
      model: 'claude-sonnet-4-6',
      tools,
      messages: [
        { role: 'system', content: 'You are a coding agent.' },
        { role: 'user', content: 'Open main.ts' },
        { role: 'assistant', content: 'Opening it.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and then' },
            { type: 'text', text: 'fix the bug' },
          ],
        },
      ],
    });
    const request = seen();
    expect(request.tools!.map((t) => t.cache_control)).toEqual([undefined, { type: 'ephemeral' }]);
    expect(request.system!.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
    const last = request.messages.at(-1)!;
    expect(last.role).toBe('user');
    expect(last.content.map((b) => b.cache_control)).toEqual([undefined, { type: 'ephemeral' }]);
    expect(request.messages[0]!.content[0]!.cache_control).toBeUndefined();
    expect(breakpoints(request)).toBe(3);
  });

  it('keeps the client’s own cache_control parts and adds none of its own', async () => {
    const parts = [
      { type: 'text', text: 'a long shared document', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'the question' },
    ] as unknown as OpenAI.Chat.Completions.ChatCompletionContentPart[];
    await client.chat.completions.create({
      model: 'claude-sonnet-4-6',
      tools,
      messages: [{ role: 'user', content: parts }],
    });
    const request = seen();
    expect(request.messages[0]!.content[0]!.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(breakpoints(request)).toBe(1);
  });

  it('refuses a malformed cache_control with a 400 naming it', async () => {
    const parts = [
      { type: 'text', text: 'x', cache_control: { type: 'forever' } },
    ] as unknown as OpenAI.Chat.Completions.ChatCompletionContentPart[];
    const error = await client.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: parts }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(
      'messages[0].content[0].cache_control',
    );
  });

  it('sends no breakpoints with translation.prompt_caching = off', async () => {
    const off = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--translation--prompt-caching': 'off' },
    });
    try {
      const offClient = new OpenAI({ baseURL: `${off.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      await offClient.chat.completions.create({
        model: 'claude-sonnet-4-6',
        tools,
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'u' },
        ],
      });
      expect(breakpoints(seen())).toBe(0);
    } finally {
      await off.close();
    }
  });
});
