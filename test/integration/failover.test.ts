/**
 * Failover from Anthropic to Bedrock: the fallback is tried when the first upstream answers 429/529/5xx or
 * cannot be reached, before any byte reached the client; the access log and metrics name the upstream
 * that answered.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { BadRequestError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { message, stream, textBlock } from '../helpers/anthropic-streams.js';
import { startFakeBedrock, type AwsTestCredentials, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { eventually, FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

const KEY: AwsTestCredentials = {
  accessKeyId: 'AKIATESTNOTREAL00009',
  secretAccessKey: 'failover-secret-not-real',
};

let anthropicUpstream: FakeUpstream;
let bedrock: FakeBedrock;
let proxy: RunningProxy;
let openai: OpenAI;

beforeAll(async () => {
  anthropicUpstream = await startFakeUpstream();
  bedrock = await startFakeBedrock({ keys: [KEY], region: 'eu-west-1' });
  proxy = await startProxy({
    upstreamBaseUrl: anthropicUpstream.baseUrl,
    env: { ANTHROPIC_API_KEY: FAKE_API_KEY, AWS_REGION: 'eu-west-1' },
    flags: {
      '--upstream--fallbacks': 'bedrock',
      '--upstream--bedrock--endpoint': bedrock.url,
      '--translation--prompt-caching': 'off',
    },
    deps: { awsCredentials: () => Promise.resolve(KEY) },
  });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await bedrock.close();
  await anthropicUpstream.close();
});
afterEach(() => {
  anthropicUpstream.requests.length = 0;
  bedrock.requests.length = 0;
  expect(bedrock.rejected).toEqual([]);
});

function accessLog(id: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  return eventually(() => {
    line = proxy.logs.find((l) => l['msg'] === 'request' && l['request_id'] === id);
    return line !== undefined;
  }, 'the access log line').then(() => line!);
}

async function metric(upstream: string, status: string): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) =>
      l.startsWith(`claudine_upstream_responses_total{upstream="${upstream}",status="${status}"}`),
    );
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('failover', () => {
  it('answers through Bedrock when Anthropic is overloaded (529), and says so in the log and metrics', async () => {
    anthropicUpstream.handler = (_req, res) =>
      sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    bedrock.answer = () => ({ message: message([{ type: 'text', text: 'from the fallback' }]) });
    const before = await metric('bedrock', '200');
    const { data, response } = await openai.chat.completions
      .create(
        { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'x-request-id': 'failover-529' } },
      )
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('from the fallback');
    expect(response.status).toBe(200);
    // Anthropic was asked once (no backoff before failing over), then Bedrock.
    expect(anthropicUpstream.requests.length).toBe(1);
    expect(bedrock.requests[0]!.modelId).toBe('global.anthropic.claude-sonnet-4-6');
    expect(await accessLog('failover-529')).toMatchObject({
      status: 200,
      upstream: 'bedrock',
      upstream_status: 200,
    });
    expect(
      proxy.logs.some(
        (l) => l['msg'] === 'upstream anthropic failed; trying bedrock' && l['request_id'] === 'failover-529',
      ),
    ).toBe(true);
    expect((await metric('bedrock', '200')) - before).toBe(1);
  });

  it('replays a streamed /v1/messages body to Bedrock when Anthropic answers 503', async () => {
    anthropicUpstream.handler = (_req, res) =>
      sendJson(res, 503, { type: 'error', error: { type: 'api_error', message: 'unavailable' } });
    bedrock.answer = () => ({ events: stream([textBlock(0, ['streamed ', 'fallback'])]) });
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
    const final = await client.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'streamed fallback' }]);
    expect(bedrock.requests[0]!.operation).toBe('invoke-with-response-stream');
    expect(bedrock.requests[0]!.body['messages']).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('keeps a client error (400) from the first upstream: no failover', async () => {
    anthropicUpstream.handler = (_req, res) =>
      sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad field' } });
    const err = await openai.chat.completions
      .create(
        { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'x-request-id': 'failover-400' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(bedrock.requests).toEqual([]);
    expect(await accessLog('failover-400')).toMatchObject({ upstream: 'anthropic', upstream_status: 400 });
  });

  it('fails over when the first upstream cannot be reached', async () => {
    const local = await startProxy({
      upstreamBaseUrl: 'http://127.0.0.1:9/v1',
      env: { ANTHROPIC_API_KEY: FAKE_API_KEY, AWS_REGION: 'eu-west-1' },
      flags: { '--upstream--fallbacks': 'bedrock', '--upstream--bedrock--endpoint': bedrock.url },
      deps: { awsCredentials: () => Promise.resolve(KEY) },
    });
    try {
      bedrock.answer = () => ({ message: message([{ type: 'text', text: 'reached' }]) });
      const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'claude-sonnet-4-6',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('reached');
    } finally {
      await local.close();
    }
  });
});
