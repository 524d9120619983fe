/**
 * What the UPSTREAM (Anthropic's Messages API) enforces, per model: the simulator's one rules table.
 *
 * This describes the real API's behaviour so the simulator can refuse what the real API refuses. It is NOT
 * the proxy's own capability registry (src/models/ owns that); a test compares the two.
 *
 * Source for every row unless the row says otherwise: /work/shared/claude-models.md ("Current Claude models
 * and the rules the Messages API enforces (late 2026)"), gathered from Anthropic's documentation pages, the
 * official SDK type definitions and peer gateways' issue threads. Rows marked "uncertain" follow the stricter
 * reading, so a proxy that passes against the simulator also passes against the real API.
 */

export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
export const ALL_EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

export type ThinkingDisplay = 'summarized' | 'omitted';

export interface ModelRule {
  readonly id: string;
  /** Other ids the API accepts for the same model (dated ids). */
  readonly aliases: readonly string[];
  readonly displayName: string;
  readonly createdAt: string;
  readonly contextWindow: number;
  readonly maxOutput: number;
  readonly thinking: {
    /** `{type: "adaptive"}` accepted. */
    readonly adaptive: boolean;
    /** `{type: "enabled", budget_tokens}` accepted. */
    readonly budget: boolean;
    /**
     * `{type: "disabled"}`: allowed, refused, or allowed only when the effort is at most `high`.
     */
    readonly disable: 'allowed' | 'refused' | 'effort-at-most-high';
    /** Thinks when the request says nothing about thinking. */
    readonly onByDefault: boolean;
    /** `{type: "between_tools"}` (up-front thinking off) accepted, at effort `high` or lower. */
    readonly betweenTools: boolean;
  };
  /** Effort levels accepted in `output_config.effort`; null: the model takes no effort at all. */
  readonly effortLevels: readonly Effort[] | null;
  readonly defaultEffort: Effort | null;
  /**
   * `refused`: any of temperature/top_p/top_k → 400 (4.7+); `not-both`: temperature and top_p together → 400.
   */
  readonly sampling: 'refused' | 'not-both';
  /** Forced tool_choice (`any` / `tool`): always refused, or refused only while thinking is on. */
  readonly forcedToolChoice: 'refused' | 'thinking-off';
  readonly defaultDisplay: ThinkingDisplay;
  /** A conversation may end with an assistant turn (prefill). */
  readonly prefill: boolean;
  /** Thinking signatures are bound to the conversation, not only the model. */
  readonly signatureBoundToConversation: boolean;
  /** Minimum cacheable prefix, in tokens. */
  readonly cacheMinimum: number;
  /** `GET /v1/models` capability flags beyond thinking/effort. */
  readonly structuredOutputs: boolean;
  /** Where the row comes from. */
  readonly source: string;
}

const SOURCE = 'claude-models.md, table "The models"';
const FIVE_FIVE = {
  contextWindow: 1_000_000,
  maxOutput: 128_000,
  sampling: 'refused',
  forcedToolChoice: 'refused',
  defaultDisplay: 'omitted',
  prefill: false,
  signatureBoundToConversation: true,
  cacheMinimum: 512,
  structuredOutputs: true,
} as const;

const PREVIEW =
  'claude-models.md, "Invite-only and preview models (Mythos 5.x, Fable 5.2) follow the 5.5 rules"';

/** Newest first, which is also the order of `GET /v1/models`. */
export const MODEL_RULES: readonly ModelRule[] = [
  ...(
    [
      ['claude-fable-5-2', 'Claude Fable 5.2 (preview)', '2026-11-10T00:00:00Z'],
      ['claude-mythos-5-2', 'Claude Mythos 5.2 (preview)', '2026-11-03T00:00:00Z'],
      ['claude-mythos-5-1', 'Claude Mythos 5.1 (preview)', '2026-10-01T00:00:00Z'],
    ] as const
  ).map(([id, displayName, createdAt]): ModelRule => ({
    id,
    aliases: [],
    displayName,
    createdAt,
    ...FIVE_FIVE,
    thinking: { adaptive: true, budget: false, disable: 'refused', onByDefault: true, betweenTools: false },
    effortLevels: ALL_EFFORTS,
    // Not documented for previews; the simulator needs one to answer with.
    defaultEffort: 'high',
    source: `${PREVIEW} (ids as the SDK's Model type names them; dates invented for ordering)`,
  })),
  {
    id: 'claude-fable-5-1',
    aliases: [],
    displayName: 'Claude Fable 5.1',
    createdAt: '2026-09-15T00:00:00Z',
    ...FIVE_FIVE,
    thinking: { adaptive: true, budget: false, disable: 'refused', onByDefault: true, betweenTools: false },
    effortLevels: ALL_EFFORTS,
    defaultEffort: 'high',
    source: `${SOURCE}, row claude-fable-5-1 (5.5 rules; cache minimum 512 for 5.x)`,
  },
  {
    id: 'claude-opus-5-5',
    aliases: [],
    displayName: 'Claude Opus 5.5',
    createdAt: '2026-08-20T00:00:00Z',
    ...FIVE_FIVE,
    thinking: { adaptive: true, budget: false, disable: 'refused', onByDefault: true, betweenTools: false },
    effortLevels: ALL_EFFORTS,
    defaultEffort: 'medium',
    source: `${SOURCE}, row claude-opus-5-5`,
  },
  {
    id: 'claude-sonnet-5-5',
    aliases: [],
    displayName: 'Claude Sonnet 5.5',
    createdAt: '2026-08-20T00:00:00Z',
    ...FIVE_FIVE,
    thinking: { adaptive: true, budget: false, disable: 'refused', onByDefault: true, betweenTools: true },
    effortLevels: ALL_EFFORTS,
    defaultEffort: 'high',
    source: `${SOURCE}, row claude-sonnet-5-5 (sampling: uncertain, stricter reading taken)`,
  },
  {
    id: 'claude-haiku-5-5',
    aliases: [],
    displayName: 'Claude Haiku 5.5',
    createdAt: '2026-08-20T00:00:00Z',
    ...FIVE_FIVE,
    forcedToolChoice: 'thinking-off',
    thinking: {
      adaptive: true,
      budget: false,
      disable: 'effort-at-most-high',
      onByDefault: true,
      betweenTools: false,
    },
    effortLevels: ALL_EFFORTS,
    defaultEffort: 'medium',
    source: `${SOURCE}, row claude-haiku-5-5`,
  },
  {
    id: 'claude-opus-5',
    aliases: [],
    displayName: 'Claude Opus 5',
    createdAt: '2026-05-14T00:00:00Z',
    ...FIVE_FIVE,
    forcedToolChoice: 'thinking-off',
    signatureBoundToConversation: false,
    thinking: {
      adaptive: true,
      budget: false,
      disable: 'effort-at-most-high',
      onByDefault: true,
      betweenTools: false,
    },
    effortLevels: ALL_EFFORTS,
    defaultEffort: 'high',
    source: `${SOURCE}, row claude-opus-5 (budget thinking: not listed, treated as removed like 4.7)`,
  },
  ...(['claude-opus-4-8', 'claude-opus-4-7'] as const).map((id): ModelRule => ({
    id,
    aliases: [],
    displayName: id === 'claude-opus-4-8' ? 'Claude Opus 4.8' : 'Claude Opus 4.7',
    createdAt: id === 'claude-opus-4-8' ? '2026-03-10T00:00:00Z' : '2026-01-20T00:00:00Z',
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    // `disabled` is uncertain: the stricter reading (refused) — a proxy never needs to send it.
    thinking: { adaptive: true, budget: false, disable: 'refused', onByDefault: false, betweenTools: false },
    effortLevels: ALL_EFFORTS,
    defaultEffort: 'high',
    sampling: 'refused',
    forcedToolChoice: 'thinking-off',
    defaultDisplay: 'omitted',
    prefill: false,
    signatureBoundToConversation: false,
    cacheMinimum: 2048,
    structuredOutputs: true,
    source: `${SOURCE}, row claude-opus-4-7 (and 4-8); cache minimum 2048 (Opus 4.7)`,
  })),
  {
    id: 'claude-opus-4-6',
    aliases: [],
    displayName: 'Claude Opus 4.6',
    createdAt: '2025-11-24T00:00:00Z',
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    thinking: { adaptive: true, budget: true, disable: 'allowed', onByDefault: false, betweenTools: false },
    effortLevels: ['low', 'medium', 'high', 'max'],
    defaultEffort: 'high',
    sampling: 'not-both',
    forcedToolChoice: 'thinking-off',
    defaultDisplay: 'summarized',
    prefill: false,
    signatureBoundToConversation: false,
    cacheMinimum: 4096,
    structuredOutputs: true,
    source: `${SOURCE}, row claude-opus-4-6; no xhigh (Rules: effort)`,
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: [],
    displayName: 'Claude Sonnet 4.6',
    createdAt: '2025-11-24T00:00:00Z',
    contextWindow: 1_000_000,
    maxOutput: 64_000,
    thinking: { adaptive: true, budget: true, disable: 'allowed', onByDefault: false, betweenTools: false },
    effortLevels: ['low', 'medium', 'high', 'max'],
    defaultEffort: 'high',
    sampling: 'not-both',
    forcedToolChoice: 'thinking-off',
    defaultDisplay: 'summarized',
    prefill: false,
    signatureBoundToConversation: false,
    cacheMinimum: 1024,
    structuredOutputs: true,
    source: `${SOURCE}, row claude-sonnet-4-6; cache minimum 1024 (Sonnet 4.x)`,
  },
  {
    id: 'claude-sonnet-4-5',
    aliases: ['claude-sonnet-4-5-20250929'],
    displayName: 'Claude Sonnet 4.5',
    createdAt: '2025-09-29T00:00:00Z',
    contextWindow: 200_000,
    maxOutput: 64_000,
    thinking: { adaptive: false, budget: true, disable: 'allowed', onByDefault: false, betweenTools: false },
    effortLevels: null,
    defaultEffort: null,
    sampling: 'not-both',
    forcedToolChoice: 'thinking-off',
    defaultDisplay: 'summarized',
    prefill: true,
    signatureBoundToConversation: false,
    cacheMinimum: 1024,
    structuredOutputs: true,
    source: `${SOURCE}, row claude-sonnet-4-5; prefill allowed before 4.6 (Rules: prefill)`,
  },
  {
    id: 'claude-haiku-4-5',
    aliases: ['claude-haiku-4-5-20251001'],
    displayName: 'Claude Haiku 4.5',
    createdAt: '2025-10-01T00:00:00Z',
    contextWindow: 200_000,
    maxOutput: 64_000,
    thinking: { adaptive: false, budget: true, disable: 'allowed', onByDefault: false, betweenTools: false },
    effortLevels: null,
    defaultEffort: null,
    sampling: 'not-both',
    forcedToolChoice: 'thinking-off',
    defaultDisplay: 'summarized',
    prefill: true,
    signatureBoundToConversation: false,
    cacheMinimum: 4096,
    structuredOutputs: true,
    source: `${SOURCE}, row claude-haiku-4-5; cache minimum 4096 (Haiku 4.5)`,
  },
  {
    id: 'claude-opus-4-5',
    aliases: ['claude-opus-4-5-20251101'],
    displayName: 'Claude Opus 4.5',
    createdAt: '2025-11-01T00:00:00Z',
    contextWindow: 200_000,
    maxOutput: 64_000,
    thinking: { adaptive: false, budget: true, disable: 'allowed', onByDefault: false, betweenTools: false },
    effortLevels: null,
    defaultEffort: null,
    sampling: 'not-both',
    forcedToolChoice: 'thinking-off',
    defaultDisplay: 'summarized',
    prefill: true,
    signatureBoundToConversation: false,
    cacheMinimum: 4096,
    structuredOutputs: true,
    source:
      'ids from @anthropic-ai/sdk `Model`; rules as the 4.5 row of claude-models.md (uncertain); cache minimum 4096 (Opus 4.5)',
  },
];

const BY_ID = new Map<string, ModelRule>();
for (const rule of MODEL_RULES) {
  BY_ID.set(rule.id, rule);
  for (const alias of rule.aliases) BY_ID.set(alias, rule);
}

/** The rule for a model id as the API accepts it (exact id or dated alias); undefined → 404. */
export function modelRule(id: string): ModelRule | undefined {
  return BY_ID.get(id);
}

/** Rules that hold for every model (claude-models.md, "Rules that hold for every model"). */
export const GLOBAL_RULES = {
  minBudgetTokens: 1024,
  maxCacheBreakpoints: 4,
  toolNamePattern: /^[a-zA-Z0-9_-]{1,128}$/,
  toolIdPattern: /^[a-zA-Z0-9_-]+$/,
  anthropicVersions: ['2023-06-01', '2026-10-21'] as const,
  /** The version that removes temperature/top_p/top_k for every model, even at default values. */
  strictVersion: '2026-10-21',
} as const;

/** `GET /v1/models` capability object for a rule, shaped like the real list. */
export function capabilitiesOf(rule: ModelRule): Record<string, unknown> {
  const thinkingTypes: string[] = [];
  if (rule.thinking.adaptive) thinkingTypes.push('adaptive');
  if (rule.thinking.budget) thinkingTypes.push('enabled');
  if (rule.thinking.disable !== 'refused') thinkingTypes.push('disabled');
  if (rule.thinking.betweenTools) thinkingTypes.push('between_tools');
  return {
    batch: { supported: true },
    citations: { supported: true },
    code_execution: { supported: true },
    context_management: { supported: true },
    effort:
      rule.effortLevels === null
        ? { supported: false }
        : { supported: true, levels: [...rule.effortLevels], default: rule.defaultEffort },
    image_input: { supported: true },
    pdf_input: { supported: true },
    structured_outputs: { supported: rule.structuredOutputs },
    thinking: {
      supported: true,
      types: thinkingTypes,
      default_display: rule.defaultDisplay,
      on_by_default: rule.thinking.onByDefault,
    },
  };
}
