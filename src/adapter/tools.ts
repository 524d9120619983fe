/**
 * Function tools both ways: `tools[].function` → Anthropic tools, `tool_choice` none/auto/required/named →
 * none/auto/any/tool, `parallel_tool_calls: false` → `disable_parallel_tool_use`, assistant `tool_calls` →
 * `tool_use` blocks, and `tool` messages → `tool_result` blocks.
 */
import type {
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlockParam,
  AnthropicToolUseBlockParam,
} from '../wire/index.js';
import { describe, fail, field, isObject, optString, type JsonObject } from './check.js';
import { textBlocks } from './content.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../json/index.js';

const EMPTY_SCHEMA = { type: 'object', properties: {} } as const;

export function convertTools(raw: unknown): AnthropicTool[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) fail('tools', `tools must be an array, got ${describe(raw)}.`);
  if (raw.length === 0) return undefined;
  return raw.map((tool: unknown, i) => convertTool(tool, `tools[${i}]`));
}

function convertTool(tool: unknown, param: string): AnthropicTool {
  if (!isObject(tool)) fail(param, `${param} must be an object, got ${describe(tool)}.`);
  const type = field(tool, 'type');
  if (type !== undefined && type !== 'function') {
    fail(
      `${param}.type`,
      `${param}.type ${JSON.stringify(type)} is not supported; only "function" tools are.`,
    );
  }
  const fn = field(tool, 'function');
  if (!isObject(fn)) fail(`${param}.function`, `${param}.function must be an object.`);
  const name = optString(fn, 'name', `${param}.function.name`);
  if (name === undefined || name.length === 0)
    fail(`${param}.function.name`, `${param}.function.name is required.`);
  const description = optString(fn, 'description', `${param}.function.description`);
  const out: AnthropicTool = {
    name,
    input_schema: inputSchema(field(fn, 'parameters'), `${param}.function.parameters`),
  };
  if (description !== undefined) out.description = description;
  return out;
}

/** OpenAI allows a missing schema (no arguments); Anthropic needs an object schema. */
export function inputSchema(raw: unknown, param: string): AnthropicTool['input_schema'] {
  if (raw === undefined || raw === null) return { ...EMPTY_SCHEMA, properties: {} };
  if (!isObject(raw)) fail(param, `${param} must be a JSON schema object, got ${describe(raw)}.`);
  const type = field(raw, 'type');
  if (type === undefined) return { ...raw, type: 'object' };
  if (type !== 'object')
    fail(param, `${param} must describe an object (type "object"), got type ${JSON.stringify(type)}.`);
  return raw as AnthropicTool['input_schema'];
}

/**
 * `undefined` when the request should carry no tool_choice. Without tools, "none"/"auto" say nothing and are
 * dropped, while "required" or a named function cannot be honoured and are a 400.
 */
export function convertToolChoice(
  raw: unknown,
  tools: AnthropicTool[] | undefined,
): AnthropicToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  let choice: AnthropicToolChoice;
  if (raw === 'none') choice = { type: 'none' };
  else if (raw === 'auto') choice = { type: 'auto' };
  else if (raw === 'required') choice = { type: 'any' };
  else if (isObject(raw) && field(raw, 'type') === 'function') {
    const fn = field(raw, 'function');
    const name = isObject(fn) ? field(fn, 'name') : undefined;
    if (typeof name !== 'string' || name.length === 0) {
      fail('tool_choice.function.name', 'tool_choice.function.name must be a non-empty string.');
    }
    if (tools !== undefined && !tools.some((t) => t.name === name)) {
      fail('tool_choice.function.name', `tool_choice names the function "${name}", which is not in tools.`);
    }
    choice = { type: 'tool', name };
  } else {
    fail(
      'tool_choice',
      'tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":…}}.',
    );
  }
  if (tools === undefined) {
    if (choice.type === 'none' || choice.type === 'auto') return undefined;
    fail('tool_choice', `tool_choice ${JSON.stringify(raw)} needs at least one entry in tools.`);
  }
  return choice;
}

/** `parallel_tool_calls: false` is valid with every tool_choice form; "auto" is created when absent. */
export function applyParallelToolCalls(
  choice: AnthropicToolChoice | undefined,
  parallel: boolean | undefined,
  hasTools: boolean,
): AnthropicToolChoice | undefined {
  if (parallel !== false || !hasTools) return choice;
  const base = choice ?? { type: 'auto' };
  if (base.type === 'none') return base; // no tool calls at all, so nothing runs in parallel
  return { ...base, disable_parallel_tool_use: true };
}

/** An assistant message's `tool_calls` → `tool_use` blocks; arguments must be a JSON object. */
export function toolUseBlocks(raw: unknown, param: string): AnthropicToolUseBlockParam[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail(param, `${param} must be an array, got ${describe(raw)}.`);
  return raw.map((call: unknown, j) => toolUseBlock(call, `${param}[${j}]`));
}

function toolUseBlock(call: unknown, param: string): AnthropicToolUseBlockParam {
  if (!isObject(call)) fail(param, `${param} must be an object, got ${describe(call)}.`);
  const type = field(call, 'type');
  if (type !== undefined && type !== 'function') {
    fail(
      `${param}.type`,
      `${param}.type ${JSON.stringify(type)} is not supported; only "function" tool calls are.`,
    );
  }
  const id = optString(call, 'id', `${param}.id`);
  if (id === undefined || id.length === 0) fail(`${param}.id`, `${param}.id is required.`);
  const fn = field(call, 'function');
  if (!isObject(fn)) fail(`${param}.function`, `${param}.function must be an object.`);
  const name = optString(fn, 'name', `${param}.function.name`);
  if (name === undefined || name.length === 0)
    fail(`${param}.function.name`, `${param}.function.name is required.`);
  return {
    type: 'tool_use',
    id,
    name,
    input: parseToolArguments(field(fn, 'arguments'), `${param}.function.arguments`),
  };
}

/** A tool call's arguments (a JSON string, or leniently the object itself) as the object tool_use carries. */
export function parseToolArguments(raw: unknown, param: string): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (isObject(raw)) return raw; // lenient: some clients send the object itself
  if (typeof raw !== 'string') fail(param, `${param} must be a JSON string, got ${describe(raw)}.`);
  // A string inside the body: the body's own depth check never saw inside it.
  if (jsonNestsDeeperThan(raw, MAX_JSON_DEPTH))
    fail(param, `${param} is JSON nested deeper than ${MAX_JSON_DEPTH} levels.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    fail(param, `${param} is not valid JSON (${err instanceof Error ? err.message : 'parse error'}).`);
  }
  if (!isObject(parsed)) fail(param, `${param} must encode a JSON object, got ${describe(parsed)}.`);
  return parsed;
}

/** A `tool` message → one `tool_result` block (is_error is always false: OpenAI has no such flag). */
export function toolResultBlock(message: JsonObject, param: string): AnthropicToolResultBlockParam {
  const id = optString(message, 'tool_call_id', `${param}.tool_call_id`);
  if (id === undefined || id.length === 0)
    fail(`${param}.tool_call_id`, `${param}.tool_call_id is required.`);
  const content = textBlocks(field(message, 'content'), `${param}.content`);
  const block: AnthropicToolResultBlockParam = { type: 'tool_result', tool_use_id: id, is_error: false };
  if (content.length > 0) block.content = content;
  return block;
}
