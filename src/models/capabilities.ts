/**
 * What claudine needs to know about a model to send it a request it accepts. One shape for every source: the
 * upstream's `GET /v1/models` (authoritative where it speaks), the built-in table (table.ts, cited rows), and
 * the conservative defaults for a model nobody knows.
 */

/** Anthropic's effort levels, lowest first. */
export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORTS)[number];

export type ThinkingDisplay = 'summarized' | 'omitted';

export interface ThinkingCapabilities {
  /** Accepts `{type: "adaptive"}`. */
  readonly adaptive: boolean;
  /** Accepts `{type: "enabled", budget_tokens}` (budget thinking). */
  readonly enabled: boolean;
  /** Accepts `{type: "disabled"}`; false on models that always think (sending it is a 400). */
  readonly disabled: boolean;
  /** Accepts `{type: "between_tools"}` (up-front thinking off). */
  readonly betweenTools: boolean;
  /** Thinks when the request says nothing about thinking. */
  readonly onByDefault: boolean;
  /** Thinking may be turned off only at an effort at or below this level (undefined: at any effort). */
  readonly offUpToEffort?: Effort | undefined;
  /** What the model does with thinking text when the request does not set `display`. */
  readonly defaultDisplay: ThinkingDisplay;
}

export interface ModelCapabilities {
  /** The id to send upstream (an alias resolved). */
  readonly id: string;
  /** False: conservative defaults, nobody knows this model. */
  readonly known: boolean;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly thinking: ThinkingCapabilities;
  /** Effort levels `output_config.effort` accepts; empty when the model has no effort parameter. */
  readonly effortLevels: readonly Effort[];
  /** The model's effort when the request sets none (undefined: not documented). */
  readonly defaultEffort?: Effort | undefined;
  /**
   * temperature/top_p/top_k: `any` accepted (thinking off), `one` temperature or top_p but not both, `none`
   * any of them is a 400.
   */
  readonly sampling: 'any' | 'one' | 'none';
  /** Forced tool_choice (`any`/`tool`): `always`, `thinking-off` (only with thinking off), `never`. */
  readonly forcedToolChoice: 'always' | 'thinking-off' | 'never';
  /** `output_config.format` (native structured outputs). */
  readonly structuredOutputs: boolean;
  /** A conversation may end with an assistant turn (prefill); refused from the 4.6 models on. */
  readonly prefill: boolean;
  /** Where the facts came from: a table row's citation, "upstream /v1/models", or "defaults". */
  readonly source: string;
}

export function effortRank(effort: Effort): number {
  return EFFORTS.indexOf(effort);
}

/**
 * The supported level closest to `wanted`; on a tie the lower one (cheaper, and never a level the model
 * lacks). Undefined when the model has no effort levels at all.
 */
export function nearestEffort(wanted: Effort, levels: readonly Effort[]): Effort | undefined {
  if (levels.includes(wanted)) return wanted;
  let best: Effort | undefined;
  let bestDistance = Infinity;
  for (const level of levels) {
    const distance = Math.abs(effortRank(level) - effortRank(wanted));
    if (
      distance < bestDistance ||
      (distance === bestDistance && best !== undefined && effortRank(level) < effortRank(best))
    ) {
      best = level;
      bestDistance = distance;
    }
  }
  return best;
}
