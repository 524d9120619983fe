/**
 * The Messages pass-through against the simulated Claude, which checks every request like the real API:
 * beta calls with query strings, its validation errors reaching the SDK in Anthropic's shape with
 * `error_type` and the upstream `request-id` in the access log, and streams the simulator cuts short.
 */
import type { APIError} from '@anthropic-ai/sdk';
import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startProxy, type RunningProxy } from '../helpers/proxy.js';

const CLIENT_KEY = 'sk-ant-test-not-a-real-key';
const MODEL = 'claude-sonnet-4-6';

let sim: Simulator;
let proxy: RunningProxy;
let client: Anthropic;

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: sim.baseUrl, flags: { '--upstream--max-retries': '0' } });
  client = new Anthropic({ baseURL: proxy.url, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});
beforeEach(() => sim.reset());

const logLine = async (requestId: string): Promise<Record<string, unknown>> => {
  await eventually(
    () => proxy.logs.some((l) => l['msg'] === 'request' && l['request_id'] === requestId),
    `the access log line of ${requestId}`,
  );
  return proxy.logs.find((l) => l['msg'] === 'request' && l['request_id'] === requestId)!;
};

describe('Messages through claudine to the simulated Claude', () => {
  it('a beta stream with ?beta=true reaches the upstream with its query string and completes', async () => {
    const stream = client.beta.messages.stream(
      {
        model: MODEL,
        max_tokens: 64,
        betas: ['interleaved-thinking-2025-05-14'],
        messages: [{ role: 'user', content: 'say "hello from the simulator"' }],
      },
      { query: { beta: 'true' }, headers: { 'x-request-id': 'sim-beta-1' } },
    );
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'hello from the simulator' });
    expect(sim.requests[0]!.path).toBe('/v1/messages?beta=true');
    expect(sim.requests[0]!.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(await logLine('sim-beta-1')).toMatchObject({ stream: true, model: MODEL, status: 200 });
  });

  it("the upstream's validation error reaches the SDK as is, logged with error_type and its request-id", async () => {
    const error = await client.messages
      .create(
        // No max_tokens: the real API (and the simulator) refuse this.
        { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true } as never,
        { headers: { 'x-request-id': 'sim-invalid-1' } },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    const upstreamRequestId = (error as APIError).headers?.get('request-id');
    expect(upstreamRequestId).toBe(sim.lastRequestId);
    expect(await logLine('sim-invalid-1')).toMatchObject({
      status: 400,
      stream: true,
      error_type: 'invalid_request_error',
      upstream_request_id: upstreamRequestId,
    });
  });

  it('a stream the upstream ends cleanly but early (no message_stop) is an error for the SDK', async () => {
    sim.script({ kind: 'truncate', afterEvents: 3 });
    const stream = client.messages.stream(
      { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'say "a longer answer here"' }] },
      { headers: { 'x-request-id': 'sim-truncated-1' } },
    );
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('message_stop');
    expect(await logLine('sim-truncated-1')).toMatchObject({
      outcome: 'upstream_abort',
      error_type: 'upstream_stream_truncated',
    });
  });

  it('an upstream error event mid-stream reaches the SDK once, with nothing added by the proxy', async () => {
    sim.script({ kind: 'stream-error', afterEvents: 2, type: 'overloaded_error', message: 'Overloaded' });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-api-key': CLIENT_KEY,
        'x-request-id': 'sim-error-event-1',
      },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 64,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const text = await res.text();
    expect(text.match(/event: error/g)).toHaveLength(1);
    expect(text).toContain('overloaded_error');
    expect(await logLine('sim-error-event-1')).toMatchObject({ error_type: 'overloaded_error' });
  });

  it('count_tokens and the Anthropic model list pass through', async () => {
    const count = await client.messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(count.input_tokens).toBeGreaterThan(0);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
    const one = await client.models.retrieve(MODEL);
    expect(one.id).toBe(MODEL);
    expect(sim.requests.map((r) => r.path.split('?')[0])).toEqual([
      '/v1/messages/count_tokens',
      '/v1/models',
      `/v1/models/${MODEL}`,
    ]);
  });
});
