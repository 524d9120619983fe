/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- wire JSON is read loosely in these tests */
/**
 * Each rule the simulator enforces, proved twice: a request that breaks it gets the real API's status, error
 * type and wording; the closest request that keeps it is answered 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_RULES, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { assistant, call, messages, sseEvents, user } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

const hi = [user('Hello there')];
const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};
const strictSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['name', 'tags'],
  additionalProperties: false,
};

interface Case {
  readonly rule: string;
  readonly bad: Record<string, unknown>;
  readonly good: Record<string, unknown>;
  readonly status?: number;
  readonly type?: string;
  readonly message: string | RegExp;
  readonly headers?: Record<string, string>;
  readonly goodHeaders?: Record<string, string>;
}

const base = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 1024,
  messages: hi,
  ...extra,
});

const cases: Case[] = [
  {
    rule: 'model is required',
    bad: { max_tokens: 10, messages: hi },
    good: base('claude-sonnet-4-5'),
    message: 'model: Field required',
  },
  {
    rule: 'an unknown or retired model is 404',
    bad: base('claude-3-5-sonnet-20241022'),
    good: base('claude-sonnet-4-5-20250929'),
    status: 404,
    type: 'not_found_error',
    message: 'model: claude-3-5-sonnet-20241022',
  },
  {
    rule: 'unknown top-level fields are refused',
    bad: base('claude-sonnet-4-5', { reasoning_effort: 'high' }),
    good: base('claude-sonnet-4-5', { metadata: { user_id: 'u1' } }),
    message: 'reasoning_effort: Extra inputs are not permitted',
  },
  {
    rule: 'max_tokens is required',
    bad: { model: 'claude-opus-4-7', messages: hi },
    good: base('claude-opus-4-7'),
    message: 'max_tokens: Field required',
  },
  {
    rule: 'max_tokens is at least 1',
    bad: base('claude-opus-4-7', { max_tokens: 0 }),
    good: base('claude-opus-4-7', { max_tokens: 1 }),
    message: 'max_tokens: Input should be greater than or equal to 1',
  },
  {
    rule: "max_tokens is at most the model's max output",
    bad: base('claude-sonnet-4-6', { max_tokens: 64_001 }),
    good: base('claude-sonnet-4-6', { max_tokens: 64_000 }),
    message:
      'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-6',
  },
  {
    rule: 'budget_tokens is at least 1024',
    bad: base('claude-sonnet-4-5', { thinking: { type: 'enabled', budget_tokens: 1000 } }),
    good: base('claude-sonnet-4-5', { max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } }),
    message: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
  },
  {
    rule: 'budget_tokens is below max_tokens',
    bad: base('claude-sonnet-4-5', { max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } }),
    good: base('claude-sonnet-4-5', { max_tokens: 2001, thinking: { type: 'enabled', budget_tokens: 2000 } }),
    message: /^`max_tokens` must be greater than `thinking.budget_tokens`/,
  },
  {
    rule: 'budget thinking is refused by adaptive-only models',
    bad: base('claude-opus-4-7', { thinking: { type: 'enabled', budget_tokens: 1024 } }),
    good: base('claude-opus-4-7', { thinking: { type: 'adaptive' } }),
    message: /^thinking.type.enabled is not supported for this model/,
  },
  {
    rule: 'adaptive thinking is refused by budget-only models',
    bad: base('claude-haiku-4-5', { thinking: { type: 'adaptive' } }),
    good: base('claude-haiku-4-5', { max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }),
    message: /^thinking.type.adaptive is not supported for this model/,
  },
  {
    rule: 'always-thinking models refuse thinking disabled',
    bad: base('claude-opus-5-5', { thinking: { type: 'disabled' } }),
    good: base('claude-opus-5-5', { thinking: { type: 'adaptive' } }),
    message: /^thinking.type.disabled is not supported for this model/,
  },
  {
    rule: 'some models disable thinking only at effort high or lower',
    bad: base('claude-opus-5', { thinking: { type: 'disabled' }, output_config: { effort: 'max' } }),
    good: base('claude-opus-5', { thinking: { type: 'disabled' }, output_config: { effort: 'high' } }),
    message: /^thinking cannot be disabled at effort 'max'/,
  },
  {
    rule: 'between_tools only on the models that offer it, at effort high or lower',
    bad: base('claude-sonnet-5-5', { thinking: { type: 'between_tools' }, output_config: { effort: 'max' } }),
    good: base('claude-sonnet-5-5', {
      thinking: { type: 'between_tools' },
      output_config: { effort: 'high' },
    }),
    message: "thinking.type.between_tools is not supported at effort 'max'; use effort 'high' or lower.",
  },
  {
    rule: 'between_tools is an unknown type elsewhere',
    bad: base('claude-opus-5-5', { thinking: { type: 'between_tools' } }),
    good: base('claude-sonnet-5-5', { thinking: { type: 'between_tools' } }),
    message: /^thinking: Input tag 'between_tools' found using 'type'/,
  },
  {
    rule: 'Opus 4.7 refuses thinking disabled (uncertain upstream: the stricter reading)',
    bad: base('claude-opus-4-7', { thinking: { type: 'disabled' } }),
    good: base('claude-opus-4-7'),
    message: /^thinking.type.disabled is not supported for this model. Leave `thinking` out/,
  },
  {
    rule: 'an unknown thinking type is refused',
    bad: base('claude-opus-4-6', { thinking: { type: 'on' } }),
    good: base('claude-opus-4-6', { thinking: { type: 'adaptive' } }),
    message: /^thinking: Input tag 'on' found using 'type'/,
  },
  {
    rule: 'thinking display is summarized or omitted',
    bad: base('claude-opus-4-7', { thinking: { type: 'adaptive', display: 'full' } }),
    good: base('claude-opus-4-7', { thinking: { type: 'adaptive', display: 'summarized' } }),
    message: "thinking.adaptive.display: Input should be 'summarized' or 'omitted'",
  },
  {
    rule: 'effort is one of low, medium, high, xhigh, max',
    bad: base('claude-opus-4-7', { output_config: { effort: 'minimal' } }),
    good: base('claude-opus-4-7', { output_config: { effort: 'low' } }),
    message: "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'",
  },
  {
    rule: '4.6 models have no xhigh effort',
    bad: base('claude-opus-4-6', { output_config: { effort: 'xhigh' } }),
    good: base('claude-opus-4-6', { output_config: { effort: 'max' } }),
    message: /^output_config.effort: 'xhigh' is not supported for this model/,
  },
  {
    rule: '4.5 models take no effort at all',
    bad: base('claude-sonnet-4-5', { output_config: { effort: 'high' } }),
    good: base('claude-sonnet-4-5', { output_config: {} }),
    message: 'output_config.effort: effort is not supported for this model.',
  },
  {
    rule: '4.7+ models refuse temperature',
    bad: base('claude-opus-4-7', { temperature: 0.7 }),
    good: base('claude-opus-4-7'),
    message: '`temperature` is deprecated for this model.',
  },
  {
    rule: '4.7+ models refuse top_p',
    bad: base('claude-fable-5-1', { top_p: 0.9 }),
    good: base('claude-fable-5-1'),
    message: '`top_p` is deprecated for this model.',
  },
  {
    rule: '4.7+ models refuse top_k',
    bad: base('claude-haiku-5-5', { top_k: 5 }),
    good: base('claude-haiku-5-5'),
    message: '`top_k` is deprecated for this model.',
  },
  {
    rule: 'older models refuse temperature and top_p together',
    bad: base('claude-sonnet-4-6', { temperature: 0.5, top_p: 0.9 }),
    good: base('claude-sonnet-4-6', { temperature: 0.5 }),
    message: '`temperature` and `top_p` cannot both be specified for this model. Please use only one.',
  },
  {
    rule: 'temperature is at most 1',
    bad: base('claude-sonnet-4-5', { temperature: 1.5 }),
    good: base('claude-sonnet-4-5', { temperature: 1 }),
    message: 'temperature: Input should be less than or equal to 1',
  },
  {
    rule: 'thinking allows temperature only at 1',
    bad: base('claude-sonnet-4-5', {
      max_tokens: 4096,
      temperature: 0.2,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    }),
    good: base('claude-sonnet-4-5', {
      max_tokens: 4096,
      temperature: 1,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    }),
    message: /^`temperature` may only be set to 1 when thinking is enabled/,
  },
  {
    rule: 'thinking refuses top_k',
    bad: base('claude-opus-4-6', { top_k: 10, thinking: { type: 'adaptive' } }),
    good: base('claude-opus-4-6', { top_k: 10 }),
    message: /^`top_k` must be unset when thinking is enabled/,
  },
  {
    rule: 'anthropic-version 2026-10-21 refuses sampling parameters on every model',
    bad: base('claude-sonnet-4-5', { temperature: 1 }),
    good: base('claude-sonnet-4-5'),
    headers: { 'anthropic-version': '2026-10-21' },
    goodHeaders: { 'anthropic-version': '2026-10-21' },
    message: '`temperature` is not supported in anthropic-version 2026-10-21.',
  },
  {
    rule: 'anthropic-version 2026-10-21 refuses documents in assistant turns',
    bad: base('claude-sonnet-4-5', {
      messages: [
        user('Read this'),
        assistant([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }]),
        user('Thanks'),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      messages: [
        user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }]),
        assistant('Read.'),
        user('Thanks'),
      ],
    }),
    headers: { 'anthropic-version': '2026-10-21' },
    goodHeaders: { 'anthropic-version': '2026-10-21' },
    message: /document blocks are not supported in assistant messages in anthropic-version 2026-10-21$/,
  },
  {
    rule: 'anthropic-version 2026-10-21 refuses citations on user text',
    bad: base('claude-sonnet-4-5', { messages: [user([{ type: 'text', text: 'hi', citations: [] }])] }),
    good: base('claude-sonnet-4-5', { messages: [user([{ type: 'text', text: 'hi' }])] }),
    headers: { 'anthropic-version': '2026-10-21' },
    goodHeaders: { 'anthropic-version': '2026-10-21' },
    message: /citations on user text blocks are not supported/,
  },
  {
    rule: 'the 5.5 models refuse forced tool choice',
    bad: base('claude-sonnet-5-5', { tools: [weather], tool_choice: { type: 'any' } }),
    good: base('claude-sonnet-5-5', { tools: [weather], tool_choice: { type: 'auto' } }),
    message: /^tool_choice.type: 'any' is not supported for this model/,
  },
  {
    rule: 'forced tool choice needs thinking off',
    bad: base('claude-opus-4-7', {
      tools: [weather],
      tool_choice: { type: 'tool', name: 'get_weather' },
      thinking: { type: 'adaptive' },
    }),
    good: base('claude-opus-4-7', { tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' } }),
    message: 'Thinking may not be enabled when tool_choice forces tool use.',
  },
  {
    rule: 'forced tool choice is refused while thinking is on by default',
    bad: base('claude-haiku-5-5', { tools: [weather], tool_choice: { type: 'any' } }),
    good: base('claude-haiku-5-5', {
      tools: [weather],
      tool_choice: { type: 'any' },
      thinking: { type: 'disabled' },
    }),
    message: 'Thinking may not be enabled when tool_choice forces tool use.',
  },
  {
    rule: 'tool_choice needs tools',
    bad: base('claude-sonnet-4-5', { tool_choice: { type: 'auto' } }),
    good: base('claude-sonnet-4-5', { tools: [weather], tool_choice: { type: 'auto' } }),
    message: 'tool_choice may only be specified while providing tools.',
  },
  {
    rule: 'tool_choice names an offered tool',
    bad: base('claude-sonnet-4-5', { tools: [weather], tool_choice: { type: 'tool', name: 'get_time' } }),
    good: base('claude-sonnet-4-5', { tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' } }),
    message: "tool_choice.tool.name: Tool 'get_time' not found in tools",
  },
  {
    rule: 'tool names match the pattern',
    bad: base('claude-sonnet-4-5', { tools: [{ ...weather, name: 'get.weather' }] }),
    good: base('claude-sonnet-4-5', { tools: [{ ...weather, name: 'get_weather-2' }] }),
    message: "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
  },
  {
    rule: 'tool names are at most 128 characters',
    bad: base('claude-sonnet-4-5', { tools: [{ ...weather, name: 'x'.repeat(129) }] }),
    good: base('claude-sonnet-4-5', { tools: [{ ...weather, name: 'x'.repeat(128) }] }),
    message: /^tools.0.custom.name: String should match pattern/,
  },
  {
    rule: 'tool names are unique',
    bad: base('claude-sonnet-4-5', { tools: [weather, weather] }),
    good: base('claude-sonnet-4-5', { tools: [weather, { ...weather, name: 'get_weather_2' }] }),
    message: 'tools: Tool names must be unique.',
  },
  {
    rule: 'strict tools obey the structured-output schema rules',
    bad: base('claude-sonnet-4-5', {
      tools: [{ ...weather, strict: true, input_schema: { type: 'object', properties: {} } }],
    }),
    good: base('claude-sonnet-4-5', { tools: [{ ...weather, strict: true }] }),
    message:
      "tools.0.custom.input_schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
  },
  {
    rule: 'tool_use ids match the pattern',
    bad: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'call.1', name: 'get_weather', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'call.1', content: 'sunny' }]),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }]),
      ],
    }),
    message: "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
  },
  {
    rule: 'every tool_use is answered in the next user turn',
    bad: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]),
        user('never mind'),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]),
        user([
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          { type: 'text', text: 'never mind' },
        ]),
      ],
    }),
    message:
      /^messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1\./,
  },
  {
    rule: 'a tool_result answers a tool_use of the previous turn',
    bad: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]),
        user([
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' },
        ]),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }]),
      ],
    }),
    message: /^messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2\./,
  },
  {
    rule: 'tool blocks need tools',
    bad: base('claude-sonnet-4-5', {
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }]),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      tools: [weather],
      messages: [
        user('Weather?'),
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }]),
      ],
    }),
    message: 'Requests which include `tool_use` or `tool_result` blocks must define tools.',
  },
  {
    rule: '4.6+ models refuse prefill',
    bad: base('claude-sonnet-4-6', { messages: [user('Name a colour'), assistant('The colour is')] }),
    good: base('claude-sonnet-4-5', { messages: [user('Name a colour'), assistant('The colour is')] }),
    message:
      'This model does not support assistant message prefill. The conversation must end with a user message.',
  },
  {
    rule: 'text blocks are non-empty',
    bad: base('claude-sonnet-4-5', {
      messages: [
        user([
          { type: 'text', text: '' },
          { type: 'text', text: 'hi' },
        ]),
      ],
    }),
    good: base('claude-sonnet-4-5', { messages: [user([{ type: 'text', text: 'hi' }])] }),
    message: 'messages: text content blocks must be non-empty',
  },
  {
    rule: 'messages have content',
    bad: base('claude-sonnet-4-5', { messages: [user([]), assistant('ok'), user('hi')] }),
    good: base('claude-sonnet-4-5', { messages: [user('hello'), assistant('ok'), user('hi')] }),
    message:
      'messages.0: all messages must have non-empty content except for the optional final assistant message',
  },
  {
    rule: 'system text blocks are non-empty',
    bad: base('claude-sonnet-4-5', { system: [{ type: 'text', text: '' }] }),
    good: base('claude-sonnet-4-5', { system: [{ type: 'text', text: 'Be brief.' }] }),
    message: 'system: text content blocks must be non-empty',
  },
  {
    rule: 'at most 4 cache breakpoints',
    bad: base('claude-sonnet-4-5', {
      system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }],
      tools: [{ ...weather, cache_control: { type: 'ephemeral' } }],
      messages: [
        user([{ type: 'text', text: 'one', cache_control: { type: 'ephemeral' } }]),
        assistant([{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }]),
        user([{ type: 'text', text: 'three', cache_control: { type: 'ephemeral' } }]),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }],
      tools: [{ ...weather, cache_control: { type: 'ephemeral' } }],
      messages: [
        user([{ type: 'text', text: 'one' }]),
        assistant([{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }]),
        user([{ type: 'text', text: 'three', cache_control: { type: 'ephemeral' } }]),
      ],
    }),
    message: 'A maximum of 4 blocks with cache_control may be provided. Found 5.',
  },
  {
    rule: 'the automatic breakpoint counts toward the 4',
    bad: base('claude-sonnet-4-5', {
      cache_control: { type: 'ephemeral' },
      system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }],
      tools: [{ ...weather, cache_control: { type: 'ephemeral' } }],
      messages: [
        user([{ type: 'text', text: 'one', cache_control: { type: 'ephemeral' } }]),
        assistant([{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }]),
        user('three'),
      ],
    }),
    good: base('claude-sonnet-4-5', {
      cache_control: { type: 'ephemeral' },
      system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }],
      tools: [{ ...weather, cache_control: { type: 'ephemeral' } }],
      messages: [
        user([{ type: 'text', text: 'one' }]),
        assistant([{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }]),
        user('three'),
      ],
    }),
    message: 'A maximum of 4 blocks with cache_control may be provided. Found 5.',
  },
  {
    rule: 'structured output objects need additionalProperties false (nested too)',
    bad: base('claude-opus-4-7', {
      output_config: {
        format: {
          type: 'json_schema',
          schema: {
            ...strictSchema,
            properties: {
              ...strictSchema.properties,
              owner: { type: 'object', properties: { id: { type: 'string' } } },
            },
          },
        },
      },
    }),
    good: base('claude-opus-4-7', {
      output_config: { format: { type: 'json_schema', schema: strictSchema } },
    }),
    message:
      "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
  },
  {
    rule: 'structured output refuses additionalProperties other than false',
    bad: base('claude-opus-4-7', {
      output_config: {
        format: { type: 'json_schema', schema: { ...strictSchema, additionalProperties: true } },
      },
    }),
    good: base('claude-opus-4-7', {
      output_config: { format: { type: 'json_schema', schema: strictSchema } },
    }),
    message: /^output_config.format.schema: For 'object' type, 'additionalProperties: true' is not supported/,
  },
  {
    rule: 'structured output refuses recursive $ref',
    bad: base('claude-opus-4-7', {
      output_config: {
        format: {
          type: 'json_schema',
          schema: {
            $defs: {
              node: {
                type: 'object',
                properties: { child: { $ref: '#/$defs/node' } },
                required: ['child'],
                additionalProperties: false,
              },
            },
            type: 'object',
            properties: { root: { $ref: '#/$defs/node' } },
            required: ['root'],
            additionalProperties: false,
          },
        },
      },
    }),
    good: base('claude-opus-4-7', {
      output_config: {
        format: {
          type: 'json_schema',
          schema: {
            $defs: {
              leaf: {
                type: 'object',
                properties: { id: { type: 'string' } },
                required: ['id'],
                additionalProperties: false,
              },
            },
            type: 'object',
            properties: { root: { $ref: '#/$defs/leaf' } },
            required: ['root'],
            additionalProperties: false,
          },
        },
      },
    }),
    message: 'output_config.format.schema: Recursive schemas are not supported',
  },
  {
    rule: 'input and max_tokens fit a 200K context',
    bad: base('claude-haiku-4-5', { max_tokens: 64_000, messages: [user('x'.repeat(4 * 140_000))] }),
    good: base('claude-haiku-4-5', { max_tokens: 50_000, messages: [user('x'.repeat(4 * 140_000))] }),
    message: /^input length and `max_tokens` exceed context limit: 1400\d\d \+ 64000 > 200000/,
  },
  {
    rule: 'a credential is required',
    bad: base('claude-sonnet-4-5'),
    good: base('claude-sonnet-4-5'),
    headers: { 'x-api-key': '' },
    goodHeaders: { 'x-api-key': '', authorization: 'Bearer sk-ant-test-not-a-real-key' },
    status: 401,
    type: 'authentication_error',
    message: 'x-api-key header is required',
  },
  {
    rule: 'anthropic-version is one of the live versions',
    bad: base('claude-sonnet-4-5'),
    good: base('claude-sonnet-4-5'),
    headers: { 'anthropic-version': '2024-01-01' },
    goodHeaders: { 'anthropic-version': '2026-10-21' },
    message: /^anthropic-version: invalid version 2024-01-01/,
  },
];

describe('the simulator enforces the real API rules', () => {
  it.each(cases)('$rule', async (c) => {
    const bad = await messages(sim, c.bad, c.headers);
    expect(bad.status, bad.text).toBe(c.status ?? 400);
    expect(bad.json.type).toBe('error');
    expect(bad.json.error.type).toBe(c.type ?? 'invalid_request_error');
    if (typeof c.message === 'string') expect(bad.json.error.message).toBe(c.message);
    else expect(bad.json.error.message).toMatch(c.message);
    expect(bad.json.request_id).toMatch(/^req_sim_/);
    expect(bad.headers.get('request-id')).toBe(bad.json.request_id);

    const good = await messages(sim, c.good, c.goodHeaders);
    expect(good.status, good.text).toBe(200);
    expect(good.json.type).toBe('message');
  });

  it('a key the simulator was told to refuse gets 401 invalid x-api-key', async () => {
    const strict = await startSimulator({ acceptKey: (k) => k === 'sk-ant-test-good' });
    try {
      const bad = await messages(strict, base('claude-sonnet-4-5'));
      expect(bad.status).toBe(401);
      expect(bad.json.error).toEqual({ type: 'authentication_error', message: 'invalid x-api-key' });
      const good = await messages(strict, base('claude-sonnet-4-5'), { 'x-api-key': 'sk-ant-test-good' });
      expect(good.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('every model of the rules table cites its source and answers a minimal request', async () => {
    for (const rule of MODEL_RULES) {
      expect(rule.source, rule.id).toMatch(/claude-models\.md/);
      const reply = await messages(sim, base(rule.id, { max_tokens: 2048 }));
      expect(reply.status, `${rule.id}: ${reply.text}`).toBe(200);
    }
  });
});

describe('thinking blocks in tool loops', () => {
  const loopStart = (model: string, extra: Record<string, unknown> = {}) => ({
    model,
    max_tokens: 4096,
    tools: [weather],
    messages: [user('What is the weather in Paris?')],
    ...extra,
  });

  async function firstTurn(model: string, extra: Record<string, unknown> = {}) {
    const reply = await messages(sim, loopStart(model, extra));
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.stop_reason).toBe('tool_use');
    return reply.json.content as any[];
  }

  const withResult = (
    model: string,
    content: any[],
    extra: Record<string, unknown> = {},
    firstUser = 'What is the weather in Paris?',
  ) => {
    const call = content.find((b) => b.type === 'tool_use');
    return {
      ...loopStart(model, extra),
      messages: [
        user(firstUser),
        assistant(content),
        user([{ type: 'tool_result', tool_use_id: call.id, content: '18°C, sunny' }]),
      ],
    };
  };

  it('a tool loop that sends the thinking blocks back is answered; one that drops them is refused', async () => {
    const content = await firstTurn('claude-opus-4-7', { thinking: { type: 'adaptive' } });
    expect(content[0].type).toBe('thinking');
    expect(content[0].thinking).toBe('');
    expect(content[0].signature).toMatch(/^sim1\./);

    const kept = await messages(
      sim,
      withResult('claude-opus-4-7', content, { thinking: { type: 'adaptive' } }),
    );
    expect(kept.status, kept.text).toBe(200);
    expect(kept.json.stop_reason).toBe('end_turn');

    const dropped = await messages(
      sim,
      withResult(
        'claude-opus-4-7',
        content.filter((b) => b.type !== 'thinking'),
        { thinking: { type: 'adaptive' } },
      ),
    );
    expect(dropped.status).toBe(400);
    expect(dropped.json.error.message).toMatch(
      /^messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\./,
    );
  });

  it('a signature is bound to the model: replayed to another model it is refused', async () => {
    const content = await firstTurn('claude-opus-4-6', { thinking: { type: 'adaptive' } });
    const other = await messages(
      sim,
      withResult('claude-sonnet-4-6', content, { thinking: { type: 'adaptive' } }),
    );
    expect(other.status).toBe(400);
    expect(other.json.error.message).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    const same = await messages(
      sim,
      withResult('claude-opus-4-6', content, { thinking: { type: 'adaptive' } }),
    );
    expect(same.status, same.text).toBe(200);
  });

  it('an edited thinking text no longer matches its signature', async () => {
    const content = await firstTurn('claude-opus-4-6', { thinking: { type: 'adaptive' } });
    expect(content[0].thinking.length).toBeGreaterThan(0); // summarized by default on 4.6
    const edited = [{ ...content[0], thinking: content[0].thinking + ' (edited)' }, ...content.slice(1)];
    const reply = await messages(
      sim,
      withResult('claude-opus-4-6', edited, { thinking: { type: 'adaptive' } }),
    );
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
  });

  it('on the 5.5 models a signature is bound to the conversation as well', async () => {
    const content = await firstTurn('claude-opus-5-5');
    expect(content[0].type).toBe('thinking');
    const elsewhere = await messages(
      sim,
      withResult('claude-opus-5-5', content, {}, 'A different conversation'),
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.error.message).toBe(
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    );
    const here = await messages(sim, withResult('claude-opus-5-5', content));
    expect(here.status, here.text).toBe(200);
  });

  it('on earlier models the same blocks may move to another conversation of the same model', async () => {
    const content = await firstTurn('claude-opus-4-7', { thinking: { type: 'adaptive' } });
    const elsewhere = await messages(
      sim,
      withResult('claude-opus-4-7', content, { thinking: { type: 'adaptive' } }, 'A different conversation'),
    );
    expect(elsewhere.status, elsewhere.text).toBe(200);
  });

  it('a forged signature is refused', async () => {
    const content = await firstTurn('claude-opus-4-7', { thinking: { type: 'adaptive' } });
    const forged = [{ ...content[0], signature: 'EqQBCkYIBxgCKkBforged' }, ...content.slice(1)];
    const reply = await messages(
      sim,
      withResult('claude-opus-4-7', forged, { thinking: { type: 'adaptive' } }),
    );
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
  });
});

describe('count_tokens and streaming validate too', () => {
  it('count_tokens refuses an unknown model and counts a known one', async () => {
    const refused = await call(sim, '/v1/messages/count_tokens', { model: 'claude-2.1', messages: hi });
    expect(refused.status).toBe(404);
    const counted = await call(sim, '/v1/messages/count_tokens', {
      model: 'claude-sonnet-4-5',
      messages: hi,
    });
    expect(counted.status).toBe(200);
    expect(counted.json.input_tokens).toBeGreaterThan(0);
  });

  it('a streaming request that breaks a rule gets a JSON error, not a stream', async () => {
    const reply = await messages(sim, base('claude-opus-4-7', { stream: true, temperature: 0.3 }));
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/json');
    expect(sseEvents(reply.text)).toEqual([]);
  });
});
