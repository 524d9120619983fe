/**
 * The reasoning item's `encrypted_content` is claudine's carrier for the upstream's signed thinking blocks,
 * so a client that keeps reasoning items (Codex does, with `store: false`) gives the upstream its blocks back
 * on the next turn, as tool loops with thinking require.
 *
 * Format: `claudine.v1.` + base64url(JSON `{m: model, b: blocks}`). It is encoded, not encrypted: the thinking
 * text inside is what the summary already shows, and the upstream's signature is what protects the blocks
 * against tampering (a changed block is a 400 upstream). The model is bound in because a signature is only
 * valid for the model that made it: blocks from another model are dropped rather than sent to fail.
 */
import type { AnthropicRedactedThinkingBlockParam, AnthropicThinkingBlockParam } from '../../wire/index.js';
import { field, isObject } from '../check.js';

export type SignedThinking = AnthropicThinkingBlockParam | AnthropicRedactedThinkingBlockParam;

const PREFIX = 'claudine.v1.';

export function encodeReasoning(model: string, blocks: readonly SignedThinking[]): string {
  return PREFIX + Buffer.from(JSON.stringify({ m: model, b: blocks }), 'utf8').toString('base64url');
}

export type DecodedReasoning =
  { ok: true; blocks: SignedThinking[] } | { ok: false; reason: 'foreign' | 'other_model' | 'malformed' };

/**
 * The blocks carried by `encrypted_content`, when they were made by claudine for `model`. Content made by
 * OpenAI (a conversation that started there) or for another model cannot be replayed and is reported, not
 * thrown: the rest of the conversation still works without it.
 */
export function decodeReasoning(content: string, model: string): DecodedReasoning {
  if (!content.startsWith(PREFIX)) return { ok: false, reason: 'foreign' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(content.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isObject(parsed)) return { ok: false, reason: 'malformed' };
  const raw = field(parsed, 'b');
  if (!Array.isArray(raw)) return { ok: false, reason: 'malformed' };
  if (field(parsed, 'm') !== model) return { ok: false, reason: 'other_model' };
  const blocks: SignedThinking[] = [];
  for (const block of raw as unknown[]) {
    if (!isObject(block)) return { ok: false, reason: 'malformed' };
    const type = field(block, 'type');
    if (type === 'thinking') {
      const thinking = field(block, 'thinking');
      const signature = field(block, 'signature');
      if (typeof thinking !== 'string' || typeof signature !== 'string' || signature.length === 0)
        return { ok: false, reason: 'malformed' };
      blocks.push({ type: 'thinking', thinking, signature });
    } else if (type === 'redacted_thinking') {
      const data = field(block, 'data');
      if (typeof data !== 'string') return { ok: false, reason: 'malformed' };
      blocks.push({ type: 'redacted_thinking', data });
    } else {
      return { ok: false, reason: 'malformed' };
    }
  }
  return { ok: true, blocks };
}
