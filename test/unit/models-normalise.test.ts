import { describe, expect, it } from 'vitest';
import { toAnthropicRequest } from '../../src/adapter/index.js';
import {
  builtInRegistry,
  MODEL_TABLE,
  normalise,
  restoreThinking,
  sanitiseSchema,
  type Adjustment,
} from '../../src/models/index.js';
import type { AnthropicMessagesRequest } from '../../src/wire/index.js';

const user = (content: string) => ({ role: 'user', content });
const ask = (model: string, extra: Record<string, unknown> = {}, options: Record<string, unknown> = {}) =>
  toAnthropicRequest({ model, messages: [user('why?')], ...extra }, options);
const changed = (adjustments: readonly Adjustment[], field: string) =>
  adjustments.filter((a) => a.field === field).map((a) => a.change);

const weather = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const clock = { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } };
const ALL_MODELS = MODEL_TABLE.map((row) => row.ids[0]!);

/** The rules of the model notes, checked on what the normaliser produced for `model`. */
function expectAcceptable(model: string, request: AnthropicMessagesRequest): void {
  const caps = builtInRegistry.lookup(model);
  const thinkingOn =
    request.thinking !== undefined
      ? request.thinking.type === 'enabled' || request.thinking.type === 'adaptive'
      : caps.thinking.onByDefault;
  if (caps.sampling === 'none' || thinkingOn) {
    expect(request.temperature, `${model} temperature`).toBeUndefined();
    expect(request.top_p, `${model} top_p`).toBeUndefined();
  }
  if (caps.sampling === 'one')
    expect(request.temperature !== undefined && request.top_p !== undefined).toBe(false);
  const type = request.thinking?.type;
  if (type === 'enabled') {
    expect(caps.thinking.enabled, `${model} takes budgets`).toBe(true);
    if (request.thinking?.type === 'enabled') {
      expect(request.thinking.budget_tokens).toBeGreaterThanOrEqual(1024);
      expect(request.thinking.budget_tokens).toBeLessThan(request.max_tokens);
    }
  }
  if (type === 'adaptive') expect(caps.thinking.adaptive, `${model} thinks adaptively`).toBe(true);
  if (type === 'disabled') expect(caps.thinking.disabled, `${model} can be disabled`).toBe(true);
  if (type === 'between_tools') expect(caps.thinking.betweenTools).toBe(true);
  const effort = request.output_config?.effort;
  if (effort !== undefined) expect(caps.effortLevels, `${model} effort`).toContain(effort);
  const forced = request.tool_choice?.type === 'any' || request.tool_choice?.type === 'tool';
  if (forced) {
    expect(caps.forcedToolChoice, `${model} forced tools`).not.toBe('never');
    expect(thinkingOn, `${model} forced tool with thinking on`).toBe(false);
  }
  expect(request.max_tokens).toBeLessThanOrEqual(caps.maxOutputTokens);
}

describe('the normaliser on every model of the table', () => {
  const bodies: Record<string, unknown>[] = [
    { temperature: 0.3 },
    { temperature: 0.3, top_p: 0.9 },
    ...['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'].flatMap((effort) => [
      { reasoning_effort: effort, temperature: 0.5 },
      { reasoning_effort: effort, max_completion_tokens: 500 },
    ]),
    { tools: [weather, clock], tool_choice: 'required' },
    { tools: [weather, clock], tool_choice: { type: 'function', function: { name: 'get_weather' } } },
    { tools: [weather], tool_choice: 'required', reasoning_effort: 'high' },
    { response_format: { type: 'json_object' } },
    {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'w', schema: { type: 'object', properties: { a: { type: 'string' } } } },
      },
    },
    { thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096 },
    { thinking: { type: 'adaptive' } },
    { thinking: { type: 'disabled' } },
  ];
  for (const model of ALL_MODELS) {
    it(`${model}: every everyday request becomes one the model accepts`, () => {
      for (const body of bodies) expectAcceptable(model, ask(model, body).request);
    });
  }
});

describe('sampling parameters', () => {
  it('keeps temperature where allowed and drops top_p when both are not allowed', () => {
    const t = ask('claude-sonnet-4-5', { temperature: 0.2, top_p: 0.9 });
    expect(t.request.temperature).toBe(0.2);
    expect(t.request.top_p).toBeUndefined();
    expect(changed(t.adjustments, 'top_p')).toEqual(['dropped']);
    expect(ask('claude-sonnet-4-6', { top_p: 0.9 }).request.top_p).toBe(0.9);
  });

  it('drops every sampling parameter on models that refuse them, and says so', () => {
    for (const model of ['claude-opus-4-7', 'claude-opus-5', 'claude-sonnet-5-5', 'claude-fable-5-1']) {
      const t = ask(model, { temperature: 0.2, top_p: 0.9 });
      expect(t.request).not.toHaveProperty('temperature');
      expect(t.request).not.toHaveProperty('top_p');
      expect(changed(t.adjustments, 'temperature')).toEqual(['dropped']);
    }
  });

  it('drops them for every model with anthropic-version 2026-10-21', () => {
    const t = ask('claude-sonnet-4-5', { temperature: 0.2 }, { anthropicVersion: '2026-10-21' });
    expect(t.request).not.toHaveProperty('temperature');
  });
});

describe('reasoning_effort', () => {
  it('becomes adaptive thinking with the nearest effort on adaptive models', () => {
    const t = ask('claude-opus-4-6', { reasoning_effort: 'xhigh' });
    expect(t.request.thinking).toEqual({ type: 'adaptive' });
    expect(t.request.output_config).toEqual({ effort: 'high' });
    expect(changed(t.adjustments, 'output_config.effort')).toEqual(['high']);
    expect(ask('claude-opus-4-6', { reasoning_effort: 'max' }).request.output_config).toEqual({
      effort: 'max',
    });
    expect(ask('claude-opus-4-7', { reasoning_effort: 'xhigh' }).request.output_config).toEqual({
      effort: 'xhigh',
    });
    expect(ask('claude-sonnet-5-5', { reasoning_effort: 'minimal' }).request.output_config).toEqual({
      effort: 'low',
    });
  });

  it('asks for summarized thinking where the model would omit it', () => {
    expect(ask('claude-opus-4-7', { reasoning_effort: 'low' }).request.thinking).toEqual({
      type: 'adaptive',
      display: 'summarized',
    });
    // A model that thinks by default gets the display without being asked to think.
    expect(ask('claude-opus-5').request.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    // translation.thinking_display = omitted leaves the model's default.
    expect(ask('claude-opus-5', {}, { thinkingDisplay: 'omitted' }).request).not.toHaveProperty('thinking');
    expect(ask('claude-opus-4-6', { reasoning_effort: 'low' }).request.thinking).toEqual({
      type: 'adaptive',
    });
  });

  it('uses the budget ladder on budget models', () => {
    const budget = (effort: string) => {
      const thinking = ask('claude-sonnet-4-5', { reasoning_effort: effort, max_completion_tokens: 60000 })
        .request.thinking;
      return thinking?.type === 'enabled' ? thinking.budget_tokens : null;
    };
    expect(['minimal', 'low', 'medium', 'high', 'xhigh', 'max'].map(budget)).toEqual([
      1024, 4096, 8192, 16384, 24576, 32768,
    ]);
  });

  it('skips thinking instead of refusing when the token cap leaves no room (title generation)', () => {
    const t = ask('claude-haiku-4-5', { reasoning_effort: 'high', max_completion_tokens: 60 });
    expect(t.request).not.toHaveProperty('thinking');
    expect(t.request.max_tokens).toBe(60);
    expect(changed(t.adjustments, 'thinking')).toEqual(['skipped']);
  });

  it('turns thinking off for "none" the way each model allows', () => {
    expect(ask('claude-haiku-5-5', { reasoning_effort: 'none' }).request.thinking).toEqual({
      type: 'disabled',
    });
    // Opus 5 can be off only at effort ≤ high and its default is undocumented: high is sent with it.
    const opus5 = ask('claude-opus-5', { reasoning_effort: 'none' }).request;
    expect(opus5.thinking).toEqual({ type: 'disabled' });
    expect(opus5.output_config).toEqual({ effort: 'high' });
    expect(ask('claude-sonnet-5-5', { reasoning_effort: 'none' }).request.thinking).toEqual({
      type: 'between_tools',
    });
    // Models that always think: the lightest thinking, never a refused "disabled".
    const fable = ask('claude-fable-5-1', { reasoning_effort: 'none' });
    expect(fable.request.thinking?.type).not.toBe('disabled');
    expect(fable.request.output_config).toEqual({ effort: 'low' });
    expect(changed(fable.adjustments, 'thinking')).toEqual(['kept']);
    // Off by default: nothing to send.
    expect(ask('claude-opus-4-7', { reasoning_effort: 'none' }).request).not.toHaveProperty('thinking');
  });

  it('maps a passed-through thinking type the model refuses to one it takes', () => {
    expect(
      ask('claude-opus-4-7', { thinking: { type: 'enabled', budget_tokens: 9000 } }).request,
    ).toMatchObject({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
    });
    expect(ask('claude-fable-5-1', { thinking: { type: 'disabled' } }).request.thinking?.type).not.toBe(
      'disabled',
    );
  });
});

describe('forced tool_choice', () => {
  it('stays forced where the model allows it', () => {
    expect(
      ask('claude-sonnet-4-5', { tools: [weather], tool_choice: 'required' }).request.tool_choice,
    ).toEqual({
      type: 'any',
    });
  });

  it('turns default thinking off rather than lose the forced choice, when the client did not ask to think', () => {
    const t = ask('claude-haiku-5-5', { tools: [weather], tool_choice: 'required' });
    expect(t.request.tool_choice).toEqual({ type: 'any' });
    expect(t.request.thinking).toEqual({ type: 'disabled' });
  });

  it('becomes auto plus an instruction (lossy) where forcing is refused', () => {
    const named = ask('claude-fable-5-1', {
      tools: [weather, clock],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    expect(named.request.tool_choice).toEqual({ type: 'auto' });
    expect(named.request.tools?.map((t) => t.name)).toEqual(['get_time']);
    expect(named.request.system?.at(-1)?.text).toContain('get_time');
    expect(changed(named.adjustments, 'tool_choice')).toEqual(['auto']);
    const withThinking = ask('claude-opus-4-6', {
      tools: [weather],
      tool_choice: 'required',
      reasoning_effort: 'high',
      parallel_tool_calls: false,
    });
    expect(withThinking.request.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });
});

describe('structured outputs', () => {
  const clientSchema = {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 2, maxLength: 40 },
      tags: { type: 'array', items: { type: 'object', properties: { v: { type: 'integer', minimum: 0 } } } },
    },
    required: ['name'],
  };

  it('sends json_schema natively, sanitised, on every model (thinking on or not)', () => {
    for (const model of ALL_MODELS) {
      const t = ask(model, {
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: clientSchema } },
      });
      expect(t.jsonTool).toBeNull();
      expect(t.request.output_config?.format?.type).toBe('json_schema');
    }
  });

  it('adds additionalProperties false to every object and moves refused keywords into descriptions', () => {
    const { schema, removed, recursive } = sanitiseSchema(clientSchema);
    expect(recursive).toBe(false);
    expect(removed).toEqual(['maxLength', 'minLength', 'minimum']);
    expect(schema).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', description: '(minLength: 2, maxLength: 40)' },
        tags: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { v: { type: 'integer', description: '(minimum: 0)' } },
          },
        },
      },
    });
  });

  it('detects a recursive schema and answers through a forced tool or an instruction instead', () => {
    const tree = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      $defs: {
        node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
    };
    expect(sanitiseSchema(tree).recursive).toBe(true);
    const allowed = ask('claude-sonnet-4-5', {
      response_format: { type: 'json_schema', json_schema: { name: 't', schema: tree } },
    });
    expect(allowed.jsonTool).toBe('json_response');
    const refused = ask('claude-opus-5-5', {
      response_format: { type: 'json_schema', json_schema: { name: 't', schema: tree } },
    });
    expect(refused.jsonTool).toBeNull();
    expect(refused.request).not.toHaveProperty('tool_choice');
    expect(refused.request.system?.at(-1)?.text).toContain('JSON schema');
  });

  it('answers json_object with a forced tool where allowed, else an instruction', () => {
    expect(ask('claude-sonnet-4-6', { response_format: { type: 'json_object' } }).jsonTool).toBe(
      'json_response',
    );
    const fable = ask('claude-fable-5-1', { response_format: { type: 'json_object' } });
    expect(fable.jsonTool).toBeNull();
    expect(fable.request.system?.at(-1)?.text).toContain('JSON object');
  });
});

describe('history without signed thinking', () => {
  const loop = (model: string, extra: Record<string, unknown> = {}) =>
    toAnthropicRequest({
      model,
      tools: [weather],
      messages: [
        user('Weather in Paris?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
      ],
      ...extra,
    });

  it('turns default thinking off when the client did not ask for it and the model allows that', () => {
    const t = loop('claude-haiku-5-5');
    expect(t.request.thinking).toEqual({ type: 'disabled' });
    expect(t.request.messages[1]?.content[0]?.type).toBe('tool_use');
  });

  it('replays the tool turn as text when thinking must stay on', () => {
    for (const t of [loop('claude-fable-5-1'), loop('claude-opus-4-7', { reasoning_effort: 'high' })]) {
      expect(t.request.messages[1]?.content).toEqual([
        { type: 'text', text: '[called tool get_weather (call toolu_1) with {"city":"Paris"}]' },
      ]);
      expect(t.request.messages[2]?.content).toEqual([
        { type: 'text', text: '[result of tool call toolu_1: 18C]' },
      ]);
      expect(changed(t.adjustments, 'messages')).toEqual(['1 tool turn(s) as text']);
    }
  });

  it('leaves the tool turn alone when its signed thinking is there', () => {
    const t = toAnthropicRequest({
      model: 'claude-fable-5-1',
      tools: [weather],
      messages: [
        user('Weather in Paris?'),
        {
          role: 'assistant',
          content: null,
          reasoning_details: [{ type: 'reasoning.text', text: 'hmm', signature: 'sig' }],
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
      ],
    });
    expect(t.request.messages[1]?.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
  });

  it('restores cached blocks of the same model only, and drops blocks another model signed', () => {
    const messages: AnthropicMessagesRequest['messages'] = [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'x', signature: 'other' },
          { type: 'tool_use', id: 't2', name: 'f', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2' }] },
    ];
    const block = { type: 'thinking' as const, thinking: 'mine', signature: 'sig' };
    const result = restoreThinking(
      messages,
      new Map([
        [1, { model: 'claude-opus-5', blocks: [block] }],
        [3, { model: 'claude-opus-4-7', blocks: [block] }],
      ]),
      'claude-opus-5',
    );
    expect(result).toEqual({ restored: 1, droppedForeign: 1 });
    expect(messages[1]?.content[0]).toEqual(block);
    expect(messages[3]?.content.map((b) => b.type)).toEqual(['tool_use']);
  });
});

describe('a final assistant turn (prefill)', () => {
  const prefilled = (model: string) =>
    toAnthropicRequest({
      model,
      messages: [user('Write a haiku'), { role: 'assistant', content: 'Autumn moon' }],
    });

  it('is kept where the model takes prefill', () => {
    expect(prefilled('claude-sonnet-4-5').request.messages.at(-1)?.role).toBe('assistant');
  });

  it('gets a user turn after it where the model refuses prefill (lossy)', () => {
    const t = prefilled('claude-opus-4-7');
    expect(t.request.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'text', text: 'Continue from where your last message ends.' }],
    });
    expect(changed(t.adjustments, 'messages')).toEqual(['user turn added']);
  });
});

describe('model names', () => {
  it('resolves aliases, long-context suffixes and dated ids through the table only', () => {
    expect(builtInRegistry.lookup('opus').id).toBe('claude-opus-5-5');
    expect(builtInRegistry.lookup('haiku').id).toBe('claude-haiku-5-5');
    expect(builtInRegistry.lookup('claude-opus-4-6[1m]').id).toBe('claude-opus-4-6');
    expect(builtInRegistry.lookup('claude-haiku-4-5-20251001').thinking.enabled).toBe(true);
    const t = ask('sonnet', { temperature: 0.2 });
    expect(t.request.model).toBe('claude-sonnet-5-5');
    expect(t.model).toBe('sonnet');
    expect(changed(t.adjustments, 'model')).toEqual(['claude-sonnet-5-5']);
  });

  it('gives an unknown model the conservative defaults', () => {
    const caps = builtInRegistry.lookup('claude-something-9');
    expect(caps.known).toBe(false);
    expect(caps.sampling).toBe('none');
    const t = ask('claude-something-9', { temperature: 0.5, reasoning_effort: 'high' });
    expect(t.request).not.toHaveProperty('temperature');
    expect(t.request.thinking?.type).toBe('adaptive');
  });

  it('is pure: the same draft always gives the same request', () => {
    const draft = {
      model: 'claude-opus-5',
      messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'x' }] }],
    };
    const caps = builtInRegistry.lookup('claude-opus-5');
    expect(normalise(draft, {}, caps)).toEqual(normalise(draft, {}, caps));
  });
});
