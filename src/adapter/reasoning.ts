/**
 * Reasoning on the request side: Anthropic's own `thinking` object (clients send it via `extra_body`) is
 * validated here; what the model does with it, and with `reasoning_effort`, is the normaliser's business
 * (src/models). Signed thinking blocks that a client echoes on an assistant message are read from any of
 * the field names clients use:
 *
 * - `thinking_blocks: [{type: "thinking", thinking, signature} | {type: "redacted_thinking", data}]`
 *   (claudine's own, LiteLLM's);
 * - `reasoning_details: [{type: "reasoning.text", text, signature} | {type: "reasoning.encrypted", data}]`
 *   (OpenRouter's);
 * - `reasoning_content` with a sibling `reasoning_signature` or `signature` (one block).
 *
 * The first of these present wins. Unsigned thinking cannot be replayed (the upstream refuses it) and is
 * dropped.
 */
import type {
  AnthropicRedactedThinkingBlockParam,
  AnthropicThinkingBlockParam,
  AnthropicThinkingConfig,
} from '../wire/index.js';
import { MIN_THINKING_BUDGET } from '../models/index.js';
import { describe, fail, field, isObject, type JsonObject } from './check.js';

type SignedBlock = AnthropicThinkingBlockParam | AnthropicRedactedThinkingBlockParam;

/** Anthropic's `thinking` request field, validated; undefined when absent. */
export function parseThinkingConfig(raw: unknown): AnthropicThinkingConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) fail('thinking', `thinking must be an object, got ${describe(raw)}.`);
  const type = field(raw, 'type');
  const display = field(raw, 'display');
  if (display !== undefined && display !== null && display !== 'summarized' && display !== 'omitted')
    fail('thinking.display', 'thinking.display must be "summarized" or "omitted".');
  const shown: { display?: 'summarized' | 'omitted' } =
    display === 'summarized' || display === 'omitted' ? { display } : {};
  if (type === 'disabled') return { type: 'disabled' };
  if (type === 'between_tools') return { type: 'between_tools' };
  if (type === 'adaptive') return { type: 'adaptive', ...shown };
  if (type !== 'enabled')
    fail('thinking.type', 'thinking.type must be "enabled", "disabled", "adaptive" or "between_tools".');
  const budget = field(raw, 'budget_tokens');
  if (typeof budget !== 'number' || !Number.isSafeInteger(budget) || budget < MIN_THINKING_BUDGET) {
    fail(
      'thinking.budget_tokens',
      `thinking.budget_tokens must be an integer of at least ${MIN_THINKING_BUDGET}.`,
    );
  }
  return { type: 'enabled', budget_tokens: budget, ...shown };
}

/** The signed thinking blocks an assistant message carries, under whichever field name its client uses. */
export function thinkingBlocksFromMessage(message: JsonObject, param: string): SignedBlock[] {
  const blocks = field(message, 'thinking_blocks');
  if (blocks !== undefined && blocks !== null) return fromThinkingBlocks(blocks, `${param}.thinking_blocks`);
  const details = field(message, 'reasoning_details');
  if (details !== undefined && details !== null)
    return fromReasoningDetails(details, `${param}.reasoning_details`);
  const text = field(message, 'reasoning_content');
  const signature = field(message, 'reasoning_signature') ?? field(message, 'signature');
  if (typeof text === 'string' && typeof signature === 'string' && signature.length > 0)
    return [{ type: 'thinking', thinking: text, signature }];
  return [];
}

function fromThinkingBlocks(raw: unknown, param: string): SignedBlock[] {
  if (!Array.isArray(raw)) fail(param, `${param} must be an array, got ${describe(raw)}.`);
  const out: SignedBlock[] = [];
  for (let k = 0; k < raw.length; k++) {
    const block: unknown = raw[k];
    const blockParam = `${param}[${k}]`;
    if (!isObject(block)) fail(blockParam, `${blockParam} must be an object, got ${describe(block)}.`);
    const type = field(block, 'type');
    if (type === 'thinking') {
      const thinking = field(block, 'thinking') ?? '';
      const signature = field(block, 'signature');
      if (typeof thinking !== 'string')
        fail(`${blockParam}.thinking`, `${blockParam}.thinking must be a string.`);
      if (typeof signature !== 'string')
        fail(`${blockParam}.signature`, `${blockParam}.signature must be a string.`);
      // The upstream rejects unsigned thinking; a block without a signature cannot be replayed.
      if (signature.length > 0) out.push({ type: 'thinking', thinking, signature });
    } else if (type === 'redacted_thinking') {
      const data = field(block, 'data');
      if (typeof data !== 'string') fail(`${blockParam}.data`, `${blockParam}.data must be a string.`);
      out.push({ type: 'redacted_thinking', data });
    } else {
      fail(`${blockParam}.type`, `${blockParam}.type must be "thinking" or "redacted_thinking".`);
    }
  }
  return out;
}

/** OpenRouter's form; entries of other types (summaries) carry nothing to replay and are skipped. */
function fromReasoningDetails(raw: unknown, param: string): SignedBlock[] {
  if (!Array.isArray(raw)) fail(param, `${param} must be an array, got ${describe(raw)}.`);
  const out: SignedBlock[] = [];
  for (const entry of raw as unknown[]) {
    if (!isObject(entry)) continue;
    const type = field(entry, 'type');
    if (type === 'reasoning.text') {
      const text = field(entry, 'text');
      const signature = field(entry, 'signature');
      if (typeof signature === 'string' && signature.length > 0)
        out.push({ type: 'thinking', thinking: typeof text === 'string' ? text : '', signature });
    } else if (type === 'reasoning.encrypted') {
      const data = field(entry, 'data');
      if (typeof data === 'string' && data.length > 0) out.push({ type: 'redacted_thinking', data });
    }
  }
  return out;
}
