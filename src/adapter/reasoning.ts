/**
 * Reasoning: `reasoning_effort` (or Anthropic's own `thinking`, passed through) → extended thinking, with the
 * constraints the upstream enforces applied here so a valid OpenAI request never becomes an invalid one:
 *
 * - budget_tokens >= 1024 and budget_tokens < max_tokens (OpenAI's max_completion_tokens also counts
 *   reasoning tokens, so it maps onto Anthropic's max_tokens, which includes the budget);
 * - with thinking on, temperature is dropped (only 1 is allowed) and top_p is raised to at least 0.95;
 * - with thinking on, tool_choice may only be auto or none: "required"/named become auto (lossy, documented).
 *
 * Thinking blocks travel back to the client as `thinking_blocks` on the assistant message and come back the
 * same way, so a signed block reaches the upstream again in multi-turn tool use.
 */
import type {
  AnthropicEffort,
  AnthropicRedactedThinkingBlockParam,
  AnthropicThinkingBlockParam,
  AnthropicThinkingConfig,
} from '../wire/index.js';
import { describe, fail, field, isObject, type JsonObject } from './check.js';

export const MIN_THINKING_BUDGET = 1024;

/** Budgets per OpenAI effort level; "none" turns thinking off. */
export const EFFORT_BUDGETS: ReadonlyMap<string, number> = new Map([
  ['minimal', 1024],
  ['low', 4096],
  ['medium', 8192],
  ['high', 16384],
]);

/**
 * Models that think adaptively (Opus/Sonnet 4.6 and later, the 5 families, Mythos): some of them refuse
 * `budget_tokens` outright, and on the others it is deprecated, so `reasoning_effort` becomes
 * `thinking: {type: 'adaptive'}` with `output_config.effort` there.
 */
export function thinksAdaptively(model: string): boolean {
  return /^claude-(?:(?:opus|sonnet)-4-[6-9]|[a-z]+-[5-9](?:$|[-.])|mythos)/.test(model);
}

/** OpenAI effort levels → Anthropic's; OpenAI's "minimal" has no Anthropic equivalent below "low". */
const ADAPTIVE_EFFORTS: ReadonlyMap<string, AnthropicEffort> = new Map([
  ['minimal', 'low'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['xhigh', 'xhigh'],
]);

/** When a passed-through budget does not fit the default max_tokens, this much room is left for the answer. */
export const ANSWER_ROOM = 8192;

export interface ThinkingPlan {
  thinking: AnthropicThinkingConfig | undefined;
  maxTokens: number;
  /** Set for adaptive thinking from reasoning_effort. */
  effort?: AnthropicEffort;
}

/**
 * @param explicitMax the client's max_completion_tokens/max_tokens, if any, and the name it came under
 * @param defaultMax the per-model default used when the client named none
 */
export function planThinking(
  body: JsonObject,
  explicitMax: { value: number; param: string } | undefined,
  defaultMax: number,
  model = '',
): ThinkingPlan {
  const passthrough = field(body, 'thinking');
  if (passthrough !== undefined && passthrough !== null)
    return passThrough(passthrough, explicitMax, defaultMax);

  const effort = field(body, 'reasoning_effort');
  const maxTokens = explicitMax?.value ?? defaultMax;
  if (effort === undefined || effort === null || effort === 'none') return { thinking: undefined, maxTokens };
  if (thinksAdaptively(model)) {
    const adaptive = typeof effort === 'string' ? ADAPTIVE_EFFORTS.get(effort) : undefined;
    if (adaptive === undefined) {
      fail(
        'reasoning_effort',
        'reasoning_effort must be one of "none", "minimal", "low", "medium", "high", "xhigh".',
      );
    }
    return { thinking: { type: 'adaptive' }, maxTokens, effort: adaptive };
  }
  const wanted = typeof effort === 'string' ? EFFORT_BUDGETS.get(effort) : undefined;
  if (wanted === undefined) {
    fail('reasoning_effort', 'reasoning_effort must be one of "none", "minimal", "low", "medium", "high".');
  }
  if (maxTokens <= MIN_THINKING_BUDGET) {
    fail(
      explicitMax?.param ?? 'max_completion_tokens',
      `${explicitMax?.param ?? 'max_completion_tokens'} must be greater than ${MIN_THINKING_BUDGET} when reasoning_effort is set (the reasoning budget counts towards it).`,
    );
  }
  // Leave at least 1024 tokens for the answer where possible, never going below the minimum budget.
  const budget = Math.max(MIN_THINKING_BUDGET, Math.min(wanted, maxTokens - MIN_THINKING_BUDGET));
  return { thinking: { type: 'enabled', budget_tokens: budget }, maxTokens };
}

function passThrough(
  raw: unknown,
  explicitMax: { value: number; param: string } | undefined,
  defaultMax: number,
): ThinkingPlan {
  if (!isObject(raw)) fail('thinking', `thinking must be an object, got ${describe(raw)}.`);
  const type = field(raw, 'type');
  const maxTokens = explicitMax?.value ?? defaultMax;
  if (type === 'disabled') return { thinking: { type: 'disabled' }, maxTokens };
  if (type === 'adaptive') return { thinking: { type: 'adaptive' }, maxTokens };
  if (type !== 'enabled') fail('thinking.type', 'thinking.type must be "enabled", "disabled" or "adaptive".');
  const budget = field(raw, 'budget_tokens');
  if (typeof budget !== 'number' || !Number.isSafeInteger(budget) || budget < MIN_THINKING_BUDGET) {
    fail(
      'thinking.budget_tokens',
      `thinking.budget_tokens must be an integer of at least ${MIN_THINKING_BUDGET}.`,
    );
  }
  if (explicitMax !== undefined) {
    if (budget >= explicitMax.value) {
      fail(
        'thinking.budget_tokens',
        `thinking.budget_tokens must be less than ${explicitMax.param} (${explicitMax.value}).`,
      );
    }
    return { thinking: { type: 'enabled', budget_tokens: budget }, maxTokens };
  }
  return {
    thinking: { type: 'enabled', budget_tokens: budget },
    maxTokens: budget < defaultMax ? defaultMax : budget + ANSWER_ROOM,
  };
}

export function thinkingIsOn(thinking: AnthropicThinkingConfig | undefined): boolean {
  return thinking !== undefined && thinking.type !== 'disabled';
}

/** An assistant message's `thinking_blocks` (claudine's carrier) → the upstream's signed blocks. */
export function thinkingBlocksFromMessage(
  raw: unknown,
  param: string,
): (AnthropicThinkingBlockParam | AnthropicRedactedThinkingBlockParam)[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail(param, `${param} must be an array, got ${describe(raw)}.`);
  const out: (AnthropicThinkingBlockParam | AnthropicRedactedThinkingBlockParam)[] = [];
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
