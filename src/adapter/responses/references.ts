/**
 * `item_reference` items name an earlier output item by id instead of repeating it. The Vercel AI SDK sends
 * them for every earlier answer's text and reasoning (its default is `store: true`, as OpenAI's is). Item ids
 * are made from their response's id and output index (response.ts `itemId`), so a reference leads to its
 * stored response without an index of its own; the route fetches those responses (I/O) and these pure
 * functions do the rest.
 */
import type { ResponsesOutputItem } from '../../wire/index.js';
import { field, isObject } from '../check.js';

const ITEM_ID = /^(?:msg|fc|rs)_([0-9a-f]+)_(\d{1,6})$/;

/** The response an item id of claudine's belongs to, and its output index; null for any other id. */
export function parseItemId(id: string): { responseId: string; index: number } | null {
  const m = ITEM_ID.exec(id);
  if (m === null) return null;
  return { responseId: `resp_${m[1] ?? ''}`, index: Number(m[2]) };
}

/** The ids of the stored responses that `input`'s item references point into. */
export function referencedResponseIds(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const ids = new Set<string>();
  for (const item of input as unknown[]) {
    if (!isObject(item) || field(item, 'type') !== 'item_reference') continue;
    const id = field(item, 'id');
    const parsed = typeof id === 'string' ? parseItemId(id) : null;
    if (parsed !== null) ids.add(parsed.responseId);
  }
  return [...ids];
}

/**
 * `input` with every reference that `outputs` can answer replaced by the item itself. References that
 * cannot be answered stay, and the request translation refuses them with a 400 naming the item.
 */
export function resolveReferences(
  input: unknown[],
  outputs: ReadonlyMap<string, readonly ResponsesOutputItem[]>,
): unknown[] {
  return input.map((item: unknown) => {
    if (!isObject(item) || field(item, 'type') !== 'item_reference') return item;
    const id = field(item, 'id');
    const parsed = typeof id === 'string' ? parseItemId(id) : null;
    if (parsed === null) return item;
    const found = outputs.get(parsed.responseId)?.[parsed.index];
    return found !== undefined && found.id === id ? found : item;
  });
}
