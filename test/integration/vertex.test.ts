/**
 * Both routes on Google Vertex AI, through the official SDKs, against a fake Vertex whose token endpoint
 * verifies the service account's signed JWT and whose API accepts only the live tokens it issued.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { APIError, RateLimitError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vertexEndpoint } from '../../src/upstream/providers/vertex/index.js';
import {
  errorEvent,
  message,
  stream,
  textBlock,
  thinkingBlock,
  toolUseBlock,
} from '../helpers/anthropic-streams.js';
import { startFakeVertex, type FakeVertex } from '../helpers/fake-vertex.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

let vertex: FakeVertex;
let proxy: RunningProxy;
let openai: OpenAI;
let anthropic: Anthropic;

function credentialsFile(fake: FakeVertex): string {
  const dir = mkdtempSync(join(tmpdir(), 'claudine-vertex-'));
  const path = join(dir, 'service-account.json');
  writeFileSync(path, JSON.stringify(fake.serviceAccount));
  return path;
}

function vertexProxy(fake: FakeVertex, extra: Record<string, string> = {}): Promise<RunningProxy> {
  return startProxy({
    upstreamBaseUrl: 'http://127.0.0.1:9/v1',
    env: { GOOGLE_APPLICATION_CREDENTIALS: credentialsFile(fake) },
    flags: {
      '--upstream--provider': 'vertex',
      '--upstream--vertex--region': 'us-east5',
      '--upstream--vertex--endpoint': fake.url,
      '--upstream--max-retries': '0',
      '--translation--prompt-caching': 'off',
      ...extra,
    },
  });
}

beforeAll(async () => {
  vertex = await startFakeVertex();
  proxy = await vertexProxy(vertex, { '--upstream--vertex--project': 'proj-test' });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await vertex.close();
});
afterEach(() => {
  vertex.requests.length = 0;
  expect(vertex.rejected).toEqual([]);
});

describe('chat completions on Vertex AI', () => {
  it('answers a buffered request through rawPredict with a token from the JWT grant', async () => {
    vertex.answer = () => ({ message: message([{ type: 'text', text: 'Hello from Vertex' }]) });
    const completion = await openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 64,
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from Vertex');
    const call = vertex.requests[0]!;
    expect(call).toMatchObject({
      project: 'proj-test',
      region: 'us-east5',
      model: 'claude-haiku-4-5@20251001',
      method: 'rawPredict',
    });
    expect(call.body['anthropic_version']).toBe('vertex-2023-10-16');
    expect(call.body).not.toHaveProperty('model');
    expect(vertex.grants.length).toBe(1);
  });

  it('streams text and parallel tool calls', async () => {
    vertex.answer = () => ({
      events: stream(
        [
          textBlock(0, ['Checking ', 'both.']),
          toolUseBlock(1, { id: 'toolu_v1', name: 'lookup', jsonPieces: ['{"q":"a"}'] }),
          toolUseBlock(2, { id: 'toolu_v2', name: 'lookup', jsonPieces: ['{"q":', '"b"}'] }),
        ],
        { stopReason: 'tool_use' },
      ),
    });
    const runner = openai.chat.completions.stream({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'a and b' }],
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
        },
      ],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Checking both.');
    expect(final.choices[0]?.message.tool_calls?.map((c) => c.id)).toEqual(['toolu_v1', 'toolu_v2']);
    expect(vertex.requests[0]).toMatchObject({ method: 'streamRawPredict', model: 'claude-sonnet-4-6' });
    expect(vertex.requests[0]!.body['stream']).toBe(true);
  });

  it('maps a Google RESOURCE_EXHAUSTED 429 to an OpenAI rate_limit_exceeded', async () => {
    vertex.answer = () => ({
      status: 429,
      googleStatus: 'RESOURCE_EXHAUSTED',
      message: 'Quota exceeded for aiplatform',
    });
    const err = await openai.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe('rate_limit_exceeded');
    expect((err as RateLimitError).message).toContain('Quota exceeded');
  });

  it('reports a mid-stream overloaded error event in the OpenAI dialect', async () => {
    vertex.answer = () => ({
      events: [...stream([textBlock(0, ['par'])]).slice(0, 4), errorEvent('overloaded_error', 'Overloaded')],
    });
    const chunks = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const err = await (async () => {
      for await (const _c of chunks) void _c;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).error).toMatchObject({ type: 'server_error', code: 'overloaded_error' });
  });

  it('lists the models in OpenAI format', async () => {
    const ids = (await openai.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['claude-sonnet-4-5', 'claude-opus-4-6', 'claude-fable-5-1']));
  });
});

describe('/v1/messages on Vertex AI', () => {
  it('streams thinking and keeps only the betas Vertex accepts, as a header', async () => {
    vertex.answer = () => ({
      events: stream([thinkingBlock(0, ['Hmm.'], 'sig-v-1'), textBlock(1, ['Yes.'])]),
    });
    const final = await anthropic.messages
      .stream(
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 3000,
          thinking: { type: 'enabled', budget_tokens: 1024 },
          messages: [{ role: 'user', content: 'Think' }],
        },
        { headers: { 'anthropic-beta': 'context-1m-2025-08-07, not-a-vertex-beta-2099-01-01' } },
      )
      .finalMessage();
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'Hmm.', signature: 'sig-v-1' },
      { type: 'text', text: 'Yes.' },
    ]);
    const call = vertex.requests[0]!;
    expect(call.model).toBe('claude-sonnet-4-5@20250929');
    expect(call.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(call.body).not.toHaveProperty('anthropic_beta');
  });

  it('counts tokens through count-tokens:rawPredict with the model in the body', async () => {
    vertex.answer = () => ({ inputTokens: 17 });
    const count = await anthropic.messages.countTokens({
      model: 'claude-opus-4-6',
      messages: [{ role: 'user', content: 'count me' }],
    });
    expect(count.input_tokens).toBe(17);
    expect(vertex.requests[0]).toMatchObject({ method: 'count-tokens', model: 'claude-opus-4-6' });
  });

  it('lists models in Anthropic format', async () => {
    const page = await anthropic.models.list();
    expect(page.data.map((m) => m.id)).toContain('claude-haiku-4-5');
  });

  it('renews a token the API refused (401) and replays the request', async () => {
    vertex.answer = () => ({ message: message([{ type: 'text', text: 'after renewal' }]) });
    const grantsBefore = vertex.grants.length;
    vertex.revokeAll();
    const msg = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'after renewal' }]);
    expect(vertex.grants.length).toBe(grantsBefore + 1);
    expect(vertex.rejected).toEqual(['unknown token']);
    vertex.rejected.length = 0;
  });
});

describe('Vertex credentials', () => {
  it('refreshes the access token ahead of expiry, once for 50 concurrent requests', async () => {
    const fake = await startFakeVertex();
    fake.tokenLifetimeS = 2;
    const local = await vertexProxy(fake, { '--auth--refresh-skew': '1s' });
    try {
      fake.answer = () => ({ message: message([{ type: 'text', text: 'ok' }]) });
      const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const ask = () =>
        client.chat.completions.create({
          model: 'claude-sonnet-4-6',
          messages: [{ role: 'user', content: 'Hi' }],
        });
      await ask();
      // The project came from the service-account file.
      expect(fake.requests[0]!.project).toBe('test-project-not-real');
      expect(fake.grants.length).toBe(1);
      // The next token lives long, so a slow machine sending the 50 cannot reach its refresh window.
      fake.tokenLifetimeS = 3600;
      // Past expiry: the first token no longer works anywhere.
      await new Promise((r) => setTimeout(r, 2_100));
      const answers = await Promise.all(Array.from({ length: 50 }, ask));
      expect(answers.every((a) => a.choices[0]?.message.content === 'ok')).toBe(true);
      expect(fake.grants.length).toBe(2);
      expect(new Set(fake.requests.slice(1).map((r) => r.token))).toEqual(new Set([fake.grants[1]!.token]));
      expect(fake.rejected).toEqual([]);
      const all = local.rawLogs.join('\n');
      expect(all).not.toContain('ya29.test-not-real');
      expect(all).not.toContain('PRIVATE KEY');
    } finally {
      await local.close();
      await fake.close();
    }
  });

  it('is not ready, and says why, when the token endpoint refuses the service account', async () => {
    const fake = await startFakeVertex();
    const file = {
      ...fake.serviceAccount,
      client_email: 'someone-else@test-project-not-real.iam.gserviceaccount.com',
    };
    const dir = mkdtempSync(join(tmpdir(), 'claudine-vertex-'));
    writeFileSync(join(dir, 'sa.json'), JSON.stringify(file));
    const local = await startProxy({
      upstreamBaseUrl: 'http://127.0.0.1:9/v1',
      env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'sa.json') },
      flags: {
        '--upstream--provider': 'vertex',
        '--upstream--vertex--project': 'p',
        '--upstream--vertex--endpoint': fake.url,
      },
    });
    try {
      const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const err = await client.chat.completions
        .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIError);
      expect((err as APIError).status).toBe(401);
      expect((err as APIError).message).toContain('wrong iss');
      const ready = await fetch(`${local.url}/health/readiness`);
      expect(ready.status).toBe(503);
      expect(fake.requests).toEqual([]);
    } finally {
      await local.close();
      await fake.close();
    }
  });
});

describe('vertexEndpoint', () => {
  it('uses the global host, the multi-region hosts and regional hosts', () => {
    expect(vertexEndpoint('global')).toBe('https://aiplatform.googleapis.com');
    expect(vertexEndpoint('us')).toBe('https://aiplatform.us.rep.googleapis.com');
    expect(vertexEndpoint('eu')).toBe('https://aiplatform.eu.rep.googleapis.com');
    expect(vertexEndpoint('europe-west1')).toBe('https://europe-west1-aiplatform.googleapis.com');
  });
});
