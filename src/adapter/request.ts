/**
 * OpenAI chat completion request (untrusted JSON) → Anthropic Messages request. Validates as it goes and
 * throws only ClientError (400 with `param`). docs/translation.md has the full field table and every lossy
 * choice; the comments here say why where the code alone would not.
 */
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlockParam,
  AnthropicThinkingConfig,
} from '../wire/index.js';
import {
  builtInRegistry,
  normalise,
  REASONING_EFFORTS,
  type Adjustment,
  type DraftRequest,
  type ModelCapabilities,
  type ModelRegistry,
  type ReasoningEffort,
  type RequestIntent,
  type ResponseFormat,
  type ThinkingDisplay,
} from '../models/index.js';
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
} from './check.js';
import { textBlocks, userBlocks } from './content.js';
import { addCacheBreakpoints, type PromptCaching } from './caching.js';
import { parseThinkingConfig, thinkingBlocksFromMessage } from './reasoning.js';
import {
  applyParallelToolCalls,
  convertToolChoice,
  convertTools,
  toolResultBlock,
  toolUseBlocks,
} from './tools.js';

export interface TranslateOptions {
  /** max_tokens when the client sets none (clamped to the model's limit); default: the model's, up to 64000. */
  defaultMaxTokens?: number;
  /** `auto` marks prompt-cache breakpoints (see caching.ts); `off` (the default here) sends none of its own. */
  promptCaching?: PromptCaching;
  /** The model registry; the built-in table when absent. */
  models?: Pick<ModelRegistry, 'lookup'>;
  /** `translation.thinking_display` (default summarized). */
  thinkingDisplay?: ThinkingDisplay;
  /** The anthropic-version the request will be sent with (2026-10-21 has no sampling parameters). */
  anthropicVersion?: string;
}

/** A chat request translated, before the model's rules are applied (see finishChatRequest). */
export interface ChatDraft {
  draft: DraftRequest;
  intent: RequestIntent;
  stream: boolean;
  includeUsage: boolean;
  /** The model as the client named it. */
  model: string;
}

export interface TranslatedRequest {
  request: AnthropicMessagesRequest;
  stream: boolean;
  /** `stream_options.include_usage`: send a final usage-only chunk (`choices: []`). */
  includeUsage: boolean;
  /** The model as the client named it. */
  model: string;
  /**
   * The name of the forced tool that carries `response_format` JSON, or null. Pass it on in the
   * ResponseContext: that tool's input becomes `message.content`, not a tool call.
   */
  jsonTool: string | null;
  /** What the normaliser changed so the model accepts the request. */
  adjustments: readonly Adjustment[];
  capabilities: ModelCapabilities;
}

/** Sent when the conversation does not start with a user turn, which the upstream requires. */
export const LEADING_USER_PLACEHOLDER = '.';

/** Translation, then the model's rules, then prompt caching: everything but the thinking cache (the route's). */
export function toAnthropicRequest(body: unknown, options: TranslateOptions = {}): TranslatedRequest {
  return finishChatRequest(translateChatRequest(body), options);
}

/** The model's rules (models/ normaliser) and prompt caching, applied to a translated draft. */
export function finishChatRequest(chat: ChatDraft, options: TranslateOptions = {}): TranslatedRequest {
  const capabilities = (options.models ?? builtInRegistry).lookup(chat.model);
  const normalised = normalise(chat.draft, chat.intent, capabilities, {
    thinkingDisplay: options.thinkingDisplay,
    anthropicVersion: options.anthropicVersion,
    defaultMaxTokens: options.defaultMaxTokens,
  });
  const request = normalised.request;
  if (options.promptCaching === 'auto') addCacheBreakpoints(request);
  return {
    request,
    stream: chat.stream,
    includeUsage: chat.includeUsage,
    model: chat.model,
    jsonTool: normalised.jsonTool,
    adjustments: normalised.adjustments,
    capabilities,
  };
}

/** OpenAI chat request (untrusted JSON) → a draft Anthropic request and what the client asked for. Pure. */
export function translateChatRequest(body: unknown): ChatDraft {
  if (!isObject(body)) fail(null, `The request body must be a JSON object, got ${describe(body)}.`);
  rejectUnsupported(body);

  const model = optString(body, 'model', 'model');
  if (model === undefined || model.length === 0) fail('model', 'model is required.');
  const stream = optBoolean(body, 'stream', 'stream') ?? false;
  const streamOptions = field(body, 'stream_options');
  let includeUsage = false;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isObject(streamOptions)) fail('stream_options', 'stream_options must be an object.');
    includeUsage = optBoolean(streamOptions, 'include_usage', 'stream_options.include_usage') ?? false;
  }

  const { system, messages } = convertMessages(field(body, 'messages'));

  // max_completion_tokens is the current name; max_tokens the deprecated one. Both mean the same here.
  const mct = optPositiveInt(body, 'max_completion_tokens', 'max_completion_tokens');
  const mt = mct === undefined ? optPositiveInt(body, 'max_tokens', 'max_tokens') : undefined;
  const draft: DraftRequest = { model, messages };
  if (mct !== undefined || mt !== undefined) draft.max_tokens = (mct ?? mt) as number;
  if (system.length > 0) draft.system = system;

  // OpenAI's range is 0–2, Anthropic's 0–1. Passed through unchanged and clamped at 1 (not halved): the
  // fixtures expect identity, and clients nearly always use 0–1, where identity keeps the intent.
  const temperature = optNumber(body, 'temperature', 'temperature', 0, 2);
  if (temperature !== undefined) draft.temperature = Math.min(temperature, 1);
  const topP = optNumber(body, 'top_p', 'top_p', 0, 1);
  if (topP !== undefined) draft.top_p = topP;

  const stop = stopSequences(field(body, 'stop'));
  if (stop !== undefined) draft.stop_sequences = stop;
  if (stream) draft.stream = true;

  const tools = convertTools(field(body, 'tools'));
  const parallel = optBoolean(body, 'parallel_tool_calls', 'parallel_tool_calls');
  const toolChoice = applyParallelToolCalls(
    convertToolChoice(field(body, 'tool_choice'), tools),
    parallel,
    tools !== undefined,
  );
  if (tools !== undefined) draft.tools = tools;
  if (toolChoice !== undefined) draft.tool_choice = toolChoice;

  const thinking: AnthropicThinkingConfig | undefined = parseThinkingConfig(field(body, 'thinking'));
  if (thinking !== undefined) draft.thinking = thinking;

  const userId =
    optString(body, 'safety_identifier', 'safety_identifier') ?? optString(body, 'user', 'user') ?? undefined;
  if (userId !== undefined && userId.length > 0) draft.metadata = { user_id: userId };

  const intent: RequestIntent = {
    reasoningEffort: reasoningEffort(field(body, 'reasoning_effort')),
    maxTokensParam: mct !== undefined ? 'max_completion_tokens' : mt !== undefined ? 'max_tokens' : undefined,
    responseFormat: responseFormat(field(body, 'response_format')),
  };
  return { draft, intent, stream, includeUsage, model };
}

function reasoningEffort(raw: unknown): ReasoningEffort | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !(REASONING_EFFORTS as readonly string[]).includes(raw)) {
    fail(
      'reasoning_effort',
      `reasoning_effort must be one of ${REASONING_EFFORTS.map((e) => `"${e}"`).join(', ')}.`,
    );
  }
  return raw as ReasoningEffort;
}

function rejectUnsupported(body: JsonObject): void {
  const n = field(body, 'n');
  if (n !== undefined && n !== null && n !== 1) {
    fail('n', 'n must be 1: Claude returns one choice per request.');
  }
  if (field(body, 'logprobs') === true) fail('logprobs', 'logprobs is not supported by Claude.');
  const audio = field(body, 'audio');
  if (audio !== undefined && audio !== null) fail('audio', 'Audio output is not supported by Claude.');
  const modalities = field(body, 'modalities');
  if (Array.isArray(modalities) && modalities.includes('audio')) {
    fail('modalities', 'Audio output is not supported by Claude; use modalities ["text"].');
  }
  if (field(body, 'functions') !== undefined || field(body, 'function_call') !== undefined) {
    fail('functions', 'functions/function_call are deprecated and not supported; use tools and tool_choice.');
  }
}

function stopSequences(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list: unknown[] =
    typeof raw === 'string'
      ? [raw]
      : Array.isArray(raw)
        ? raw
        : fail('stop', 'stop must be a string or an array of strings.');
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (typeof s !== 'string') fail(`stop[${i}]`, `stop[${i}] must be a string.`);
    // The upstream rejects whitespace-only stop sequences.
    if (!isBlank(s)) out.push(s);
  }
  return out.length > 0 ? out : undefined;
}

// ---------------------------------------------------------------- messages

interface Converted {
  system: AnthropicTextBlockParam[];
  messages: AnthropicMessageParam[];
}

/**
 * - system/developer messages, wherever they appear, are hoisted into `system` in order (the Messages API has
 *   no mid-conversation system turn; hoisting keeps their authority, a user-turn text would not);
 * - tool messages become tool_result blocks in a user turn;
 * - consecutive turns of the same role are merged (the upstream requires alternation);
 * - a conversation that does not start with a user turn gets a placeholder user turn.
 */
function convertMessages(raw: unknown): Converted {
  if (!Array.isArray(raw)) fail('messages', `messages must be an array, got ${describe(raw)}.`);
  if (raw.length === 0) fail('messages', 'messages must contain at least one message.');
  const system: AnthropicTextBlockParam[] = [];
  const turns: AnthropicMessageParam[] = [];
  for (let i = 0; i < raw.length; i++) {
    const message: unknown = raw[i];
    const param = `messages[${i}]`;
    if (!isObject(message)) fail(param, `${param} must be an object, got ${describe(message)}.`);
    const role = field(message, 'role');
    switch (role) {
      case 'system':
      case 'developer':
        for (const block of textBlocks(field(message, 'content'), `${param}.content`)) system.push(block);
        break;
      case 'user': {
        const content = field(message, 'content');
        if (content === undefined || content === null)
          fail(`${param}.content`, `${param}.content is required.`);
        appendTurn(turns, 'user', userBlocks(content, `${param}.content`));
        break;
      }
      case 'assistant':
        appendTurn(turns, 'assistant', assistantBlocks(message, param));
        break;
      case 'tool':
        appendTurn(turns, 'user', [toolResultBlock(message, param)]);
        break;
      case 'function':
        fail(`${param}.role`, `${param}.role "function" is deprecated and not supported; use tool messages.`);
      // falls through (fail never returns)
      default:
        fail(`${param}.role`, `${param}.role must be system, developer, user, assistant or tool.`);
    }
  }
  if (turns.length === 0) {
    fail('messages', 'messages must contain at least one user or assistant message with content.');
  }
  if (turns[0]?.role !== 'user') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: LEADING_USER_PLACEHOLDER }] });
  }
  const last = turns[turns.length - 1];
  if (last?.role === 'assistant') trimTrailingWhitespace(last);
  return { system, messages: turns };
}

function assistantBlocks(message: JsonObject, param: string): AnthropicContentBlockParam[] {
  const blocks: AnthropicContentBlockParam[] = thinkingBlocksFromMessage(message, param);
  for (const block of textBlocks(field(message, 'content'), `${param}.content`)) blocks.push(block);
  for (const block of toolUseBlocks(field(message, 'tool_calls'), `${param}.tool_calls`)) blocks.push(block);
  return blocks;
}

/** Empty turns vanish; a turn of the same role as the previous one is merged into it. */
export function appendTurn(
  turns: AnthropicMessageParam[],
  role: 'user' | 'assistant',
  blocks: AnthropicContentBlockParam[],
): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last === undefined || last.role !== role) {
    turns.push({ role, content: blocks });
    return;
  }
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      // tool_result blocks must come first in a user turn, before any text the user added.
      let at = 0;
      while (at < last.content.length && last.content[at]?.type === 'tool_result') at++;
      last.content.splice(at, 0, block);
    } else {
      last.content.push(block);
    }
  }
}

/** The upstream rejects a final (prefilled) assistant turn that ends in whitespace. */
function trimTrailingWhitespace(turn: AnthropicMessageParam): void {
  const block = turn.content[turn.content.length - 1];
  if (block?.type === 'text') block.text = block.text.trimEnd();
}

// ---------------------------------------------------------------- response_format

/** `response_format` → what the client asked for; the normaliser decides how the model delivers it. */
function responseFormat(raw: unknown): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) fail('response_format', 'response_format must be an object.');
  const type = field(raw, 'type');
  if (type === 'text') return undefined;
  if (type === 'json_object') return { type: 'json_object' };
  if (type !== 'json_schema')
    fail('response_format.type', 'response_format.type must be "text", "json_object" or "json_schema".');
  const spec = field(raw, 'json_schema');
  if (!isObject(spec)) fail('response_format.json_schema', 'response_format.json_schema must be an object.');
  const description = optString(spec, 'description', 'response_format.json_schema.description');
  const name = optString(spec, 'name', 'response_format.json_schema.name');
  const schema = field(spec, 'schema');
  if (schema !== undefined && schema !== null && !isObject(schema)) {
    fail(
      'response_format.json_schema.schema',
      'response_format.json_schema.schema must be a JSON schema object.',
    );
  }
  const schemaType = isObject(schema) ? field(schema, 'type') : undefined;
  if (schemaType !== undefined && schemaType !== 'object') {
    fail(
      'response_format.json_schema.schema',
      'response_format.json_schema.schema must describe an object (type "object").',
    );
  }
  return {
    type: 'json_schema',
    name,
    description,
    schema: isObject(schema) ? { ...schema, type: 'object' } : undefined,
  };
}
