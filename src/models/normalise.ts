/**
 * The normaliser: makes a translated request acceptable to the model it names, driven only by the registry's
 * capabilities (no model names here). Pure; every change it makes is listed in `adjustments`, which the
 * route logs (debug) and returns in the `x-claudine-adjustments` response header.
 *
 * Order, each step seeing the previous one's result:
 * 1. model alias → id; max_tokens defaulted or clamped to the model's output limit;
 * 2. thinking: the client's `thinking` or `reasoning_effort` → a thinking type and effort the model accepts
 *    (budget ladder on budget models; skipped, not refused, when max_tokens leaves no room), display;
 * 3. response_format → native `output_config.format` (schema sanitised), else a forced tool where allowed,
 *    else an instruction;
 * 4. forced tool_choice the model refuses (or refuses with thinking on) → thinking off when the client did not
 *    ask for it and the model allows that, else `auto` plus an instruction (lossy);
 * 5. history: with thinking on, a tool turn without its signed thinking → thinking off (same condition),
 *    else replayed as text (lossy);
 * 6. sampling parameters the model (or anthropic-version 2026-10-21, or thinking) refuses are dropped.
 */
import { ClientError } from '../errors.js';
import type {
  AnthropicEffort,
  AnthropicMessagesRequest,
  AnthropicThinkingConfig,
  AnthropicTool,
  AnthropicToolChoice,
} from '../wire/index.js';
import {
  effortRank,
  nearestEffort,
  type Effort,
  type ModelCapabilities,
  type ThinkingDisplay,
} from './capabilities.js';
import { replayToolTurnsAsText, toolTurnLacksThinking } from './history.js';
import { sanitiseSchema } from './schema.js';

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
export const REASONING_EFFORTS: readonly ReasoningEffort[] = [
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
  'max',
];

export type ResponseFormat =
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name?: string | undefined;
      description?: string | undefined;
      schema?: Record<string, unknown> | undefined;
    };

/** A translated request before the model's rules: max_tokens may be missing (the client set none). */
export type DraftRequest = Omit<AnthropicMessagesRequest, 'max_tokens'> & { max_tokens?: number };

/** What the client asked for that has no direct Anthropic field. */
export interface RequestIntent {
  readonly reasoningEffort?: ReasoningEffort | undefined;
  /** The client's name for its token cap (`max_completion_tokens`, `max_output_tokens`…), for messages. */
  readonly maxTokensParam?: string | undefined;
  readonly responseFormat?: ResponseFormat | undefined;
}

export interface NormaliseOptions {
  /** `translation.thinking_display`: what to ask for when the model thinks. Default summarized. */
  readonly thinkingDisplay?: ThinkingDisplay | undefined;
  /** The anthropic-version header the request goes out with. */
  readonly anthropicVersion?: string | undefined;
  /** max_tokens when the client sets none (clamped to the model's limit). */
  readonly defaultMaxTokens?: number | undefined;
}

export interface Adjustment {
  /** The request field changed, e.g. `temperature`, `thinking`, `tool_choice`. */
  readonly field: string;
  /** What it became, short and header-safe, e.g. `dropped`, `adaptive`, `high`. */
  readonly change: string;
  /** Why, for the debug log. */
  readonly reason: string;
}

export interface NormalisedRequest {
  readonly request: AnthropicMessagesRequest;
  readonly adjustments: readonly Adjustment[];
  /** The forced tool whose input is the JSON answer (response_format without native support), or null. */
  readonly jsonTool: string | null;
  readonly capabilities: ModelCapabilities;
}

/** The tool that carries response_format JSON where native structured outputs are unavailable. */
export const JSON_TOOL_NAME = 'json_response';
export const MIN_THINKING_BUDGET = 1024;
/** Upper bound for the default max_tokens: a normal answer, not a 128K reservation per request. */
export const DEFAULT_MAX_TOKENS_CAP = 64_000;
/** With a passed-through budget and no client cap, this much room is left for the answer. */
export const ANSWER_ROOM = 8192;

/** Budget-thinking ladder (budget models have no effort parameter). */
export const BUDGET_LADDER: ReadonlyMap<Exclude<ReasoningEffort, 'none'>, number> = new Map([
  ['minimal', 1024],
  ['low', 4096],
  ['medium', 8192],
  ['high', 16384],
  ['xhigh', 24576],
  ['max', 32768],
]);

/** Header listing the adjustments (documented in docs/translation.md). */
export const ADJUSTMENTS_HEADER = 'x-claudine-adjustments';

/** `temperature=dropped, thinking=adaptive` — ASCII only, so it is always a valid header value. */
export function adjustmentsHeader(adjustments: readonly Adjustment[]): string {
  return adjustments
    .map((a) => `${a.field}=${a.change}`)
    .join(', ')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** Sent after a final assistant turn to a model that takes no prefill. */
export const CONTINUE_INSTRUCTION = 'Continue from where your last message ends.';

const JSON_OBJECT_INSTRUCTION =
  'Respond with a single JSON object and nothing else: no prose, no Markdown code fences.';

function jsonSchemaInstruction(schema: Record<string, unknown>): string {
  return `${JSON_OBJECT_INSTRUCTION} The object must match this JSON schema: ${JSON.stringify(schema)}`;
}

function toEffort(effort: Exclude<ReasoningEffort, 'none'>): Effort {
  return effort === 'minimal' ? 'low' : effort;
}

/** The closest effort level to a token budget (for a budget sent to a model that only thinks adaptively). */
function effortForBudget(budget: number): Effort {
  if (budget <= 4096) return 'low';
  if (budget <= 8192) return 'medium';
  if (budget <= 16384) return 'high';
  if (budget <= 24576) return 'xhigh';
  return 'max';
}

interface Plan {
  thinking: AnthropicThinkingConfig | undefined;
  effort: Effort | undefined;
  /** The model will think. */
  on: boolean;
  /** The client asked for reasoning (so it is never turned off behind its back). */
  asked: boolean;
  maxTokens: number;
}

/** How to turn thinking off on this model: the config and effort to send, or null when it cannot be. */
function offSwitch(
  caps: ModelCapabilities,
): { thinking: AnthropicThinkingConfig | undefined; effort: Effort | undefined } | null {
  const t = caps.thinking;
  if (!t.onByDefault) return { thinking: undefined, effort: undefined };
  const thinking: AnthropicThinkingConfig | null = t.disabled
    ? { type: 'disabled' }
    : t.betweenTools
      ? { type: 'between_tools' }
      : null;
  if (thinking === null) return null;
  // Off is allowed only at an effort at or below the limit: say so when the default may be above it.
  const limit = t.offUpToEffort;
  const needsEffort =
    limit !== undefined &&
    caps.effortLevels.includes(limit) &&
    (caps.defaultEffort === undefined || effortRank(caps.defaultEffort) > effortRank(limit));
  return { thinking, effort: needsEffort ? limit : undefined };
}

type Note = (field: string, change: string, reason: string) => void;

function budgetPlan(
  wanted: number,
  maxTokens: number,
  caps: ModelCapabilities,
  note: Note,
  base: Omit<Plan, 'thinking' | 'on' | 'effort'>,
): Plan {
  if (maxTokens <= MIN_THINKING_BUDGET) {
    note(
      'thinking',
      'skipped',
      `max_tokens ${maxTokens} leaves no room for the minimum thinking budget of ${MIN_THINKING_BUDGET}`,
    );
    return { ...base, thinking: undefined, effort: undefined, on: caps.thinking.onByDefault };
  }
  // Leave room for the answer where possible, never going below the minimum budget; always < max_tokens.
  const budget = Math.max(MIN_THINKING_BUDGET, Math.min(wanted, maxTokens - MIN_THINKING_BUDGET));
  return { ...base, thinking: { type: 'enabled', budget_tokens: budget }, effort: undefined, on: true };
}

function planThinking(
  draft: DraftRequest,
  intent: RequestIntent,
  caps: ModelCapabilities,
  maxTokens: number,
  explicitMax: boolean,
  note: Note,
): Plan {
  const t = caps.thinking;
  const passthrough = draft.thinking;
  const off = (reason: string): Plan => {
    const sw = offSwitch(caps);
    if (sw === null) {
      // The model always thinks: the nearest is its lightest thinking.
      const effort = nearestEffort('low', caps.effortLevels);
      note(
        'thinking',
        'kept',
        `${reason}, but the model always thinks${effort !== undefined ? '; effort low' : ''}`,
      );
      return { thinking: undefined, effort, on: true, asked: false, maxTokens };
    }
    if (sw.thinking !== undefined) note('thinking', sw.thinking.type, reason);
    if (sw.effort !== undefined)
      note('output_config.effort', sw.effort, 'thinking can be off only at this effort or lower');
    return { thinking: sw.thinking, effort: sw.effort, on: false, asked: false, maxTokens };
  };

  if (passthrough !== undefined) {
    switch (passthrough.type) {
      case 'disabled':
      case 'between_tools': {
        const accepted = passthrough.type === 'disabled' ? t.disabled : t.betweenTools;
        if (accepted || !t.onByDefault) {
          if (!accepted)
            return { thinking: undefined, effort: undefined, on: false, asked: false, maxTokens };
          const sw = offSwitch(caps);
          if (sw?.effort !== undefined)
            note('output_config.effort', sw.effort, 'thinking can be off only at this effort or lower');
          return {
            thinking: passthrough,
            effort: sw?.effort,
            on: passthrough.type === 'between_tools',
            asked: false,
            maxTokens,
          };
        }
        return off(`thinking.type ${passthrough.type} is refused by the model`);
      }
      case 'enabled': {
        const budget = passthrough.budget_tokens;
        if (t.enabled) {
          if (explicitMax) {
            if (budget >= maxTokens) {
              const param = intent.maxTokensParam ?? 'max_tokens';
              throw new ClientError(
                `thinking.budget_tokens must be less than ${param} (${maxTokens}).`,
                400,
                'invalid_request',
                'thinking.budget_tokens',
              );
            }
            return { thinking: passthrough, effort: undefined, on: true, asked: true, maxTokens };
          }
          if (budget >= caps.maxOutputTokens) {
            throw new ClientError(
              `thinking.budget_tokens must be less than the model's output limit (${caps.maxOutputTokens}).`,
              400,
              'invalid_request',
              'thinking.budget_tokens',
            );
          }
          const roomy = budget < maxTokens ? maxTokens : Math.min(budget + ANSWER_ROOM, caps.maxOutputTokens);
          return { thinking: passthrough, effort: undefined, on: true, asked: true, maxTokens: roomy };
        }
        if (t.adaptive) {
          const effort = nearestEffort(effortForBudget(budget), caps.effortLevels);
          note(
            'thinking',
            'adaptive',
            'the model refuses budget_tokens; the budget became the nearest effort',
          );
          return { thinking: { type: 'adaptive' }, effort, on: true, asked: true, maxTokens };
        }
        note('thinking', 'dropped', 'the model does not think');
        return { thinking: undefined, effort: undefined, on: false, asked: false, maxTokens };
      }
      case 'adaptive': {
        if (t.adaptive) return { thinking: passthrough, effort: undefined, on: true, asked: true, maxTokens };
        if (t.enabled) {
          note('thinking', 'enabled', 'the model refuses adaptive thinking; a medium budget instead');
          return budgetPlan(BUDGET_LADDER.get('medium') ?? 8192, maxTokens, caps, note, {
            asked: true,
            maxTokens,
          });
        }
        note('thinking', 'dropped', 'the model does not think');
        return { thinking: undefined, effort: undefined, on: false, asked: false, maxTokens };
      }
    }
  }

  const wanted = intent.reasoningEffort;
  if (wanted === undefined)
    return { thinking: undefined, effort: undefined, on: t.onByDefault, asked: false, maxTokens };
  if (wanted === 'none') {
    if (!t.onByDefault) return { thinking: undefined, effort: undefined, on: false, asked: false, maxTokens };
    return off('reasoning_effort none');
  }
  if (t.adaptive) {
    const target = toEffort(wanted);
    const effort = nearestEffort(target, caps.effortLevels);
    if (effort !== undefined && effort !== target)
      note('output_config.effort', effort, `the model has no effort ${target}`);
    if (effort === undefined)
      note('reasoning_effort', 'adaptive', 'the model has no effort levels; it thinks adaptively');
    return { thinking: { type: 'adaptive' }, effort, on: true, asked: true, maxTokens };
  }
  if (t.enabled)
    return budgetPlan(BUDGET_LADDER.get(wanted) ?? 8192, maxTokens, caps, note, { asked: true, maxTokens });
  note('reasoning_effort', 'ignored', 'the model does not think');
  return { thinking: undefined, effort: undefined, on: false, asked: false, maxTokens };
}

function appendSystem(request: AnthropicMessagesRequest, text: string): void {
  (request.system ??= []).push({ type: 'text', text });
}

function forcedAllowed(caps: ModelCapabilities, on: boolean): boolean {
  return caps.forcedToolChoice === 'always' || (caps.forcedToolChoice === 'thinking-off' && !on);
}

export function normalise(
  draft: DraftRequest,
  intent: RequestIntent,
  caps: ModelCapabilities,
  options: NormaliseOptions = {},
): NormalisedRequest {
  const adjustments: Adjustment[] = [];
  const note: Note = (field, change, reason) => adjustments.push({ field, change, reason });
  const { max_tokens: clientMax, thinking: _clientThinking, ...rest } = draft;
  const request: AnthropicMessagesRequest = { ...rest, max_tokens: 0 };
  if (caps.id !== draft.model) {
    request.model = caps.id;
    note('model', caps.id, `"${draft.model}" names ${caps.id}`);
  }

  // 1. max_tokens
  let maxTokens: number;
  if (clientMax !== undefined) {
    maxTokens = clientMax;
    if (clientMax > caps.maxOutputTokens) {
      maxTokens = caps.maxOutputTokens;
      note('max_tokens', String(maxTokens), `above the model's output limit of ${caps.maxOutputTokens}`);
    }
  } else {
    maxTokens = Math.min(options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS_CAP, caps.maxOutputTokens);
  }

  // 2. thinking
  const plan = planThinking(draft, intent, caps, maxTokens, clientMax !== undefined, note);
  request.max_tokens = plan.maxTokens;
  const turnOffDefaultThinking = (reason: string): boolean => {
    if (!plan.on || plan.asked) return false;
    const sw = offSwitch(caps);
    if (sw === null || sw.thinking?.type === 'between_tools') return false;
    plan.thinking = sw.thinking;
    plan.effort = sw.effort ?? plan.effort;
    plan.on = false;
    note('thinking', sw.thinking?.type ?? 'off', reason);
    if (sw.effort !== undefined)
      note('output_config.effort', sw.effort, 'thinking can be off only at this effort or lower');
    return true;
  };

  // 3. response_format
  let jsonTool: string | null = null;
  let format: Record<string, unknown> | undefined;
  const rf = intent.responseFormat;
  if (rf !== undefined) {
    if (request.tools?.some((tool) => tool.name === JSON_TOOL_NAME) === true) {
      throw new ClientError(
        `response_format cannot be combined with a tool named "${JSON_TOOL_NAME}".`,
        400,
        'invalid_request',
        'response_format',
      );
    }
    const schema = rf.type === 'json_schema' ? rf.schema : undefined;
    const sanitised = schema !== undefined && caps.structuredOutputs ? sanitiseSchema(schema) : null;
    if (sanitised !== null && !sanitised.recursive) {
      format = sanitised.schema;
      if (sanitised.addedAdditionalProperties)
        note('response_format.schema', 'additionalProperties=false', 'required by native structured outputs');
      if (sanitised.removed.length > 0)
        note(
          'response_format.schema',
          `removed ${sanitised.removed.join('+')}`,
          'keywords native structured outputs refuse (kept in descriptions)',
        );
    } else {
      const canForce =
        forcedAllowed(caps, plan.on) ||
        (caps.forcedToolChoice === 'thinking-off' &&
          turnOffDefaultThinking(
            'response_format needs a forced tool, which the model allows only with thinking off',
          ));
      if (canForce) {
        jsonTool = JSON_TOOL_NAME;
        const tool: AnthropicTool = {
          name: JSON_TOOL_NAME,
          description:
            rf.type === 'json_schema'
              ? (rf.description ??
                `Respond with your final answer as JSON matching the ${rf.name ?? 'given'} schema.`)
              : 'Respond with your final answer as a JSON object.',
          input_schema:
            schema !== undefined
              ? { ...schema, type: 'object' }
              : { type: 'object', additionalProperties: true },
        };
        const hadTools = request.tools !== undefined;
        const choice = request.tool_choice;
        request.tools = [...(request.tools ?? []), tool];
        // Without client tools the JSON tool is forced; with them the model must answer through some tool.
        const parallel =
          choice !== undefined && choice.type !== 'none' && choice.disable_parallel_tool_use === true
            ? { disable_parallel_tool_use: true }
            : {};
        request.tool_choice =
          !hadTools || choice?.type === 'none'
            ? { type: 'tool', name: JSON_TOOL_NAME, ...parallel }
            : choice?.type === 'tool'
              ? choice
              : { type: 'any', ...parallel };
        note(
          'response_format',
          'tool',
          rf.type === 'json_schema' && caps.structuredOutputs
            ? 'a recursive schema cannot be a native format'
            : 'no native structured outputs on this model',
        );
      } else {
        appendSystem(request, schema !== undefined ? jsonSchemaInstruction(schema) : JSON_OBJECT_INSTRUCTION);
        note(
          'response_format',
          'instruction',
          rf.type === 'json_object'
            ? 'a native format cannot express "any object" (every object needs additionalProperties false) and the model refuses forced tools here'
            : 'neither a native format nor a forced tool is accepted here',
        );
      }
    }
  }

  // 4. forced tool_choice
  const choice = request.tool_choice;
  if (
    choice !== undefined &&
    (choice.type === 'any' || choice.type === 'tool') &&
    !forcedAllowed(caps, plan.on)
  ) {
    const off =
      caps.forcedToolChoice === 'thinking-off' &&
      turnOffDefaultThinking('tool_choice forces a tool, which the model allows only with thinking off');
    if (!off) {
      const auto: AnthropicToolChoice =
        choice.disable_parallel_tool_use === true
          ? { type: 'auto', disable_parallel_tool_use: true }
          : { type: 'auto' };
      request.tool_choice = auto;
      if (choice.type === 'tool') {
        if (choice.name === JSON_TOOL_NAME) {
          appendSystem(request, `Give your final answer by calling the ${JSON_TOOL_NAME} tool exactly once.`);
        } else {
          appendSystem(request, `Call the ${choice.name} tool now.`);
          narrowTools(request, choice.name);
        }
      } else {
        appendSystem(request, 'Answer by calling one of the provided tools.');
      }
      note(
        'tool_choice',
        'auto',
        caps.forcedToolChoice === 'never'
          ? 'the model refuses forced tool_choice; an instruction instead'
          : 'forced tool_choice is refused with thinking on; an instruction instead',
      );
    }
  }

  // 5. history without signed thinking
  if (plan.on && toolTurnLacksThinking(request.messages)) {
    if (!turnOffDefaultThinking('the last tool call has no signed thinking to send back')) {
      const n = replayToolTurnsAsText(request.messages);
      note(
        'messages',
        `${n} tool turn(s) as text`,
        'signed thinking for the tool calls is unavailable (cache expired, restart, or another model)',
      );
    }
  }

  // A final assistant turn is a prefill, which the newer models refuse: the nearest is to let the model
  // carry on from it (lossy: the model writes a new message instead of completing that one).
  if (request.messages.at(-1)?.role === 'assistant' && !caps.prefill) {
    request.messages.push({ role: 'user', content: [{ type: 'text', text: CONTINUE_INSTRUCTION }] });
    note('messages', 'user turn added', 'the model does not take a final assistant turn (prefill)');
  }

  // Display: reasoning is visible unless configured otherwise.
  const display = options.thinkingDisplay ?? 'summarized';
  if (plan.on && display !== caps.thinking.defaultDisplay) {
    if (plan.thinking?.type === 'adaptive' || plan.thinking?.type === 'enabled') {
      if (plan.thinking.display === undefined) {
        plan.thinking = { ...plan.thinking, display };
        note('thinking.display', display, 'translation.thinking_display');
      }
    } else if (plan.thinking === undefined && caps.thinking.adaptive) {
      plan.thinking = { type: 'adaptive', display };
      note('thinking.display', display, 'translation.thinking_display (the model thinks by default)');
    }
  }
  if (plan.thinking !== undefined) request.thinking = plan.thinking;
  const outputConfig: {
    effort?: AnthropicEffort;
    format?: { type: 'json_schema'; schema: Record<string, unknown> };
  } = {};
  if (plan.effort !== undefined) outputConfig.effort = plan.effort;
  if (format !== undefined) outputConfig.format = { type: 'json_schema', schema: format };
  if (outputConfig.effort !== undefined || outputConfig.format !== undefined)
    request.output_config = outputConfig;

  // 6. sampling
  const version2026 = options.anthropicVersion === '2026-10-21';
  const dropSampling = (reason: string): void => {
    if (request.temperature !== undefined) {
      delete request.temperature;
      note('temperature', 'dropped', reason);
    }
    if (request.top_p !== undefined) {
      delete request.top_p;
      note('top_p', 'dropped', reason);
    }
  };
  if (version2026) dropSampling('anthropic-version 2026-10-21 has no sampling parameters');
  else if (caps.sampling === 'none') dropSampling('the model refuses sampling parameters');
  else if (plan.on) dropSampling('sampling parameters are refused with thinking on');
  else if (caps.sampling === 'one' && request.temperature !== undefined && request.top_p !== undefined) {
    delete request.top_p;
    note('top_p', 'dropped', 'the model accepts temperature or top_p, not both; temperature kept');
  }

  return { request, adjustments, jsonTool, capabilities: caps };
}

/** Offers only the named tool, unless the history calls others (a tool_use must name an offered tool). */
function narrowTools(request: AnthropicMessagesRequest, name: string): void {
  const tools = request.tools;
  if (tools === undefined || tools.length < 2) return;
  const used = new Set<string>();
  for (const turn of request.messages)
    for (const block of turn.content) if (block.type === 'tool_use') used.add(block.name);
  if ([...used].some((u) => u !== name)) return;
  request.tools = tools.filter((tool) => tool.name === name);
}
