/**
 * Signed thinking in the conversation history. Thinking models need the assistant turn that called tools to
 * start with its signed thinking blocks; most apps rebuild assistant messages from role/content/tool_calls and
 * drop them. The route remembers the blocks of each answer (src/state thinking cache) under the keys below and
 * puts them back with `restoreThinking`; what cannot be restored is replayed as text (`replayToolTurnsAsText`).
 * All pure; the cache I/O is the route's.
 */
import { createHash, type Hash } from 'node:crypto';
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicRedactedThinkingBlockParam,
  AnthropicThinkingBlockParam,
} from '../wire/index.js';

export type SignedThinkingBlock = AnthropicThinkingBlockParam | AnthropicRedactedThinkingBlockParam;

/** What the thinking cache holds per assistant turn: the blocks, and the model whose signature they carry. */
export interface ThinkingRecord {
  readonly model: string;
  readonly blocks: readonly SignedThinkingBlock[];
}

/** How many assistant turns, counted from the end, are looked up (older ones no longer matter to the API). */
export const RESTORE_LOOKBACK = 8;

/** The cache key of an answer that called tools: its first tool call id. */
export function toolTurnKey(toolCallId: string): string {
  return `thinking:tool:${toolCallId}`;
}

/** The cache key of an answer with text only: a digest of its text (ids are not echoed for those). */
export function textTurnKey(text: string): string {
  return `thinking:text:${createHash('sha256').update(text).digest('base64url')}`;
}

function isThinking(block: AnthropicContentBlockParam | undefined): boolean {
  return block?.type === 'thinking' || block?.type === 'redacted_thinking';
}

/**
 * Builds an answer's turn key while it streams, without holding its text: the first tool call id wins,
 * else a running digest of the text. Gives the same key as `turnKey` on the turn the client sends back.
 */
export class TurnKeyBuilder {
  private toolId: string | null = null;
  /** Made at the first text: most answers never need a key, and a hash object per answer is not free. */
  private digest: Hash | null = null;

  text(fragment: string): void {
    if (this.toolId !== null || fragment.length === 0) return;
    (this.digest ??= createHash('sha256')).update(fragment);
  }

  tool(id: string): void {
    this.toolId ??= id;
  }

  key(): string | null {
    if (this.toolId !== null) return toolTurnKey(this.toolId);
    return this.digest !== null ? `thinking:text:${this.digest.digest('base64url')}` : null;
  }
}

/** The key an assistant turn is remembered under, or null for a turn with neither tool calls nor text. */
export function turnKey(turn: AnthropicMessageParam): string | null {
  let text = '';
  for (const block of turn.content) {
    if (block.type === 'tool_use') return toolTurnKey(block.id);
    if (block.type === 'text') text += block.text;
  }
  return text.length > 0 ? textTurnKey(text) : null;
}

export interface TurnLookup {
  /** Index into `messages`. */
  readonly turn: number;
  readonly key: string;
}

/** The assistant turns worth a cache lookup (the last RESTORE_LOOKBACK of them), newest first. */
export function thinkingLookups(messages: readonly AnthropicMessageParam[]): TurnLookup[] {
  const out: TurnLookup[] = [];
  for (let i = messages.length - 1; i >= 0 && out.length < RESTORE_LOOKBACK; i--) {
    const turn = messages[i];
    if (turn?.role !== 'assistant') continue;
    const key = turnKey(turn);
    if (key !== null) out.push({ turn: i, key });
  }
  return out;
}

export interface RestoreResult {
  /** Turns whose blocks came back from the cache. */
  readonly restored: number;
  /** Turns whose client-sent blocks were dropped because they were signed by another model. */
  readonly droppedForeign: number;
}

/**
 * Puts remembered blocks back at the start of the turns that lack them, when they were signed by `model`;
 * drops blocks the client sent for a turn the cache knows came from another model (a signature is bound to
 * its model, so replaying it is a 400). Mutates `messages`.
 */
export function restoreThinking(
  messages: AnthropicMessageParam[],
  found: ReadonlyMap<number, ThinkingRecord>,
  model: string,
): RestoreResult {
  let restored = 0;
  let droppedForeign = 0;
  for (const [index, record] of found) {
    const turn = messages[index];
    if (turn?.role !== 'assistant') continue;
    const has = isThinking(turn.content[0]);
    if (record.model !== model) {
      if (has) {
        turn.content = turn.content.filter((b) => !isThinking(b));
        droppedForeign++;
      }
      continue;
    }
    if (!has && record.blocks.length > 0) {
      turn.content = [...record.blocks.map((b) => ({ ...b })), ...turn.content];
      restored++;
    }
  }
  return { restored, droppedForeign };
}

function lastToolTurn(messages: readonly AnthropicMessageParam[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const turn = messages[i];
    if (turn?.role === 'assistant' && turn.content.some((b) => b.type === 'tool_use')) return i;
  }
  return -1;
}

/** True when thinking on would be refused: the last assistant turn holding tool_use does not start with thinking. */
export function toolTurnLacksThinking(messages: readonly AnthropicMessageParam[]): boolean {
  const i = lastToolTurn(messages);
  return i >= 0 && !isThinking(messages[i]?.content[0]);
}

function resultText(block: Extract<AnthropicContentBlockParam, { type: 'tool_result' }>): string {
  const text = (block.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  return text.length > 0 ? text : '(no output)';
}

/**
 * The fallback when signed thinking cannot be restored and thinking stays on: each assistant turn holding
 * tool_use without thinking, from the last backwards, has its tool calls (and the matching results in the
 * next user turn) rewritten as plain text, which every model accepts. Lossy (the model sees a transcript of
 * the calls, not calls), documented in docs/translation.md. Mutates `messages`; returns the turns rewritten.
 */
export function replayToolTurnsAsText(messages: AnthropicMessageParam[]): number {
  let rewritten = 0;
  for (;;) {
    const i = lastToolTurn(messages);
    const turn = messages[i];
    if (turn === undefined || isThinking(turn.content[0])) return rewritten;
    const ids = new Set<string>();
    turn.content = turn.content.map((block) => {
      if (block.type !== 'tool_use') return block;
      ids.add(block.id);
      return {
        type: 'text',
        text: `[called tool ${block.name} (call ${block.id}) with ${JSON.stringify(block.input)}]`,
      };
    });
    const next = messages[i + 1];
    if (next?.role === 'user') {
      const rewrittenTurn: AnthropicContentBlockParam[] = next.content.map((block) =>
        block.type === 'tool_result' && ids.has(block.tool_use_id)
          ? {
              type: 'text',
              text: `[result of tool call ${block.tool_use_id}${block.is_error === true ? ' (error)' : ''}: ${resultText(block)}]`,
            }
          : block,
      );
      // tool_result blocks that stay (answers to other calls) must still lead the turn.
      next.content = [
        ...rewrittenTurn.filter((b) => b.type === 'tool_result'),
        ...rewrittenTurn.filter((b) => b.type !== 'tool_result'),
      ];
    }
    rewritten++;
  }
}
