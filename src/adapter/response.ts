/**
 * Anthropic Message → OpenAI chat.completion. The upstream body is trusted to be the documented shape, but a
 * missing field degrades to an empty value rather than a TypeError.
 */
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStopReason,
  AnthropicUsage,
  ChatCompletion,
  ChatCompletionMessage,
  CompletionUsage,
  FinishReason,
  OpenAIThinkingBlock,
  OpenAIToolCall,
} from '../wire/index.js';
import { TurnKeyBuilder, type SignedThinkingBlock } from '../models/index.js';

export interface ResponseContext {
  /** The completion id; the upstream message id when omitted (as the Go original and the fixtures do). */
  id?: string | undefined;
  /** Unix seconds. */
  created: number;
  /** The model as the client named it. */
  model: string;
  /** From toAnthropicRequest: the tool whose input is the JSON answer, or null. */
  jsonTool?: string | null | undefined;
}

/**
 * end_turn/stop_sequence → stop; max_tokens/model_context_window_exceeded → length; tool_use → tool_calls;
 * refusal → content_filter; pause_turn (a server tool paused a long turn) → stop, since OpenAI has no
 * "continue me" reason and the text so far is a complete answer to show.
 */
export function finishReason(reason: AnthropicStopReason | null | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
    case null:
    case undefined:
      return 'stop';
    default:
      return 'stop';
  }
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * OpenAI's prompt_tokens counts every input token, cached or not; Anthropic's input_tokens excludes cache
 * reads and writes, so they are added back. cached_tokens = cache reads (only present when non-zero).
 */
export function toOpenAIUsage(
  usage: Pick<
    AnthropicUsage,
    'input_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens' | 'output_tokens_details'
  > & {
    output_tokens: number;
  },
): CompletionUsage {
  const cacheRead = count(usage.cache_read_input_tokens);
  const prompt = count(usage.input_tokens) + cacheRead + count(usage.cache_creation_input_tokens);
  const completion = count(usage.output_tokens);
  const out: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (cacheRead > 0) out.prompt_tokens_details = { cached_tokens: cacheRead };
  // Anthropic's thinking tokens are part of output_tokens, as OpenAI's reasoning tokens are of completion.
  const details: unknown = usage.output_tokens_details;
  const thinking =
    typeof details === 'object' && details !== null
      ? (details as { thinking_tokens?: unknown }).thinking_tokens
      : undefined;
  if (typeof thinking === 'number' && Number.isFinite(thinking))
    out.completion_tokens_details = { reasoning_tokens: thinking };
  return out;
}

/** The signed thinking of a buffered answer and its turn key, for the thinking cache; null without thinking. */
export function thinkingTurnOf(
  message: AnthropicMessage,
): { key: string; blocks: SignedThinkingBlock[] } | null {
  const blocks: SignedThinkingBlock[] = [];
  const content: unknown = message.content;
  const list = Array.isArray(content) ? (content as (AnthropicContentBlock | null)[]) : [];
  for (const block of list) {
    if (typeof block !== 'object' || block === null) continue;
    if (block.type === 'thinking' && typeof block.signature === 'string' && block.signature.length > 0)
      blocks.push({
        type: 'thinking',
        thinking: typeof block.thinking === 'string' ? block.thinking : '',
        signature: block.signature,
      });
    else if (block.type === 'redacted_thinking' && typeof block.data === 'string')
      blocks.push({ type: 'redacted_thinking', data: block.data });
  }
  // Most answers have no thinking: their text is not hashed for a key nobody will look up.
  if (blocks.length === 0) return null;
  const key = new TurnKeyBuilder();
  for (const block of list) {
    if (typeof block !== 'object' || block === null) continue;
    if (block.type === 'text' && typeof block.text === 'string') key.text(block.text);
    else if (block.type === 'tool_use' && typeof block.id === 'string') key.tool(block.id);
  }
  const k = key.key();
  return k === null ? null : { key: k, blocks };
}

export function toChatCompletion(message: AnthropicMessage, ctx: ResponseContext): ChatCompletion {
  let text = '';
  let reasoning = '';
  let json: string | null = null;
  const thinkingBlocks: OpenAIThinkingBlock[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  const jsonTool = ctx.jsonTool ?? null;
  const blocks: unknown = message.content;
  for (const block of Array.isArray(blocks) ? (blocks as (AnthropicContentBlock | null)[]) : []) {
    if (typeof block !== 'object' || block === null) continue;
    switch (block.type) {
      case 'text':
        if (typeof block.text === 'string') text += block.text;
        break;
      case 'thinking':
        if (typeof block.thinking === 'string') reasoning += block.thinking;
        thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        break;
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
        break;
      case 'tool_use':
        if (jsonTool !== null && block.name === jsonTool) json = JSON.stringify(block.input ?? {});
        else {
          toolCalls.push({
            id: block.id,
            type: 'function',
            function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
          });
        }
        break;
      default:
        break; // server tool blocks and future types have no OpenAI form
    }
  }

  let finish = finishReason(message.stop_reason);
  // The JSON tool is how the answer arrives, not a call the client should run.
  if (json !== null && toolCalls.length === 0 && finish === 'tool_calls') finish = 'stop';

  const out: ChatCompletionMessage = {
    role: 'assistant',
    content: json ?? (text.length === 0 && toolCalls.length > 0 ? null : text),
    refusal: null,
  };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  if (reasoning.length > 0) out.reasoning_content = reasoning;
  if (thinkingBlocks.length > 0) out.thinking_blocks = thinkingBlocks;

  return {
    id: ctx.id ?? message.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    service_tier: null,
    choices: [{ index: 0, message: out, finish_reason: finish, logprobs: null }],
    usage: toOpenAIUsage(message.usage ?? { input_tokens: 0, output_tokens: 0 }),
  };
}
