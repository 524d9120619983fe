/**
 * Both routes on AWS Bedrock, through the official SDKs, against a fake Bedrock runtime that verifies every
 * SigV4 signature with the same credentials and streams real AWS event-stream frames.
 */
import Anthropic, { BadRequestError as AnthropicBadRequest } from '@anthropic-ai/sdk';
import OpenAI, { APIError, RateLimitError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCredentials } from '../../src/auth/aws.js';
import { message, stream, textBlock, thinkingBlock, toolUseBlock } from '../helpers/anthropic-streams.js';
import { startFakeBedrock, type AwsTestCredentials, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const KEY_1: AwsTestCredentials = {
  accessKeyId: 'AKIATESTNOTREAL00001',
  secretAccessKey: 'test-secret-not-real-1',
  sessionToken: 'test-session-token-not-real-1',
};
const KEY_2: AwsTestCredentials = {
  accessKeyId: 'AKIATESTNOTREAL00002',
  secretAccessKey: 'test-secret-not-real-2',
  sessionToken: 'test-session-token-not-real-2',
};

let bedrock: FakeBedrock;
let proxy: RunningProxy;
let openai: OpenAI;
let anthropic: Anthropic;

async function bedrockProxy(
  extra: Record<string, string> = {},
  credentials: () => Promise<AwsCredentials> = () => Promise.resolve(KEY_1),
  env: NodeJS.ProcessEnv = {},
): Promise<RunningProxy> {
  return startProxy({
    upstreamBaseUrl: 'http://127.0.0.1:9/v1',
    env,
    flags: {
      '--upstream--provider': 'bedrock',
      '--upstream--bedrock--region': 'us-east-1',
      '--upstream--bedrock--endpoint': bedrock.url,
      '--upstream--max-retries': '0',
      '--translation--prompt-caching': 'off',
      ...extra,
    },
    deps: { awsCredentials: credentials },
  });
}

beforeAll(async () => {
  bedrock = await startFakeBedrock({ keys: [KEY_1] });
  proxy = await bedrockProxy();
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await bedrock.close();
});
afterEach(() => {
  bedrock.requests.length = 0;
  expect(bedrock.rejected).toEqual([]);
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('chat completions on Bedrock', () => {
  it('answers a buffered request through a signed InvokeModel with the Bedrock body', async () => {
    bedrock.answer = () => ({ message: message([{ type: 'text', text: 'Hello from Bedrock' }]) });
    const completion = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 100,
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from Bedrock');
    const call = bedrock.requests[0]!;
    expect(call.operation).toBe('invoke');
    expect(call.modelId).toBe('global.anthropic.claude-sonnet-4-6');
    expect(call.signedBy).toBe(KEY_1.accessKeyId);
    expect(call.body['anthropic_version']).toBe('bedrock-2023-05-31');
    expect(call.body).not.toHaveProperty('model');
    expect(call.body).not.toHaveProperty('stream');
    expect(call.body['max_tokens']).toBe(100);
  });

  it('streams text decoded from event-stream frames', async () => {
    bedrock.answer = () => ({ events: stream([textBlock(0, ['Hel', 'lo', ' there'])]) });
    const chunks = await openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: ChatCompletionChunk['usage'] = null;
    for await (const chunk of chunks) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello there');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 7 });
    expect(bedrock.requests[0]!.operation).toBe('invoke-with-response-stream');
    expect(bedrock.requests[0]!.modelId).toBe('global.anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  it('streams parallel tool calls', async () => {
    bedrock.answer = () => ({
      events: stream(
        [
          toolUseBlock(0, { id: 'toolu_a', name: 'get_weather', jsonPieces: ['{"city":', '"Paris"}'] }),
          toolUseBlock(1, { id: 'toolu_b', name: 'get_weather', jsonPieces: ['{"city":"Rome"}'] }),
        ],
        { stopReason: 'tool_use' },
      ),
    });
    const runner = openai.chat.completions.stream({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(
      final.choices[0]?.message.tool_calls?.map((c) => [c.id, c.type === 'function' && c.function.arguments]),
    ).toEqual([
      ['toolu_a', '{"city":"Paris"}'],
      ['toolu_b', '{"city":"Rome"}'],
    ]);
    expect(bedrock.requests[0]!.body['tools']).toEqual([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: weatherTool.function.parameters,
      },
    ]);
  });

  it('streams thinking as reasoning_content', async () => {
    bedrock.answer = () => ({
      events: stream([thinkingBlock(0, ['Let me ', 'think.'], 'sig-bedrock-1'), textBlock(1, ['Done.'])]),
    });
    const chunks = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Think' }],
      reasoning_effort: 'low',
      max_completion_tokens: 4000,
      stream: true,
    });
    let reasoning = '';
    let text = '';
    for await (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      text += delta?.content ?? '';
    }
    expect(reasoning).toBe('Let me think.');
    expect(text).toBe('Done.');
    expect(bedrock.requests[0]!.body['thinking']).toBeDefined();
  });

  it('turns a ThrottlingException answer into an OpenAI 429 rate_limit_exceeded', async () => {
    bedrock.answer = () => ({
      status: 429,
      errorType: 'ThrottlingException',
      message: 'Too many requests, please wait',
    });
    const err = await openai.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe('rate_limit_exceeded');
    expect((err as RateLimitError).message).toContain('Too many requests');
  });

  it('turns a throttling exception frame mid-stream into an OpenAI rate-limit error', async () => {
    bedrock.answer = () => ({
      events: [
        ...stream([textBlock(0, ['partial'])]).slice(0, 4),
        { exception: 'throttlingException', message: 'Rate exceeded mid-stream' },
      ],
    });
    const chunks = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    const err = await (async () => {
      for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('partial');
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  });

  /** Streams a chat completion to its end; returns what it threw (undefined for a clean end). */
  async function chatStreamError(): Promise<unknown> {
    const chunks = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    return (async () => {
      for await (const _chunk of chunks) void _chunk;
    })().catch((e: unknown) => e);
  }

  it('reports a stream cut inside a frame as an error, not a clean end', async () => {
    bedrock.answer = () => ({ events: stream([textBlock(0, ['a', 'b', 'c'])]), cutAfter: 4 });
    const err = await chatStreamError();
    expect(err).toBeInstanceOf(APIError);
  });

  it('reports a stream that ends cleanly inside a frame as an error, in both dialects', async () => {
    bedrock.answer = () => ({ events: stream([textBlock(0, ['a', 'b', 'c'])]), endInsideFrameAfter: 4 });
    const err = await chatStreamError();
    expect(err).toBeInstanceOf(APIError);
    expect(String((err as Error).message)).toMatch(/inside an event-stream frame/);

    const runner = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const nativeErr = await runner.finalMessage().catch((e: unknown) => e);
    expect(nativeErr).toBeInstanceOf(Anthropic.APIError);
    expect(String((nativeErr as Error).message)).toMatch(/inside an event-stream frame/);
  });

  it('reports a frame whose checksum does not match as an error, not as text', async () => {
    bedrock.answer = () => ({ events: stream([textBlock(0, ['good', 'bad', 'never'])]), corruptAt: 4 });
    const runner = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let text = '';
    runner.on('text', (t) => (text += t));
    const err = await runner.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toMatch(/corrupt/);
    expect(text).toBe('good');
  });

  it('lists the models Bedrock serves, in OpenAI format', async () => {
    const list = await openai.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain('claude-sonnet-4-6');
    expect(ids).toContain('claude-opus-4-7');
    expect(bedrock.requests).toEqual([]);
  });
});

describe('/v1/messages on Bedrock', () => {
  it('answers a buffered request and keeps only the betas Bedrock accepts', async () => {
    bedrock.answer = () => ({ message: message([{ type: 'text', text: 'native hello' }]) });
    const msg = await anthropic.messages.create(
      { model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14,made-up-beta-2099-01-01' } },
    );
    expect(msg.content).toEqual([{ type: 'text', text: 'native hello' }]);
    const call = bedrock.requests[0]!;
    expect(call.body['anthropic_beta']).toEqual(['interleaved-thinking-2025-05-14']);
    expect(call.headers['anthropic-beta']).toBeUndefined();
    expect(
      proxy.logs.some((l) => l['msg'] === 'anthropic-beta values bedrock does not accept were dropped'),
    ).toBe(true);
  });

  it('streams thinking and parallel tool use as Anthropic SSE events', async () => {
    bedrock.answer = () => ({
      events: stream(
        [
          thinkingBlock(0, ['Checking both.'], 'sig-native-1'),
          toolUseBlock(1, { id: 'toolu_1', name: 'get_weather', jsonPieces: ['{"city":"Oslo"}'] }),
          toolUseBlock(2, { id: 'toolu_2', name: 'get_weather', jsonPieces: ['{"city":', '"Lima"}'] }),
        ],
        { stopReason: 'tool_use' },
      ),
    });
    const runner = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [
        { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
      messages: [{ role: 'user', content: 'Oslo and Lima?' }],
    });
    const final = await runner.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'Checking both.', signature: 'sig-native-1' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Lima' } },
    ]);
    expect(bedrock.requests[0]!.operation).toBe('invoke-with-response-stream');
  });

  it('surfaces an exception frame as an error event the SDK raises', async () => {
    bedrock.answer = () => ({
      events: [
        ...stream([textBlock(0, ['x'])]).slice(0, 3),
        { exception: 'modelStreamErrorException', message: 'the model stream failed' },
      ],
    });
    const runner = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const err = await runner.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain('the model stream failed');
  });

  it('answers a ValidationException as a 400 invalid_request_error', async () => {
    bedrock.answer = () => ({
      status: 400,
      errorType: 'ValidationException',
      message: 'messages: field required',
    });
    const err = await anthropic.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnthropicBadRequest);
    expect((err as AnthropicBadRequest).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages: field required' },
    });
  });

  it('counts tokens through Bedrock CountTokens', async () => {
    bedrock.answer = () => ({ inputTokens: 42 });
    const count = await anthropic.messages.countTokens({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'How many?' }],
    });
    expect(count.input_tokens).toBe(42);
    const call = bedrock.requests[0]!;
    expect(call.operation).toBe('count-tokens');
    expect(call.body['messages']).toEqual([{ role: 'user', content: 'How many?' }]);
  });

  it('lists models in Anthropic format', async () => {
    const page = await anthropic.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain('claude-haiku-4-5');
    const one = await anthropic.models.retrieve('claude-opus-4-6');
    expect(one.display_name).toBe('Claude Opus 4.6');
  });

  it('answers the Anthropic-only Files and Batches APIs with a clear 501, without calling Bedrock', async () => {
    for (const [method, path] of [
      ['GET', '/v1/files'],
      ['GET', '/v1/messages/batches'],
    ] as const) {
      const res = await fetch(`${proxy.url}${path}`, {
        method,
        headers: { 'anthropic-version': '2023-06-01' },
      });
      expect(res.status, path).toBe(501);
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe('error');
      expect(body.error.message).toContain('not available on this upstream');
    }
    expect(bedrock.requests).toEqual([]);
  });

  it('sends Opus 4.7 to the Messages-API endpoint without the structured-output fields Bedrock refuses', async () => {
    bedrock.answer = () => ({ events: stream([textBlock(0, ['{"a":1}'])]) });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-opus-4-7',
        max_tokens: 100,
        stream: true,
        output_config: { format: { type: 'json_schema', schema: { type: 'object' } }, effort: 'low' },
        tools: [{ name: 't', strict: true, input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: 'json please' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('event: message_stop');
    const call = bedrock.requests[0]!;
    expect(call.operation).toBe('messages');
    expect(call.body['model']).toBe('global.anthropic.claude-opus-4-7');
    expect(call.body['output_config']).toEqual({ effort: 'low' });
    expect(call.body['tools']).toEqual([{ name: 't', input_schema: { type: 'object' } }]);
  });
});

describe('Bedrock credentials', () => {
  it('refreshes expiring credentials ahead of expiry, once for 50 concurrent requests', async () => {
    const fake = await startFakeBedrock({ keys: [KEY_1, KEY_2] });
    const saved = bedrock;
    bedrock = fake;
    let calls = 0;
    // The first credentials expire 1.3 s from now; with a 1 s refresh skew they are refreshed after 0.3 s.
    const expiresAt = new Date(Date.now() + 1_300);
    const provider = async (): Promise<AwsCredentials> => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return calls === 1
        ? { ...KEY_1, expiration: expiresAt }
        : { ...KEY_2, expiration: new Date(Date.now() + 3_600_000) };
    };
    const local = await bedrockProxy({ '--auth--refresh-skew': '1s' }, provider);
    try {
      fake.answer = () => ({ message: message([{ type: 'text', text: 'ok' }]) });
      const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const ask = () =>
        client.chat.completions.create({
          model: 'claude-sonnet-4-6',
          messages: [{ role: 'user', content: 'Hi' }],
        });
      await ask();
      expect(fake.requests[0]!.signedBy).toBe(KEY_1.accessKeyId);
      // Past expiry: the old key is revoked, so a request signed with it would fail.
      await new Promise((r) => setTimeout(r, 1_400));
      fake.keys.delete(KEY_1.accessKeyId);
      const answers = await Promise.all(Array.from({ length: 50 }, ask));
      expect(answers.every((a) => a.choices[0]?.message.content === 'ok')).toBe(true);
      expect(calls).toBe(2);
      expect(new Set(fake.requests.slice(1).map((r) => r.signedBy))).toEqual(new Set([KEY_2.accessKeyId]));
      expect(fake.rejected).toEqual([]);
    } finally {
      await local.close();
      await fake.close();
      bedrock = saved;
    }
  });

  it('sends a Bedrock API key from AWS_BEARER_TOKEN_BEDROCK as Bearer', async () => {
    const fake = await startFakeBedrock();
    fake.bearerToken = 'bedrock-api-key-test-not-real';
    const saved = bedrock;
    bedrock = fake;
    const local = await bedrockProxy({}, undefined, {
      AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-test-not-real',
    });
    try {
      fake.answer = () => ({ message: message([{ type: 'text', text: 'bearer ok' }]) });
      const client = new Anthropic({ baseURL: local.url, apiKey: 'unused', maxRetries: 0 });
      const msg = await client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(msg.content).toEqual([{ type: 'text', text: 'bearer ok' }]);
      expect(fake.requests[0]!.signedBy).toBe('bearer');
      expect(local.rawLogs.join('\n')).not.toContain('bedrock-api-key-test-not-real');
    } finally {
      await local.close();
      await fake.close();
      bedrock = saved;
    }
  });

  it('never logs the AWS secret or session token', () => {
    const all = proxy.rawLogs.join('\n');
    expect(all).not.toContain(KEY_1.secretAccessKey);
    expect(all).not.toContain(KEY_1.sessionToken);
  });
});
