/**
 * The model registry and the normaliser (see registry.ts and normalise.ts). The public surface:
 *
 * - `createModelRegistry(options)` / `builtInRegistry` — `lookup(model)` is synchronous and never does I/O;
 *   `refresh()` asks the upstream's `GET /v1/models`; `entries()` for listing; `FALLBACK_MODELS`.
 * - `normalise(draft, intent, capabilities, options)` — pure: the request the model accepts, plus the
 *   adjustments made (`adjustmentsHeader()` renders them for `ADJUSTMENTS_HEADER`).
 * - `sanitiseSchema(schema)` — JSON schema → what native structured outputs accept.
 * - history helpers for the thinking cache: `thinkingLookups`, `restoreThinking`, `turnKey`, `toolTurnKey`,
 *   `textTurnKey`.
 */
export {
  EFFORTS,
  nearestEffort,
  type Effort,
  type ModelCapabilities,
  type ThinkingCapabilities,
  type ThinkingDisplay,
} from './capabilities.js';
export { MODEL_TABLE, UNKNOWN_MODEL, LINE_ALIASES, type TableRow } from './table.js';
export {
  createModelRegistry,
  builtInRegistry,
  mergeUpstream,
  parseUpstreamEntry,
  FALLBACK_MODELS,
  type ModelRegistry,
  type ModelListSource,
  type RegistryOptions,
  type UpstreamModelEntry,
} from './registry.js';
export {
  normalise,
  adjustmentsHeader,
  ADJUSTMENTS_HEADER,
  JSON_TOOL_NAME,
  MIN_THINKING_BUDGET,
  BUDGET_LADDER,
  DEFAULT_MAX_TOKENS_CAP,
  REASONING_EFFORTS,
  type Adjustment,
  type DraftRequest,
  type NormaliseOptions,
  type NormalisedRequest,
  type ReasoningEffort,
  type RequestIntent,
  type ResponseFormat,
} from './normalise.js';
export { sanitiseSchema, type SanitisedSchema } from './schema.js';
export {
  restoreThinking,
  replayToolTurnsAsText,
  thinkingLookups,
  toolTurnKey,
  textTurnKey,
  turnKey,
  TurnKeyBuilder,
  toolTurnLacksThinking,
  RESTORE_LOOKBACK,
  type SignedThinkingBlock,
  type ThinkingRecord,
  type TurnLookup,
} from './history.js';
