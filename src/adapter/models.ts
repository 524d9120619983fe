/**
 * Model knowledge: a fallback list for `GET /v1/models` when the upstream list is unavailable, the default
 * max_tokens per model (OpenAI lets a client omit it, Anthropic requires it), and the list conversion.
 */
import type { OpenAIModel, OpenAIModelList } from '../wire/index.js';
import { field, isObject } from './check.js';

/** Current Claude model ids (aliases), newest first, as listed by @anthropic-ai/sdk's `Model` type. */
export const FALLBACK_MODELS: readonly string[] = Object.freeze([
  'claude-opus-5-5',
  'claude-sonnet-5-5',
  'claude-haiku-5-5',
  'claude-opus-5',
  'claude-sonnet-5',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-opus-4-5',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
]);

/** Used for a model the table does not know: large enough for normal answers, accepted by every current model. */
export const UNKNOWN_MODEL_MAX_TOKENS = 16384;

/**
 * Default max_tokens when the client sets none. The point is not to truncate normal answers, so these are the
 * models' output limits (Opus 4.x: 32000 — its original limit, safe on every Opus 4 release), not a token
 * budget. Checked in order; the first match wins.
 */
const DEFAULT_MAX_TOKENS: readonly (readonly [RegExp, number])[] = [
  [/^claude-3-5-/, 8192],
  [/^claude-3-7-sonnet/, 64000],
  [/^claude-3-(opus|haiku|sonnet)/, 4096],
  [/^claude-opus-\d/, 32000],
  [/^claude-(sonnet|haiku)-\d/, 64000],
];

export function defaultMaxTokens(model: string): number {
  for (const [pattern, tokens] of DEFAULT_MAX_TOKENS) if (pattern.test(model)) return tokens;
  return UNKNOWN_MODEL_MAX_TOKENS;
}

/**
 * Anthropic `GET /v1/models` → OpenAI's list. Entries without a string id are skipped; `created` is the unix
 * time of `created_at` (0 when missing or unparsable). Anything that is not a list yields an empty list.
 */
export function toOpenAIModelList(anthropicList: unknown): OpenAIModelList {
  const data: OpenAIModel[] = [];
  const entries = isObject(anthropicList) ? field(anthropicList, 'data') : undefined;
  if (Array.isArray(entries)) {
    for (const entry of entries as unknown[]) {
      if (!isObject(entry)) continue;
      const id = field(entry, 'id');
      if (typeof id !== 'string' || id.length === 0) continue;
      const createdAt = field(entry, 'created_at');
      const ms = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
      data.push({
        id,
        object: 'model',
        created: Number.isFinite(ms) ? Math.floor(ms / 1000) : 0,
        owned_by: 'anthropic',
      });
    }
  }
  return { object: 'list', data };
}

/** The fallback list in OpenAI's shape (created 0: the date is unknown without the upstream). */
export function fallbackModelList(): OpenAIModelList {
  return {
    object: 'list',
    data: FALLBACK_MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'anthropic' })),
  };
}
