/**
 * OpenAI Responses request (untrusted JSON) → Anthropic Messages request. Validates as it goes and throws
 * only ClientError (400 with `param`). docs/translation.md ("Responses API") has the field table and every
 * lossy choice; the comments here say why where the code alone would not.
 *
 * Built-in (hosted) tools never fail a request: real clients send them on every call (Codex sends
 * `web_search`), so those without a Claude equivalent are dropped and named in `dropped`, which the route
 * reports in a response header and a debug log line.
 */
import type {
  AnthropicContentBlockParam,
  AnthropicImageBlockParam,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlockParam,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlockParam,
  ResponsesFunctionTool,
  ResponsesObject,
  ResponsesReasoningEffort,
  ResponsesTextFormat,
} from '../../wire/index.js';
import {
  describe,
  fail,
  field,
  isBlank,
  isObject,
  optBoolean,
  optNumber,
  optPositiveInt,
  optString,
  type JsonObject,
} from '../check.js';
import { fileBlock, imageBlock } from '../content.js';
import {
  builtInRegistry,
  normalise,
  sanitiseSchema,
  type Adjustment,
  type DraftRequest,
  type ModelRegistry,
  type ThinkingDisplay,
} from '../../models/index.js';
import { addCacheBreakpoints, type PromptCaching } from '../caching.js';
import { appendTurn } from '../request.js';
import { applyParallelToolCalls, inputSchema, parseToolArguments } from '../tools.js';
import { decodeReasoning } from './reasoning.js';

export interface ResponsesTranslateOptions {
  /** Overrides the per-model default max_tokens (used only when the client sets no max_output_tokens). */
  defaultMaxTokens?: number;
  /** The model registry; the built-in table when absent. */
  models?: Pick<ModelRegistry, 'lookup'>;
  /** `translation.thinking_display` (default summarized); a request with reasoning.summary always gets summarized. */
  thinkingDisplay?: ThinkingDisplay;
  /** The anthropic-version the request will be sent with. */
  anthropicVersion?: string;
  /** `auto` marks prompt-cache breakpoints (see caching.ts); `off` sends none of claudine's own. */
  promptCaching?: PromptCaching;
  /**
   * The conversation so far when the request names a `previous_response_id` that the store knows: its input
   * items followed by its output items, oldest first.
   */
  history?: readonly unknown[];
}

/** What the response side echoes back, as OpenAI does (the request's settings, normalised). */
export type ResponsesEcho = Pick<
  ResponsesObject,
  | 'instructions'
  | 'max_output_tokens'
  | 'metadata'
  | 'model'
  | 'parallel_tool_calls'
  | 'previous_response_id'
  | 'reasoning'
  | 'store'
  | 'temperature'
  | 'text'
  | 'tool_choice'
  | 'tools'
  | 'top_p'
  | 'truncation'
> & { user?: string };

export interface TranslatedResponsesRequest {
  request: AnthropicMessagesRequest;
  stream: boolean;
  /** The model as the client named it. */
  model: string;
  store: boolean;
  previousResponseId: string | null;
  /** This request's input as items (a string input becomes one user message item), for the store. */
  inputItems: unknown[];
  echo: ResponsesEcho;
  /** Upstream tool name → the client's name and namespace, for tools flattened out of a namespace. */
  toolNames: ReadonlyMap<string, { name: string; namespace: string }>;
  /** Built-in tools and other parts that were dropped because Claude has no equivalent; unique, in order. */
  dropped: string[];
  /** What the model normaliser changed so the model accepts the request (src/models). */
  adjustments: readonly Adjustment[];
  /** Reasoning items whose thinking could not be replayed (made by OpenAI or for another model). */
  skippedReasoning: number;
}

/** Sent when the conversation does not start with a user turn, which the upstream requires. */
const LEADING_USER_PLACEHOLDER = '.';

const JSON_OBJECT_INSTRUCTION =
  'Respond with a single JSON object and nothing else: no prose, no code fences.';

/** Separates a namespace from a tool name in the flattened upstream tool name. */
const NAMESPACE_SEPARATOR = '__';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

const EFFORTS: readonly ResponsesReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];

/** Fields that ask for server-side features claudine does not have; sending them is a clear 400. */
function rejectUnsupported(body: JsonObject): void {
  if (field(body, 'background') === true) {
    fail('background', 'background mode is not supported by claudine; send the request without it.');
  }
  const conversation = field(body, 'conversation');
  if (conversation !== undefined && conversation !== null) {
    fail('conversation', 'conversation objects are not supported by claudine; use previous_response_id.');
  }
  const prompt = field(body, 'prompt');
  if (prompt !== undefined && prompt !== null) {
    fail('prompt', 'stored prompt templates are not supported by claudine; send instructions and input.');
  }
}

export function toAnthropicFromResponses(
  body: unknown,
  options: ResponsesTranslateOptions = {},
): TranslatedResponsesRequest {
  if (!isObject(body)) fail(null, `The request body must be a JSON object, got ${describe(body)}.`);
  rejectUnsupported(body);

  const model = optString(body, 'model', 'model');
  if (model === undefined || model.length === 0) fail('model', 'model is required.');
  const stream = optBoolean(body, 'stream', 'stream') ?? false;
  // OpenAI's default is to store; clients rely on it (the AI SDK sends earlier items as references).
  const store = optBoolean(body, 'store', 'store') ?? true;
  const previousResponseId = optString(body, 'previous_response_id', 'previous_response_id') ?? null;
  const instructions = optString(body, 'instructions', 'instructions') ?? null;
  const dropped: string[] = [];

  const tools = convertTools(field(body, 'tools'), dropped);
  const inputItems = inputAsItems(field(body, 'input'));
  const items = [...(options.history ?? []), ...inputItems];
  const converted = convertItems(items, model, tools.names, options.history?.length ?? 0);
  const system: AnthropicTextBlockParam[] = [];
  if (instructions !== null && !isBlank(instructions)) system.push({ type: 'text', text: instructions });
  system.push(...converted.system);

  // Reasoning: effort → extended thinking through the same plan as chat completions.
  const reasoning = field(body, 'reasoning');
  if (reasoning !== undefined && reasoning !== null && !isObject(reasoning))
    fail('reasoning', 'reasoning must be an object.');
  const effortRaw = isObject(reasoning) ? field(reasoning, 'effort') : undefined;
  if (
    effortRaw !== undefined &&
    effortRaw !== null &&
    !EFFORTS.includes(effortRaw as ResponsesReasoningEffort)
  )
    fail('reasoning.effort', `reasoning.effort must be one of ${EFFORTS.map((e) => `"${e}"`).join(', ')}.`);
  const effort = (effortRaw ?? null) as ResponsesReasoningEffort | null;
  const summaryRaw = isObject(reasoning) ? field(reasoning, 'summary') : undefined;
  if (
    summaryRaw !== undefined &&
    summaryRaw !== null &&
    summaryRaw !== 'auto' &&
    summaryRaw !== 'concise' &&
    summaryRaw !== 'detailed'
  )
    fail('reasoning.summary', 'reasoning.summary must be "auto", "concise" or "detailed".');
  const summary = summaryRaw ?? null;

  const maxOutput = optPositiveInt(body, 'max_output_tokens', 'max_output_tokens');
  const draft: DraftRequest = { model, messages: converted.messages };
  if (maxOutput !== undefined) draft.max_tokens = maxOutput;

  const temperature = optNumber(body, 'temperature', 'temperature', 0, 2);
  if (temperature !== undefined) draft.temperature = Math.min(temperature, 1);
  const topP = optNumber(body, 'top_p', 'top_p', 0, 1);
  if (topP !== undefined) draft.top_p = topP;
  if (stream) draft.stream = true;

  // text.format: json_schema → native structured output (schema sanitised, see src/models/schema.ts);
  // json_object has no native form (the native format needs a closed schema), so it becomes an instruction
  // (lossy, documented).
  const format = textFormat(field(body, 'text'));
  if (format.type === 'json_object') system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });
  if (system.length > 0) draft.system = system;

  const parallel = optBoolean(body, 'parallel_tool_calls', 'parallel_tool_calls');
  // convertToolChoice first: allowed_tools narrows tools.list.
  const convertedChoice = convertToolChoice(field(body, 'tool_choice'), tools, dropped);
  const upstreamTools = tools.list.length > 0 ? tools.list : undefined;
  const toolChoice = applyParallelToolCalls(convertedChoice, parallel, upstreamTools !== undefined);
  if (upstreamTools !== undefined) draft.tools = upstreamTools;
  if (toolChoice !== undefined) draft.tool_choice = toolChoice;

  // The model's rules (sampling, thinking type and effort, forced tool_choice, history) — the same
  // normaliser as chat completions. A client that asks for a summary wants to see the reasoning.
  const capabilities = (options.models ?? builtInRegistry).lookup(model);
  const normalised = normalise(
    draft,
    { reasoningEffort: effort ?? undefined, maxTokensParam: 'max_output_tokens' },
    capabilities,
    {
      thinkingDisplay: summary !== null ? 'summarized' : options.thinkingDisplay,
      anthropicVersion: options.anthropicVersion,
      defaultMaxTokens: options.defaultMaxTokens,
    },
  );
  const request = normalised.request;
  const adjustments: Adjustment[] = [...normalised.adjustments];
  if (format.type === 'json_schema') {
    const sanitised = sanitiseSchema(format.schema);
    request.output_config = {
      ...request.output_config,
      format: { type: 'json_schema', schema: sanitised.schema },
    };
    if (sanitised.removed.length > 0)
      adjustments.push({
        field: 'text.format.schema',
        change: `removed ${sanitised.removed.join('+')}`,
        reason: 'keywords native structured outputs refuse (kept in descriptions)',
      });
  }

  const user = optString(body, 'user', 'user');
  const userId = optString(body, 'safety_identifier', 'safety_identifier') ?? user;
  if (userId !== undefined && userId.length > 0) request.metadata = { user_id: userId };

  if (options.promptCaching === 'auto') addCacheBreakpoints(request);

  const echo: ResponsesEcho = {
    instructions,
    max_output_tokens: maxOutput ?? null,
    metadata: metadataOf(field(body, 'metadata')),
    model,
    parallel_tool_calls: parallel ?? true,
    previous_response_id: previousResponseId,
    reasoning: { effort, summary },
    store,
    temperature: temperature ?? null,
    text: { format },
    tool_choice: echoToolChoice(field(body, 'tool_choice')),
    tools: tools.echo,
    top_p: topP ?? null,
    truncation: 'disabled',
  };
  if (user !== undefined) echo.user = user;

  return {
    request,
    stream,
    model,
    store,
    previousResponseId,
    inputItems,
    echo,
    toolNames: tools.names,
    dropped,
    skippedReasoning: converted.skippedReasoning,
    adjustments,
  };
}

function metadataOf(raw: unknown): Record<string, string> | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) fail('metadata', 'metadata must be an object of strings.');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') fail(`metadata.${key}`, `metadata.${key} must be a string.`);
    out[key] = value;
  }
  return out;
}

/** `input` as a list of items: a string is one user message. */
function inputAsItems(raw: unknown): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return [{ type: 'message', role: 'user', content: raw }];
  if (!Array.isArray(raw))
    fail('input', `input must be a string or an array of items, got ${describe(raw)}.`);
  return raw as unknown[];
}

// ---------------------------------------------------------------- tools

interface ConvertedTools {
  list: AnthropicTool[];
  /** Upstream name → client name and namespace, for namespaced tools. */
  names: Map<string, { name: string; namespace: string }>;
  /** Flat function tools, as echoed in the response object. */
  echo: ResponsesFunctionTool[];
}

function noteDropped(dropped: string[], what: string): void {
  if (!dropped.includes(what)) dropped.push(what);
}

function convertTools(raw: unknown, dropped: string[]): ConvertedTools {
  const out: ConvertedTools = { list: [], names: new Map(), echo: [] };
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) fail('tools', `tools must be an array, got ${describe(raw)}.`);
  const seen = new Set<string>();
  const add = (tool: AnthropicTool, param: string): void => {
    if (seen.has(tool.name)) fail(param, `${param}: the tool name "${tool.name}" is used twice.`);
    seen.add(tool.name);
    out.list.push(tool);
  };
  for (let i = 0; i < raw.length; i++) {
    const tool: unknown = raw[i];
    const param = `tools[${i}]`;
    if (!isObject(tool)) fail(param, `${param} must be an object, got ${describe(tool)}.`);
    const type = field(tool, 'type');
    if (type === 'function') {
      const converted = functionTool(tool, param);
      add(converted, param);
      out.echo.push({
        type: 'function',
        name: converted.name,
        description: converted.description ?? null,
        parameters: converted.input_schema,
        strict: optBoolean(tool, 'strict', `${param}.strict`) ?? null,
      });
    } else if (type === 'namespace') {
      // Codex groups MCP tools in namespaces. Each becomes one upstream tool named `<namespace>__<name>`,
      // and calls come back as function_call items with `namespace` set, as OpenAI answers them.
      const namespace = optString(tool, 'name', `${param}.name`) ?? '';
      const members = field(tool, 'tools');
      if (!Array.isArray(members)) fail(`${param}.tools`, `${param}.tools must be an array.`);
      for (let j = 0; j < members.length; j++) {
        const member: unknown = members[j];
        const memberParam = `${param}.tools[${j}]`;
        if (!isObject(member) || field(member, 'type') !== 'function') {
          noteDropped(dropped, `namespace:${String(isObject(member) ? field(member, 'type') : 'item')}`);
          continue;
        }
        const converted = functionTool(member, memberParam);
        const flat = `${namespace}${NAMESPACE_SEPARATOR}${converted.name}`;
        if (!TOOL_NAME.test(flat)) {
          noteDropped(dropped, `namespace:${namespace}`);
          continue;
        }
        out.names.set(flat, { name: converted.name, namespace });
        add({ ...converted, name: flat }, memberParam);
      }
    } else {
      // web_search, file_search, code_interpreter, custom, local_shell, mcp, …: hosted by OpenAI.
      noteDropped(dropped, typeof type === 'string' ? type : 'unknown');
    }
  }
  return out;
}

function functionTool(tool: JsonObject, param: string): AnthropicTool {
  const name = optString(tool, 'name', `${param}.name`);
  if (name === undefined || name.length === 0) fail(`${param}.name`, `${param}.name is required.`);
  if (!TOOL_NAME.test(name)) {
    fail(`${param}.name`, `${param}.name must match ^[a-zA-Z0-9_-]{1,128}$ (Claude's rule for tool names).`);
  }
  const description = optString(tool, 'description', `${param}.description`);
  const out: AnthropicTool = {
    name,
    input_schema: inputSchema(field(tool, 'parameters'), `${param}.parameters`),
  };
  if (description !== undefined && description.length > 0) out.description = description;
  return out;
}

/**
 * `none`/`auto`/`required` → none/auto/any; `{type:'function', name}` → that tool; `allowed_tools` keeps only
 * the listed tools (its exact meaning) in auto or any mode; a hosted tool choice names a dropped tool and
 * falls back to auto.
 */
function convertToolChoice(
  raw: unknown,
  tools: ConvertedTools,
  dropped: string[],
): AnthropicToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  const hasTools = tools.list.length > 0;
  let choice: AnthropicToolChoice;
  if (raw === 'none') choice = { type: 'none' };
  else if (raw === 'auto') choice = { type: 'auto' };
  else if (raw === 'required') choice = { type: 'any' };
  else if (isObject(raw) && field(raw, 'type') === 'function') {
    const name = field(raw, 'name');
    if (typeof name !== 'string' || name.length === 0)
      fail('tool_choice.name', 'tool_choice.name must be a non-empty string.');
    if (!tools.list.some((t) => t.name === name))
      fail('tool_choice.name', `tool_choice names the function "${name}", which is not in tools.`);
    choice = { type: 'tool', name };
  } else if (isObject(raw) && field(raw, 'type') === 'allowed_tools') {
    const allowed = field(raw, 'tools');
    if (!Array.isArray(allowed)) fail('tool_choice.tools', 'tool_choice.tools must be an array.');
    const names = new Set(
      allowed.flatMap((t: unknown) => {
        const n = isObject(t) ? field(t, 'name') : undefined;
        return typeof n === 'string' ? [n] : [];
      }),
    );
    tools.list = tools.list.filter(
      (t) => names.has(t.name) || names.has(tools.names.get(t.name)?.name ?? ''),
    );
    if (tools.list.length === 0) return undefined;
    choice = field(raw, 'mode') === 'required' ? { type: 'any' } : { type: 'auto' };
  } else if (isObject(raw) && typeof field(raw, 'type') === 'string') {
    noteDropped(dropped, `tool_choice:${String(field(raw, 'type'))}`);
    choice = { type: 'auto' };
  } else {
    fail('tool_choice', 'tool_choice must be "none", "auto", "required" or {"type":"function","name":…}.');
  }
  if (!hasTools) {
    if (choice.type === 'none' || choice.type === 'auto') return undefined;
    fail('tool_choice', `tool_choice ${JSON.stringify(raw)} needs at least one function in tools.`);
  }
  return choice;
}

function echoToolChoice(raw: unknown): ResponsesEcho['tool_choice'] {
  if (raw === 'none' || raw === 'auto' || raw === 'required') return raw;
  if (isObject(raw) && field(raw, 'type') === 'function' && typeof field(raw, 'name') === 'string')
    return { type: 'function', name: field(raw, 'name') as string };
  return 'auto';
}

// ---------------------------------------------------------------- text.format

function textFormat(raw: unknown): ResponsesTextFormat {
  if (raw === undefined || raw === null) return { type: 'text' };
  if (!isObject(raw)) fail('text', 'text must be an object.');
  const format = field(raw, 'format');
  if (format === undefined || format === null) return { type: 'text' };
  if (!isObject(format)) fail('text.format', 'text.format must be an object.');
  const type = field(format, 'type');
  if (type === 'text') return { type: 'text' };
  if (type === 'json_object') return { type: 'json_object' };
  if (type !== 'json_schema')
    fail('text.format.type', 'text.format.type must be "text", "json_object" or "json_schema".');
  const name = optString(format, 'name', 'text.format.name');
  if (name === undefined || name.length === 0) fail('text.format.name', 'text.format.name is required.');
  const schema = field(format, 'schema');
  if (!isObject(schema)) fail('text.format.schema', 'text.format.schema must be a JSON schema object.');
  const out: ResponsesTextFormat = { type: 'json_schema', name, schema };
  const description = optString(format, 'description', 'text.format.description');
  if (description !== undefined) out.description = description;
  const strict = optBoolean(format, 'strict', 'text.format.strict');
  if (strict !== undefined) out.strict = strict;
  return out;
}

// ---------------------------------------------------------------- items

interface ConvertedItems {
  system: AnthropicTextBlockParam[];
  messages: AnthropicMessageParam[];
  skippedReasoning: number;
}

/**
 * Items, oldest first → system blocks and alternating turns:
 * - system/developer messages are hoisted into `system` in order (no mid-conversation system turn exists);
 * - user messages, and function_call_output items as tool_result blocks, make user turns;
 * - assistant messages, function_call items (as tool_use) and reasoning items (their signed thinking) make
 *   assistant turns, in item order, so the blocks of one earlier answer come back in the order they came;
 * - consecutive items of the same side are merged (the upstream requires alternation);
 * - a conversation that does not start with a user turn gets a placeholder user turn.
 * `historyLength` items at the start came from the store: a bad one there is not the client's `input[i]`.
 */
function convertItems(
  items: readonly unknown[],
  model: string,
  names: ReadonlyMap<string, { name: string; namespace: string }>,
  historyLength: number,
): ConvertedItems {
  const system: AnthropicTextBlockParam[] = [];
  const turns: AnthropicMessageParam[] = [];
  let skippedReasoning = 0;
  const flatName = new Map<string, string>();
  for (const [flat, { name, namespace }] of names) flatName.set(`${namespace}\u0000${name}`, flat);

  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const param = i < historyLength ? `previous_response_id (item ${i})` : `input[${i - historyLength}]`;
    if (!isObject(item)) fail(param, `${param} must be an object, got ${describe(item)}.`);
    const type = field(item, 'type') ?? 'message';
    switch (type) {
      case 'message': {
        const role = field(item, 'role');
        const content = field(item, 'content');
        if (role === 'system' || role === 'developer') {
          system.push(...textParts(content, `${param}.content`));
        } else if (role === 'user') {
          appendTurn(turns, 'user', userParts(content, `${param}.content`));
        } else if (role === 'assistant') {
          appendTurn(turns, 'assistant', textParts(content, `${param}.content`));
        } else {
          fail(`${param}.role`, `${param}.role must be user, assistant, system or developer.`);
        }
        break;
      }
      case 'function_call': {
        const callId = optString(item, 'call_id', `${param}.call_id`);
        if (callId === undefined || callId.length === 0)
          fail(`${param}.call_id`, `${param}.call_id is required.`);
        const name = optString(item, 'name', `${param}.name`);
        if (name === undefined || name.length === 0) fail(`${param}.name`, `${param}.name is required.`);
        const namespace = optString(item, 'namespace', `${param}.namespace`);
        const upstreamName =
          namespace === undefined
            ? name
            : (flatName.get(`${namespace}\u0000${name}`) ?? `${namespace}${NAMESPACE_SEPARATOR}${name}`);
        appendTurn(turns, 'assistant', [
          {
            type: 'tool_use',
            id: callId,
            name: upstreamName,
            input: parseToolArguments(field(item, 'arguments'), `${param}.arguments`),
          },
        ]);
        break;
      }
      case 'function_call_output':
        appendTurn(turns, 'user', [toolResult(item, param)]);
        break;
      case 'reasoning': {
        const encrypted = optString(item, 'encrypted_content', `${param}.encrypted_content`);
        if (encrypted === undefined || encrypted.length === 0) {
          // Without the signed blocks there is nothing the upstream accepts: the summary is unsigned.
          skippedReasoning++;
          break;
        }
        const decoded = decodeReasoning(encrypted, model);
        if (!decoded.ok) {
          if (decoded.reason === 'malformed') {
            fail(
              `${param}.encrypted_content`,
              `${param}.encrypted_content is damaged; send it back unchanged.`,
            );
          }
          skippedReasoning++;
          break;
        }
        appendTurn(turns, 'assistant', decoded.blocks);
        break;
      }
      case 'item_reference':
        // The route has replaced every reference it could resolve; this one names nothing claudine kept.
        fail(
          param,
          `${param}: item_reference ${JSON.stringify(field(item, 'id')) ?? ''} was not found. claudine resolves references only to output items of responses it stored (store not false), for responses.store_ttl; send the item itself instead.`,
        );
      // falls through (fail never returns)
      default:
        // Calls and results of hosted tools (web_search_call, local_shell_call, …) have no Claude form, and
        // their tools were dropped; the conversation stays valid without them.
        break;
    }
  }
  if (turns.length === 0) {
    fail('input', 'input must contain at least one user or assistant message with content.');
  }
  if (turns[0]?.role !== 'user') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: LEADING_USER_PLACEHOLDER }] });
  }
  const last = turns[turns.length - 1];
  if (last?.role === 'assistant') {
    // The upstream rejects a final (prefilled) assistant turn that ends in whitespace.
    const block = last.content[last.content.length - 1];
    if (block?.type === 'text') block.text = block.text.trimEnd();
  }
  return { system, messages: turns, skippedReasoning };
}

/** Text content of system, developer and assistant messages: a string, or text-like parts. */
function textParts(content: unknown, param: string): AnthropicTextBlockParam[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return isBlank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    fail(param, `${param} must be a string or an array of content parts, got ${describe(content)}.`);
  const out: AnthropicTextBlockParam[] = [];
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    const partParam = `${param}[${i}]`;
    if (!isObject(part)) fail(partParam, `${partParam} must be an object, got ${describe(part)}.`);
    const type = field(part, 'type');
    const key = type === 'refusal' ? 'refusal' : 'text';
    if (type !== 'input_text' && type !== 'output_text' && type !== 'text' && type !== 'refusal') {
      fail(
        `${partParam}.type`,
        `${partParam}.type must be "input_text" or "output_text" here, got ${JSON.stringify(type) ?? 'nothing'}.`,
      );
    }
    const text = field(part, key);
    if (typeof text !== 'string') fail(`${partParam}.${key}`, `${partParam}.${key} must be a string.`);
    if (!isBlank(text)) out.push({ type: 'text', text });
  }
  return out;
}

/** A user message's content → text, image and document blocks. */
function userParts(content: unknown, param: string): AnthropicContentBlockParam[] {
  if (typeof content === 'string') return isBlank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    fail(param, `${param} must be a string or an array of content parts, got ${describe(content)}.`);
  const out: AnthropicContentBlockParam[] = [];
  for (let i = 0; i < content.length; i++) {
    const block = userPart(content[i], `${param}[${i}]`);
    if (block !== null) out.push(block);
  }
  return out;
}

function userPart(part: unknown, param: string): AnthropicContentBlockParam | null {
  if (!isObject(part)) fail(param, `${param} must be an object, got ${describe(part)}.`);
  const type = field(part, 'type');
  switch (type) {
    case 'input_text':
    case 'output_text':
    case 'text': {
      const text = field(part, 'text');
      if (typeof text !== 'string') fail(`${param}.text`, `${param}.text must be a string.`);
      return isBlank(text) ? null : { type: 'text', text };
    }
    case 'input_image':
      return inputImage(part, param);
    case 'input_file': {
      if (field(part, 'file_data') === undefined) {
        const what = field(part, 'file_url') !== undefined ? 'file_url' : 'file_id';
        fail(`${param}.${what}`, `${param}.${what} is not supported by claudine; send file_data.`);
      }
      return fileBlock(part, param);
    }
    default:
      return fail(
        `${param}.type`,
        `${param}.type ${JSON.stringify(type) ?? '(missing)'} is not supported; use "input_text", "input_image" or "input_file".`,
      );
  }
}

function inputImage(part: JsonObject, param: string): AnthropicImageBlockParam {
  const url = field(part, 'image_url');
  if (typeof url !== 'string' || url.length === 0) {
    if (field(part, 'file_id') !== undefined && field(part, 'file_id') !== null)
      fail(`${param}.file_id`, `${param}.file_id is not supported by claudine; send image_url.`);
    fail(`${param}.image_url`, `${param}.image_url is required.`);
  }
  return imageBlock(url, `${param}.image_url`);
}

/** function_call_output → tool_result (is_error false: the Responses API has no such flag). */
function toolResult(item: JsonObject, param: string): AnthropicToolResultBlockParam {
  const callId = optString(item, 'call_id', `${param}.call_id`);
  if (callId === undefined || callId.length === 0) fail(`${param}.call_id`, `${param}.call_id is required.`);
  const output = field(item, 'output');
  const block: AnthropicToolResultBlockParam = { type: 'tool_result', tool_use_id: callId, is_error: false };
  const content: (AnthropicTextBlockParam | AnthropicImageBlockParam)[] = [];
  if (typeof output === 'string') {
    if (!isBlank(output)) content.push({ type: 'text', text: output });
  } else if (Array.isArray(output)) {
    for (let i = 0; i < output.length; i++) {
      const part: unknown = output[i];
      const partParam = `${param}.output[${i}]`;
      if (isObject(part) && field(part, 'type') === 'input_image') content.push(inputImage(part, partParam));
      else {
        const block = userPart(part, partParam);
        if (block?.type === 'text') content.push(block);
        else if (block !== null)
          fail(`${partParam}.type`, `${partParam}: only text and images can be a function call's output.`);
      }
    }
  } else if (output !== undefined && output !== null) {
    fail(`${param}.output`, `${param}.output must be a string or an array of content parts.`);
  }
  if (content.length > 0) block.content = content;
  return block;
}
