/**
 * The ONE model registry: what each model accepts, asked synchronously on the request path and never doing
 * I/O there.
 *
 * Where the facts come from, strongest first:
 * 1. the upstream's `GET /v1/models` (max tokens, thinking types, effort levels, structured outputs), fetched
 *    by `refresh()`;
 * 2. the built-in table (table.ts), one cited row per model, which also holds what the list does not say
 *    (sampling rules, forced tool_choice, default thinking and display);
 * 3. conservative defaults for a model neither knows.
 *
 * Refresh policy:
 * - in the background every `refreshInterval` (first run at `start()`), never awaited by a chat request;
 * - single-flight: a refresh asked for while one runs joins it;
 * - on failure the last good list is kept, and the next on-demand refresh waits `retryAfterFailure`;
 * - `GET /v1/models` (a listing, not a chat request) may await a refresh when the list is older than
 *   `maxAge`, so a client listing models sees the upstream's list.
 */
import { EFFORTS, type Effort, type ModelCapabilities, type ThinkingCapabilities } from './capabilities.js';
import { LINE_ALIASES, MODEL_TABLE, UNKNOWN_MODEL, type TableRow } from './table.js';

/** One entry of the upstream list, as much of it as claudine reads. */
export interface UpstreamModelEntry {
  readonly id: string;
  readonly created_at: string;
  readonly display_name?: string;
  readonly line?: string | null;
  readonly lifecycle?: string;
  readonly raw: Record<string, unknown>;
}

/** Fetches every page of the upstream model list (raw JSON entries); throws when it cannot. */
export type ModelListSource = (signal: AbortSignal) => Promise<unknown[]>;

export interface RegistryOptions {
  readonly source?: ModelListSource | undefined;
  /** Background refresh period in ms; 0: no background refresh (only `GET /v1/models` asks). */
  readonly refreshInterval?: number;
  /** Age after which `ensureFresh()` refreshes. */
  readonly maxAge?: number;
  readonly retryAfterFailure?: number;
  readonly onRefreshError?: (err: unknown) => void;
  readonly now?: () => number;
}

export interface ModelRegistry {
  /** Capabilities for a model id or alias; synchronous, no I/O. */
  lookup(model: string): ModelCapabilities;
  /** The upstream's entries if it answered, else the built-in ids (created_at at the epoch). */
  entries(): readonly UpstreamModelEntry[];
  /** True when `entries()` came from the upstream. */
  readonly fromUpstream: boolean;
  /** Refreshes now (single-flight); never throws. */
  refresh(): Promise<void>;
  /** Refreshes when the list is older than `maxAge` (and the last failure is not too recent). */
  ensureFresh(): Promise<void>;
  start(): void;
  stop(): void;
}

/** Canonical ids of the built-in table, newest first: the fallback model list. */
export const FALLBACK_MODELS: readonly string[] = Object.freeze(
  MODEL_TABLE.map((row) => row.ids[0] as string),
);

const TABLE_INDEX: ReadonlyMap<string, TableRow> = new Map(
  MODEL_TABLE.flatMap((row) => row.ids.map((id) => [id, row] as const)),
);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `obj` says `key` is supported. Two shapes are read: the official one (`{key: {supported: bool}}`,
 * as @anthropic-ai/sdk's ModelCapabilities) and a list of names (`[…keys]`, as the simulator and some
 * gateways report thinking types and effort levels). Undefined when `obj` says nothing about it.
 */
function supported(obj: unknown, key: string): boolean | undefined {
  if (Array.isArray(obj)) return obj.includes(key);
  if (!isObject(obj)) return undefined;
  const entry = obj[key];
  if (!isObject(entry)) return undefined;
  return typeof entry['supported'] === 'boolean' ? entry['supported'] : undefined;
}

function isEffort(value: unknown): value is Effort {
  return typeof value === 'string' && (EFFORTS as readonly string[]).includes(value);
}

/** Reads an upstream list entry; null when it has no usable id. */
export function parseUpstreamEntry(raw: unknown): UpstreamModelEntry | null {
  if (!isObject(raw) || typeof raw['id'] !== 'string' || raw['id'].length === 0) return null;
  const entry: {
    id: string;
    created_at: string;
    display_name?: string;
    line?: string | null;
    lifecycle?: string;
    raw: Record<string, unknown>;
  } = {
    id: raw['id'],
    created_at: typeof raw['created_at'] === 'string' ? raw['created_at'] : '1970-01-01T00:00:00Z',
    raw,
  };
  if (typeof raw['display_name'] === 'string') entry.display_name = raw['display_name'];
  if (typeof raw['line'] === 'string') entry.line = raw['line'];
  if (typeof raw['lifecycle'] === 'string') entry.lifecycle = raw['lifecycle'];
  return entry;
}

/**
 * The upstream's facts laid over `base`: only the fields the entry actually carries replace the base's.
 * A model whose list entry says `disabled` is refused always thinks, whatever the base said.
 */
export function mergeUpstream(base: ModelCapabilities, entry: UpstreamModelEntry): ModelCapabilities {
  const raw = entry.raw;
  const caps = isObject(raw['capabilities']) ? raw['capabilities'] : undefined;
  const maxInput = raw['max_input_tokens'];
  const maxOutput = raw['max_tokens'];
  let thinking: ThinkingCapabilities = base.thinking;
  let effortLevels = base.effortLevels;
  let structuredOutputs = base.structuredOutputs;
  let defaultEffort = base.defaultEffort;
  if (caps !== undefined) {
    const thinkingCap = caps['thinking'];
    if (isObject(thinkingCap)) {
      const types = thinkingCap['types'];
      if (thinkingCap['supported'] === false) {
        thinking = {
          ...thinking,
          adaptive: false,
          enabled: false,
          disabled: true,
          betweenTools: false,
          onByDefault: false,
        };
      } else if (isObject(types) || Array.isArray(types)) {
        const adaptive = supported(types, 'adaptive') ?? thinking.adaptive;
        const enabled = supported(types, 'enabled') ?? thinking.enabled;
        const disabled = supported(types, 'disabled') ?? thinking.disabled;
        const betweenTools = supported(types, 'between_tools') ?? thinking.betweenTools;
        thinking = {
          ...thinking,
          adaptive,
          enabled,
          disabled,
          betweenTools,
          // A model that refuses "disabled" thinks whether asked or not.
          onByDefault: !disabled && (adaptive || enabled) ? true : thinking.onByDefault,
        };
      }
      // Hints some lists add (the simulator's does): whether the model thinks unasked, its display default.
      const onByDefault = thinkingCap['on_by_default'];
      if (typeof onByDefault === 'boolean') thinking = { ...thinking, onByDefault };
      const display = thinkingCap['default_display'];
      if (display === 'summarized' || display === 'omitted')
        thinking = { ...thinking, defaultDisplay: display };
    }
    const effortCap = caps['effort'];
    if (isObject(effortCap)) {
      const levels = Array.isArray(effortCap['levels']) ? effortCap['levels'] : effortCap;
      effortLevels =
        effortCap['supported'] === false
          ? []
          : EFFORTS.filter((level: Effort) => supported(levels, level) === true);
      if (isEffort(effortCap['default'])) defaultEffort = effortCap['default'];
    }
    structuredOutputs = supported(caps, 'structured_outputs') ?? structuredOutputs;
  }
  return {
    ...base,
    id: entry.id,
    known: true,
    maxInputTokens: typeof maxInput === 'number' && maxInput > 0 ? maxInput : base.maxInputTokens,
    maxOutputTokens: typeof maxOutput === 'number' && maxOutput > 0 ? maxOutput : base.maxOutputTokens,
    thinking,
    effortLevels,
    defaultEffort,
    structuredOutputs,
    source: base.known ? `${base.source}; upstream /v1/models` : 'upstream /v1/models; defaults for the rest',
  };
}

function fromRow(id: string, row: TableRow): ModelCapabilities {
  return { ...row.capabilities, id, known: true };
}

/** `claude-opus-4-6[1m]` (Claude Code's long-context suffix) names the model before the bracket. */
function stripSuffix(model: string): string {
  const bracket = model.indexOf('[');
  return bracket > 0 && model.endsWith(']') ? model.slice(0, bracket) : model;
}

const LOOKUP_CACHE_LIMIT = 1024;

export function createModelRegistry(options: RegistryOptions = {}): ModelRegistry {
  const now = options.now ?? Date.now;
  const maxAge = options.maxAge ?? 10 * 60_000;
  const retryAfterFailure = options.retryAfterFailure ?? 30_000;
  let upstream: Map<string, UpstreamModelEntry> | null = null;
  let fetchedAt = -Infinity;
  let failedAt = -Infinity;
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const cache = new Map<string, ModelCapabilities>();

  const newestOfLine = (line: string): string | undefined => {
    if (upstream !== null) {
      let best: UpstreamModelEntry | undefined;
      for (const entry of upstream.values()) {
        if (entry.line !== line || entry.lifecycle === 'retired') continue;
        if (best === undefined || Date.parse(entry.created_at) > Date.parse(best.created_at)) best = entry;
      }
      if (best !== undefined) return best.id;
    }
    return MODEL_TABLE.find((row) => row.line === line)?.ids[0];
  };

  const resolve = (model: string): ModelCapabilities => {
    let id = stripSuffix(model);
    if (LINE_ALIASES.includes(id)) id = newestOfLine(id) ?? id;
    const row = TABLE_INDEX.get(id);
    const base: ModelCapabilities = row !== undefined ? fromRow(id, row) : { ...UNKNOWN_MODEL, id };
    const entry = upstream?.get(id);
    return entry !== undefined ? mergeUpstream(base, entry) : base;
  };

  const refresh = (): Promise<void> => {
    if (options.source === undefined) return Promise.resolve();
    const source = options.source;
    inFlight ??= (async () => {
      try {
        const raw = await source(AbortSignal.timeout(10_000));
        const entries = new Map<string, UpstreamModelEntry>();
        for (const item of raw) {
          const entry = parseUpstreamEntry(item);
          if (entry !== null) entries.set(entry.id, entry);
        }
        if (entries.size === 0) throw new Error('the upstream model list is empty');
        upstream = entries;
        fetchedAt = now();
        cache.clear();
      } catch (err) {
        failedAt = now();
        options.onRefreshError?.(err);
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  return {
    lookup(model) {
      let caps = cache.get(model);
      if (caps === undefined) {
        caps = resolve(model);
        if (cache.size >= LOOKUP_CACHE_LIMIT) cache.clear();
        cache.set(model, caps);
      }
      return caps;
    },
    entries() {
      if (upstream !== null) return [...upstream.values()];
      return FALLBACK_MODELS.map((id) => ({ id, created_at: '1970-01-01T00:00:00Z', raw: { id } }));
    },
    get fromUpstream() {
      return upstream !== null;
    },
    refresh,
    async ensureFresh() {
      const t = now();
      if (t - fetchedAt < maxAge || t - failedAt < retryAfterFailure) return;
      await refresh();
    },
    start() {
      const interval = options.refreshInterval ?? 0;
      if (interval <= 0 || options.source === undefined || timer !== undefined) return;
      void refresh();
      timer = setInterval(() => void refresh(), interval);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The registry with no upstream: the built-in table and defaults only (pure translation, tests). */
export const builtInRegistry: ModelRegistry = createModelRegistry();
