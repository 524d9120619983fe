/**
 * The built-in capability table: every model in the project's model notes (docs/translation.md "Model
 * rules"), each row citing where its facts come from. It only fills the gaps: when the upstream's
 * `GET /v1/models` describes a model, those fields win (registry.ts). Rows are newest first; `ids` lists
 * every exact id that names the row (dated ids included) — there is no pattern matching on names anywhere.
 *
 * Sources, abbreviated in the rows:
 * - [notes]  Anthropic's model and thinking documentation as gathered in the team's model notes (late 2026),
 *            the table "The models" and "Rules that hold for every model".
 * - [sdk]    @anthropic-ai/sdk type definitions: `Model` (ids), `ThinkingConfig*`, `OutputConfig.effort`.
 * - [preview] "Invite-only and preview models (Mythos 5.x, Fable 5.2) follow the 5.5 rules" ([notes]).
 */
import type { Effort, ModelCapabilities, ThinkingCapabilities } from './capabilities.js';

export interface TableRow {
  /** Every id that names this model, the canonical (undated) one first. */
  readonly ids: readonly string[];
  /** The model line, for aliases (`opus` → newest opus). */
  readonly line: 'opus' | 'sonnet' | 'haiku' | 'fable' | 'mythos';
  readonly capabilities: Omit<ModelCapabilities, 'id' | 'known'>;
}

const ALL_EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];
const NO_XHIGH: readonly Effort[] = ['low', 'medium', 'high', 'max'];

const M = 1_000_000;
const K = 1000;

/** Adaptive only, always on: `enabled` and `disabled` are 400s. */
const ALWAYS_ADAPTIVE: ThinkingCapabilities = {
  adaptive: true,
  enabled: false,
  disabled: false,
  betweenTools: false,
  onByDefault: true,
  defaultDisplay: 'omitted',
};

const FIVE_FIVE_RULES = {
  maxInputTokens: 1 * M,
  maxOutputTokens: 128 * K,
  effortLevels: ALL_EFFORTS,
  sampling: 'none',
  forcedToolChoice: 'never',
  structuredOutputs: true,
  prefill: false,
} as const;

export const MODEL_TABLE: readonly TableRow[] = [
  {
    ids: ['claude-fable-5-2'],
    line: 'fable',
    capabilities: {
      ...FIVE_FIVE_RULES,
      thinking: ALWAYS_ADAPTIVE,
      defaultEffort: 'high',
      source: '[preview] Fable 5.2 follows the 5.5 rules; default effort as Fable 5.1 (uncertain)',
    },
  },
  {
    ids: ['claude-mythos-5-2'],
    line: 'mythos',
    capabilities: {
      ...FIVE_FIVE_RULES,
      thinking: ALWAYS_ADAPTIVE,
      source: '[preview] Mythos 5.x follows the 5.5 rules',
    },
  },
  {
    ids: ['claude-mythos-5-1'],
    line: 'mythos',
    capabilities: {
      ...FIVE_FIVE_RULES,
      thinking: ALWAYS_ADAPTIVE,
      source: '[preview] Mythos 5.x follows the 5.5 rules',
    },
  },
  {
    ids: ['claude-fable-5-1'],
    line: 'fable',
    capabilities: {
      ...FIVE_FIVE_RULES,
      thinking: ALWAYS_ADAPTIVE,
      defaultEffort: 'high',
      source:
        '[notes] claude-fable-5-1: adaptive only, always on, default effort high; sampling and forced tools 400; display omitted',
    },
  },
  {
    ids: ['claude-opus-5-5'],
    line: 'opus',
    capabilities: {
      ...FIVE_FIVE_RULES,
      thinking: ALWAYS_ADAPTIVE,
      defaultEffort: 'medium',
      source:
        '[notes] claude-opus-5-5: adaptive only, always on, default effort medium; sampling and forced tools 400; display omitted',
    },
  },
  {
    ids: ['claude-sonnet-5-5'],
    line: 'sonnet',
    capabilities: {
      ...FIVE_FIVE_RULES,
      thinking: {
        adaptive: true,
        enabled: false,
        disabled: false,
        betweenTools: true,
        onByDefault: true,
        offUpToEffort: 'high',
        defaultDisplay: 'omitted',
      },
      defaultEffort: 'high',
      source:
        '[notes] claude-sonnet-5-5: adaptive on by default, disabled 400, between_tools at effort ≤ high, default effort high; sampling 400 (uncertain: maybe only non-defaults — treated as 400); forced tools 400',
    },
  },
  {
    ids: ['claude-haiku-5-5'],
    line: 'haiku',
    capabilities: {
      maxInputTokens: 1 * M,
      maxOutputTokens: 128 * K,
      thinking: {
        adaptive: true,
        enabled: false,
        disabled: true,
        betweenTools: false,
        onByDefault: true,
        offUpToEffort: 'high',
        defaultDisplay: 'omitted',
      },
      effortLevels: ALL_EFFORTS,
      defaultEffort: 'medium',
      sampling: 'none',
      forcedToolChoice: 'thinking-off',
      structuredOutputs: true,
      prefill: false,
      source:
        '[notes] claude-haiku-5-5: adaptive on by default, budget_tokens 400, can be disabled at effort ≤ high, default effort medium; sampling 400; forced tools only with thinking off',
    },
  },
  {
    ids: ['claude-opus-5'],
    line: 'opus',
    capabilities: {
      maxInputTokens: 1 * M,
      maxOutputTokens: 128 * K,
      thinking: {
        adaptive: true,
        enabled: false,
        disabled: true,
        betweenTools: false,
        onByDefault: true,
        offUpToEffort: 'high',
        defaultDisplay: 'omitted',
      },
      effortLevels: ALL_EFFORTS,
      sampling: 'none',
      forcedToolChoice: 'thinking-off',
      structuredOutputs: true,
      prefill: false,
      source:
        '[notes] claude-opus-5: adaptive on by default, disable only at effort ≤ high (default effort undocumented); sampling 400; forced tools only with thinking off',
    },
  },
  ...(['claude-opus-4-8', 'claude-opus-4-7'] as const).map((id): TableRow => ({
    ids: [id],
    line: 'opus',
    capabilities: {
      maxInputTokens: 1 * M,
      maxOutputTokens: 128 * K,
      thinking: {
        adaptive: true,
        enabled: false,
        // "disabled uncertain": never sent, since the model does not think unless asked.
        disabled: false,
        betweenTools: false,
        onByDefault: false,
        defaultDisplay: 'omitted',
      },
      effortLevels: ALL_EFFORTS,
      sampling: 'none',
      forcedToolChoice: 'thinking-off',
      structuredOutputs: true,
      prefill: false,
      source: `[notes] ${id} (as claude-opus-4-7): adaptive only, off by default; "temperature is deprecated for this model" (any sampling 400); forced tools only with thinking off; display omitted`,
    },
  })),
  {
    ids: ['claude-opus-4-6'],
    line: 'opus',
    capabilities: {
      maxInputTokens: 1 * M,
      maxOutputTokens: 128 * K,
      thinking: {
        adaptive: true,
        enabled: true,
        disabled: true,
        betweenTools: false,
        onByDefault: false,
        defaultDisplay: 'summarized',
      },
      effortLevels: NO_XHIGH,
      sampling: 'one',
      forcedToolChoice: 'thinking-off',
      structuredOutputs: true,
      prefill: false,
      source:
        '[notes] claude-opus-4-6: adaptive or enabled+budget (deprecated), off by default, no xhigh effort; temperature and top_p not both; forced tools only with thinking off; display summarized',
    },
  },
  {
    ids: ['claude-sonnet-4-6'],
    line: 'sonnet',
    capabilities: {
      maxInputTokens: 1 * M,
      maxOutputTokens: 64 * K,
      thinking: {
        adaptive: true,
        enabled: true,
        disabled: true,
        betweenTools: false,
        onByDefault: false,
        defaultDisplay: 'summarized',
      },
      effortLevels: NO_XHIGH,
      sampling: 'one',
      forcedToolChoice: 'thinking-off',
      structuredOutputs: true,
      prefill: false,
      source: '[notes] claude-sonnet-4-6: as Opus 4.6, 64K output',
    },
  },
  ...(
    [
      ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'sonnet'],
      ['claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'haiku'],
      ['claude-opus-4-5', 'claude-opus-4-5-20251101', 'opus'],
    ] as const
  ).map(([id, dated, line]): TableRow => ({
    ids: [id, dated],
    line,
    capabilities: {
      maxInputTokens: 200 * K,
      maxOutputTokens: 64 * K,
      thinking: {
        adaptive: false,
        enabled: true,
        disabled: true,
        betweenTools: false,
        onByDefault: false,
        defaultDisplay: 'summarized',
      },
      effortLevels: [],
      sampling: 'one',
      forcedToolChoice: 'thinking-off',
      structuredOutputs: true,
      // "The conversation must end with a user turn on models without prefill (4.6+)" ([notes]).
      prefill: true,
      source:
        line === 'opus'
          ? `[sdk] ${id} is a current id; rules assumed as the 4.5 row of [notes] (enabled + budget_tokens only, not both sampling params; uncertain)`
          : `[notes] ${id}, ${dated}: 200K/64K, enabled + budget_tokens only (no adaptive, no effort); temperature and top_p not both; forced tools only with thinking off`,
    },
  })),
];

/** Aliases Claude Code and people use (`opus`, `sonnet`, …): the newest row of that line. */
export const LINE_ALIASES: readonly string[] = ['opus', 'sonnet', 'haiku', 'fable', 'mythos'];

/**
 * For a model nobody knows (not in this table, not in the upstream list): the rules that the most models
 * accept. Sampling parameters are dropped (refused by every model since Opus 4.7); thinking is adaptive
 * (every model since 4.6); forced tools only with thinking off; native structured outputs (GA on every
 * current model). Documented in docs/translation.md.
 */
export const UNKNOWN_MODEL: Omit<ModelCapabilities, 'id'> = {
  known: false,
  maxInputTokens: 200 * K,
  maxOutputTokens: 16384,
  thinking: {
    adaptive: true,
    enabled: false,
    disabled: true,
    betweenTools: false,
    onByDefault: false,
    defaultDisplay: 'omitted',
  },
  effortLevels: ['low', 'medium', 'high'],
  sampling: 'none',
  forcedToolChoice: 'thinking-off',
  structuredOutputs: true,
  prefill: false,
  source: 'defaults (unknown model)',
};
