/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- wire JSON is read loosely in these tests */
/**
 * What the simulator answers: realistic shapes (JSON and SSE), the steering phrases, stop reasons, usage with
 * a prompt cache, the model list, and the scripted faults.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MODEL_RULES, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { assistant, call, messages, sseEvents, user } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

const tool = (name: string) => ({
  name,
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } },
    required: ['city'],
  },
});
const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: [user(text)],
  ...extra,
});

/** Rebuilds the content of a message from its stream, as an SDK would. */
function assemble(events: any[]): any {
  const start = events.find((e) => e.type === 'message_start');
  const message = { ...start.message, content: [] as any[] };
  const partial: Record<number, string> = {};
  for (const e of events) {
    if (e.type === 'content_block_start') message.content[e.index] = { ...e.content_block };
    if (e.type === 'content_block_delta') {
      const block = message.content[e.index];
      if (e.delta.type === 'text_delta') block.text += e.delta.text;
      if (e.delta.type === 'thinking_delta') block.thinking += e.delta.thinking;
      if (e.delta.type === 'signature_delta') block.signature = e.delta.signature;
      if (e.delta.type === 'input_json_delta')
        partial[e.index] = (partial[e.index] ?? '') + e.delta.partial_json;
    }
    if (e.type === 'content_block_stop' && partial[e.index] !== undefined)
      message.content[e.index].input = JSON.parse(partial[e.index]!);
    if (e.type === 'message_delta') {
      message.stop_reason = e.delta.stop_reason;
      message.stop_sequence = e.delta.stop_sequence;
      message.usage = { ...message.usage, ...e.usage };
    }
  }
  return message;
}

describe('answers', () => {
  it('answers text that echoes the prompt, with usage and a request id', async () => {
    const reply = await messages(sim, ask('What is a proxy?'));
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      stop_reason: 'end_turn',
      stop_sequence: null,
      content: [{ type: 'text', text: 'Simulated answer to: "What is a proxy?"' }],
    });
    expect(reply.json.id).toMatch(/^msg_/);
    expect(reply.json.usage.input_tokens).toBeGreaterThan(0);
    expect(reply.json.usage.output_tokens).toBeGreaterThan(0);
    expect(reply.headers.get('request-id')).toMatch(/^req_sim_/);
  });

  it('say "…" answers exactly that', async () => {
    const reply = await messages(sim, ask('Please say "Hello, world"'));
    expect(reply.json.content).toEqual([{ type: 'text', text: 'Hello, world' }]);
  });

  it('streams the same answer as message_start, ping, several deltas, message_delta, message_stop', async () => {
    const body = ask('Please say "one two three four five six seven"');
    const buffered = await messages(sim, body);
    const streamed = await messages(sim, { ...body, stream: true });
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    const events = sseEvents(streamed.text);
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['message_delta', 'message_stop']);
    expect(events.filter((e) => e.delta?.type === 'text_delta').length).toBeGreaterThan(2);
    const message = assemble(events);
    expect(message.content).toEqual(buffered.json.content);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(buffered.json.usage.output_tokens);
    expect(streamed.text).toMatch(/^event: message_start\ndata: /);
  });

  it('calls the first tool on the first turn and answers text after the tool_result', async () => {
    const first = await messages(sim, ask('What is the weather?', { tools: [tool('get_weather')] }));
    expect(first.json.stop_reason).toBe('tool_use');
    const call1 = first.json.content.find((b: any) => b.type === 'tool_use');
    expect(call1).toMatchObject({ name: 'get_weather', input: { city: expect.any(String), days: 1 } });
    expect(call1.id).toMatch(/^toolu_[a-zA-Z0-9_-]+$/);
    const second = await messages(sim, {
      ...ask('What is the weather?', { tools: [tool('get_weather')] }),
      messages: [
        user('What is the weather?'),
        assistant(first.json.content),
        user([{ type: 'tool_result', tool_use_id: call1.id, content: '18°C and sunny' }]),
      ],
    });
    expect(second.json.stop_reason).toBe('end_turn');
    expect(second.json.content[0].text).toContain('get_weather returned: 18°C and sunny');
  });

  it('streams tool input as several input_json_delta pieces', async () => {
    const reply = await messages(
      sim,
      ask('call tool get_weather with {"city":"Paris","days":3}', {
        tools: [tool('get_weather')],
        stream: true,
      }),
    );
    const events = sseEvents(reply.text);
    const pieces = events.filter((e) => e.delta?.type === 'input_json_delta');
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces[0].delta.partial_json).toBe('');
    const message = assemble(events);
    expect(message.content.find((b: any) => b.type === 'tool_use').input).toEqual({ city: 'Paris', days: 3 });
    expect(message.stop_reason).toBe('tool_use');
  });

  it('makes parallel calls when asked, and one when parallel use is disabled', async () => {
    const tools = [tool('get_weather'), tool('get_time')];
    const both = await messages(sim, ask('call tool get_weather and call tool get_time', { tools }));
    expect(both.json.content.filter((b: any) => b.type === 'tool_use').map((b: any) => b.name)).toEqual([
      'get_weather',
      'get_time',
    ]);
    const all = await messages(sim, ask('Do these in parallel', { tools }));
    expect(all.json.content.filter((b: any) => b.type === 'tool_use')).toHaveLength(2);
    const one = await messages(
      sim,
      ask('call all tools', { tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true } }),
    );
    expect(one.json.content.filter((b: any) => b.type === 'tool_use')).toHaveLength(1);
  });

  it('follows tool_choice: tool forces that tool, none answers text', async () => {
    const tools = [tool('get_weather'), tool('get_time')];
    const forced = await messages(sim, ask('Hi', { tools, tool_choice: { type: 'tool', name: 'get_time' } }));
    expect(forced.json.content.map((b: any) => b.name)).toEqual(['get_time']);
    const none = await messages(sim, ask('Hi', { tools, tool_choice: { type: 'none' } }));
    expect(none.json.content[0].type).toBe('text');
    expect(none.json.stop_reason).toBe('end_turn');
  });

  it('thinks first: summarized text or a signature only, per display', async () => {
    const summarized = await messages(sim, {
      ...ask('Think'),
      model: 'claude-opus-4-6',
      thinking: { type: 'adaptive' },
    });
    expect(summarized.json.content[0].type).toBe('thinking');
    expect(summarized.json.content[0].thinking.length).toBeGreaterThan(0);
    const omitted = await messages(sim, {
      ...ask('Think'),
      model: 'claude-opus-4-6',
      thinking: { type: 'adaptive', display: 'omitted' },
    });
    expect(omitted.json.content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    expect(omitted.json.content[0].signature.length).toBeGreaterThan(20);
    const byDefault = await messages(sim, { ...ask('Think'), model: 'claude-opus-5-5' });
    expect(byDefault.json.content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    const off = await messages(sim, { ...ask('Think'), model: 'claude-opus-4-7' });
    expect(off.json.content[0].type).toBe('text');
    const streamed = sseEvents(
      (
        await messages(sim, {
          ...ask('Think'),
          model: 'claude-opus-4-6',
          thinking: { type: 'adaptive' },
          stream: true,
        })
      ).text,
    );
    expect(streamed.some((e) => e.delta?.type === 'thinking_delta')).toBe(true);
    expect(streamed.some((e) => e.delta?.type === 'signature_delta')).toBe(true);
  });

  it('answers JSON that satisfies an output_config.format schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer', minimum: 18 },
        role: { type: 'string', enum: ['admin', 'user'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'age', 'role', 'tags'],
      additionalProperties: false,
    };
    const reply = await messages(sim, {
      ...ask('Make a user'),
      model: 'claude-opus-4-7',
      output_config: { format: { type: 'json_schema', schema } },
    });
    const value = JSON.parse(reply.json.content[0].text);
    expect(value).toEqual({ name: expect.any(String), age: 18, role: 'admin', tags: [expect.any(String)] });
  });

  it('stops at max_tokens, at a stop sequence, with refusal and with pause_turn', async () => {
    const long = await messages(sim, ask('[sim:long] tell me everything', { max_tokens: 10 }));
    expect(long.json.stop_reason).toBe('max_tokens');
    expect(long.json.usage.output_tokens).toBe(10);
    const stopped = await messages(
      sim,
      ask('Please say "alpha beta STOP gamma"', { stop_sequences: ['STOP'] }),
    );
    expect(stopped.json).toMatchObject({
      stop_reason: 'stop_sequence',
      stop_sequence: 'STOP',
      content: [{ type: 'text', text: 'alpha beta ' }],
    });
    const refused = await messages(sim, ask('[sim:refuse]'));
    expect(refused.json.stop_reason).toBe('refusal');
    const paused = await messages(sim, ask('[sim:pause]'));
    expect(paused.json.stop_reason).toBe('pause_turn');
    const streamedLong = sseEvents(
      (await messages(sim, ask('[sim:long]', { max_tokens: 10, stream: true }))).text,
    );
    expect(streamedLong.find((e) => e.type === 'message_delta').delta.stop_reason).toBe('max_tokens');
  });

  it('reads a repeated prefix over the model minimum from the prompt cache', async () => {
    const system = [
      {
        type: 'text',
        text: 'You are a careful assistant. '.repeat(200),
        cache_control: { type: 'ephemeral' },
      },
    ];
    const body = { ...ask('First question'), system };
    const first = await messages(sim, body);
    expect(first.json.usage.cache_creation_input_tokens).toBeGreaterThanOrEqual(1024);
    expect(first.json.usage.cache_read_input_tokens).toBe(0);
    const second = await messages(sim, { ...body, messages: [user('Another question')] });
    expect(second.json.usage.cache_read_input_tokens).toBe(first.json.usage.cache_creation_input_tokens);
    expect(second.json.usage.cache_creation_input_tokens).toBe(0);
    // Below the model's minimum nothing is cached.
    const small = {
      ...ask('Q'),
      system: [{ type: 'text', text: 'Short.', cache_control: { type: 'ephemeral' } }],
    };
    await messages(sim, small);
    const again = await messages(sim, small);
    expect(again.json.usage.cache_read_input_tokens).toBe(0);
    expect(again.json.usage.cache_creation_input_tokens).toBe(0);
  });

  it('automatic caching (top-level cache_control) caches the conversation so far', async () => {
    const history = [user('x '.repeat(3000)), assistant('ok'), user('next')];
    const body = { ...ask(''), messages: history, cache_control: { type: 'ephemeral' } };
    const first = await messages(sim, body);
    expect(first.json.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    const second = await messages(sim, {
      ...body,
      messages: [...history, assistant('sure'), user('and then?')],
    });
    expect(second.json.usage.cache_read_input_tokens).toBe(first.json.usage.cache_creation_input_tokens);
  });
});

describe('usage', () => {
  it('counts an image by what the model sees, not by the size of its base64', async () => {
    const image = {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(4_000_000) },
    };
    const reply = await messages(sim, {
      ...ask(''),
      messages: [user([image, { type: 'text', text: 'What is it?' }])],
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.usage.input_tokens).toBeGreaterThan(1_600);
    expect(reply.json.usage.input_tokens).toBeLessThan(1_700);
  });
});

describe('hooks for harnesses', () => {
  it('answers from a respond hook when nothing is queued, and serves extra routes', async () => {
    const hooked = await startSimulator({
      respond: ({ body }) =>
        body.includes('fixed') ? { kind: 'reply', message: '{"type":"message","fixed":true}' } : undefined,
      extraRoutes: { '/__control': (res) => res.end('ok') },
    });
    try {
      expect((await messages(hooked, ask('fixed please'))).json).toEqual({ type: 'message', fixed: true });
      expect((await messages(hooked, ask('free'))).json.content[0].text).toBe('Simulated answer to: "free"');
      expect((await messages(hooked, { ...ask('fixed'), model: 'claude-nope' })).status).toBe(404);
      expect(await (await fetch(`${hooked.url}/__control`)).text()).toBe('ok');
    } finally {
      await hooked.close();
    }
  });
});

describe('models', () => {
  it('lists every model of the rules table with limits and capabilities, paginated', async () => {
    const all = await call(sim, '/v1/models?limit=1000');
    expect(all.json.data.map((m: any) => m.id)).toEqual(MODEL_RULES.map((r) => r.id));
    expect(all.json.has_more).toBe(false);
    const first = await call(sim, '/v1/models?limit=2');
    expect(first.json.data).toHaveLength(2);
    expect(first.json.has_more).toBe(true);
    expect(first.json.first_id).toBe(MODEL_RULES[0]!.id);
    expect(first.json.last_id).toBe(MODEL_RULES[1]!.id);
    const next = await call(sim, `/v1/models?limit=2&after_id=${first.json.last_id}`);
    expect(next.json.first_id).toBe(MODEL_RULES[2]!.id);
    const back = await call(sim, `/v1/models?limit=2&before_id=${next.json.first_id}`);
    expect(back.json.data.map((m: any) => m.id)).toEqual(first.json.data.map((m: any) => m.id));
    expect(back.json.has_more).toBe(false);
    const tooMany = await call(sim, '/v1/models?limit=1001');
    expect(tooMany.status).toBe(400);
  });

  it('describes one model, also by its dated id; an unknown one is 404', async () => {
    const model = await call(sim, '/v1/models/claude-sonnet-4-5-20250929');
    expect(model.json).toMatchObject({
      type: 'model',
      id: 'claude-sonnet-4-5',
      max_input_tokens: 200_000,
      max_tokens: 64_000,
    });
    expect(model.json.capabilities.thinking.types).toEqual(['enabled', 'disabled']);
    expect(model.json.capabilities.effort.supported).toBe(false);
    const opus = await call(sim, '/v1/models/claude-opus-4-6');
    expect(opus.json.capabilities.effort.levels).toEqual(['low', 'medium', 'high', 'max']);
    const missing = await call(sim, '/v1/models/claude-3-opus-20240229');
    expect(missing.status).toBe(404);
    expect(missing.json.error.type).toBe('not_found_error');
  });
});

describe('scripted faults', () => {
  it('answers 529 and 429 with retry-after, then normally', async () => {
    sim.script({ kind: 'error', status: 529 });
    sim.script({ kind: 'error', status: 429, retryAfter: 7 });
    const overloaded = await messages(sim, ask('hi'));
    expect(overloaded.status).toBe(529);
    expect(overloaded.json.error.type).toBe('overloaded_error');
    const limited = await messages(sim, ask('hi'));
    expect(limited.status).toBe(429);
    expect(limited.json.error.type).toBe('rate_limit_error');
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await messages(sim, ask('hi'))).status).toBe(200);
    expect(sim.pending).toBe(0);
  });

  it('a spend-limit 429 carries its error code and no retry-after', async () => {
    sim.script({ kind: 'error', status: 429, details: { error_code: 'enforced_spend_limit_reached' } });
    const reply = await messages(sim, ask('hi'));
    expect(reply.json.error.details).toEqual({ error_code: 'enforced_spend_limit_reached' });
    expect(reply.headers.get('retry-after')).toBeNull();
  });

  it('sends an overloaded_error event first or mid-stream', async () => {
    sim.script({ kind: 'stream-error', afterEvents: 0 });
    const first = sseEvents((await messages(sim, ask('hi', { stream: true }))).text);
    expect(first).toEqual([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
    sim.script({ kind: 'stream-error', afterEvents: 4 });
    const mid = sseEvents((await messages(sim, ask('hi', { stream: true }))).text);
    expect(mid).toHaveLength(5);
    expect(mid[4].type).toBe('error');
  });

  it('truncates a stream, resets a connection, and stalls', async () => {
    sim.script({ kind: 'truncate', afterEvents: 3 });
    expect(sseEvents((await messages(sim, ask('hi', { stream: true }))).text)).toHaveLength(3);
    sim.script({ kind: 'reset', afterEvents: -1 });
    await expect(messages(sim, ask('hi'))).rejects.toThrow();
    sim.script({ kind: 'stall', afterEvents: 2, ms: 300 });
    const started = performance.now();
    const stalled = await messages(sim, ask('hi', { stream: true }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(sseEvents(stalled.text).at(-1).type).toBe('message_stop');
  });

  it('a scripted reply is sent only after the request passed validation', async () => {
    sim.script(
      { kind: 'reply', message: { type: 'message', content: [{ type: 'text', text: 'scripted' }] } },
      { times: 2 },
    );
    const refused = await messages(sim, { ...ask('hi'), temperature: 0.5, model: 'claude-opus-4-7' });
    expect(refused.status).toBe(400);
    const replied = await messages(sim, ask('hi'));
    expect(replied.json.content[0].text).toBe('scripted');
  });

  it('takes a fault from the x-simulator-fault header', async () => {
    const reply = await messages(sim, ask('hi'), {
      'x-simulator-fault': JSON.stringify({ kind: 'error', status: 529 }),
    });
    expect(reply.status).toBe(529);
  });

  it('records requests, bounded', async () => {
    await messages(sim, ask('recorded'));
    expect(sim.requests).toHaveLength(1);
    expect((sim.requests[0]!.json as any).messages[0].content).toBe('recorded');
  });
});
