/**
 * Anthropic's model list → OpenAI's. The facts about models live in src/models (the registry); this is only
 * the format conversion.
 */
import type { OpenAIModel, OpenAIModelList } from '../wire/index.js';
import { field, isObject } from './check.js';

/**
 * Anthropic `GET /v1/models` (or the registry's entries) → OpenAI's list. Entries without a string id are
 * skipped; `created` is the unix time of `created_at` (0 when missing or unparsable). Anything that is not a
 * list yields an empty list.
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
