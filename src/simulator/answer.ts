/**
 * The simulated model: a deterministic answer for a validated request.
 *
 * How a prompt steers the answer (documented for users in docs/simulator.md). Phrases are read from the
 * text of the LAST user turn, case-insensitively:
 * - The last user turn carries `tool_result` blocks → a text answer that quotes what the tools returned.
 *   (So every tool loop ends after one round.)
 * - `call tool NAME` (repeatable; `call tool NAME with {json}` gives the input) → calls those tools, in
 *   parallel when several are named. `call all tools` / `in parallel` → one call of every tool.
 *   `tool_choice: {type: "tool"}` → that tool; `any` → the first tool (or the named ones).
 * - Tools offered, `tool_choice` auto or absent, no tool has run yet in this conversation, and no `say`
 *   → the first tool is called once; the next turn (with its tool_result) gets text.
 * - `say "TEXT"` → exactly TEXT. `[sim:long]` → a long answer (to reach `max_tokens`).
 * - `[sim:refuse]` → stop_reason `refusal`. `[sim:pause]` → stop_reason `pause_turn`.
 * - `output_config.format` → JSON text that satisfies the schema.
 * - Otherwise → a short text that repeats the start of the prompt.
 * Then: thinking first when thinking is on (summarized text, or empty with only a signature per display);
 * the output is cut at the first stop sequence (`stop_sequence`) or at `max_tokens` (`max_tokens`).
 */
import { randomBytes } from 'node:crypto';
import { exampleFor } from './schema.js';
import type { Signer } from './signatures.js';
import { countTextTokens, countValueTokens, outputTokens } from './tokens.js';
import { isObject, lastUserText, type Json, type ValidatedRequest } from './validate.js';

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'pause_turn';

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface Answer {
  readonly content: ContentBlock[];
  readonly stopReason: StopReason;
  readonly stopSequence: string | null;
  readonly outputTokens: number;
}

export interface AnswerOptions {
  readonly signer: Signer;
  /** Demo mode: every answer says it is the simulator, not Claude. */
  readonly demo: boolean;
}

export const DEMO_NOTICE = '[claudine demo: a simulated answer, not Claude]';

function randomId(prefix: string): string {
  return (
    prefix +
    randomBytes(12)
      .toString('base64url')
      .replace(/[^a-zA-Z0-9]/g, 'x')
  );
}

const LONG_TEXT = Array.from(
  { length: 40 },
  (_, i) => `Sentence ${i + 1} of a deliberately long simulated answer, written to reach the token limit.`,
).join(' ');

function toolResultsText(request: ValidatedRequest): string {
  const last = request.messages[request.messages.length - 1];
  const previous = request.messages[request.messages.length - 2];
  const nameOf = new Map<string, string>();
  for (const block of previous?.content ?? []) {
    if (block['type'] === 'tool_use') nameOf.set(block['id'] as string, block['name'] as string);
  }
  const parts: string[] = [];
  for (const block of last?.content ?? []) {
    if (block['type'] !== 'tool_result') continue;
    const inner = block['content'];
    const text =
      typeof inner === 'string'
        ? inner
        : Array.isArray(inner)
          ? inner
              .filter(isObject)
              .map((p) => (p['type'] === 'text' ? String(p['text']) : `[${String(p['type'])}]`))
              .join(' ')
          : '';
    const name = nameOf.get(block['tool_use_id'] as string) ?? 'the tool';
    parts.push(`${name} ${block['is_error'] === true ? 'failed with' : 'returned'}: ${text.slice(0, 200)}`);
  }
  return `Thanks. ${parts.join('; ')}.`;
}

function hasToolRun(request: ValidatedRequest): boolean {
  return request.messages.some((m) => m.content.some((b) => b['type'] === 'tool_result'));
}

/** `say "TEXT"`: answer exactly TEXT. */
const SAY = /\bsay\s+"([^"]*)"/i;

interface PlannedCall {
  readonly tool: Json;
  readonly input: Record<string, unknown> | null;
}

/** Which tools to call, per the steering rules above; empty → answer text. */
function plannedCalls(request: ValidatedRequest, prompt: string): PlannedCall[] {
  const tools = request.tools.filter((t) => typeof t['name'] === 'string');
  if (tools.length === 0) return [];
  const choice = request.toolChoice?.['type'];
  if (choice === 'none') return [];
  const byName = new Map(tools.map((t) => [t['name'] as string, t]));
  const named: PlannedCall[] = [];
  for (const match of prompt.matchAll(
    /\bcall(?:\s+the)?\s+tool\s+`?([a-zA-Z0-9_-]+)`?(?:\s+with\s+(\{[^\n]*?\}))?(?=\s|$|[.,;!?])/gi,
  )) {
    const tool = byName.get(match[1] ?? '');
    if (tool === undefined) continue;
    let input: Record<string, unknown> | null = null;
    if (match[2] !== undefined) {
      try {
        const parsed: unknown = JSON.parse(match[2]);
        if (isObject(parsed)) input = parsed;
      } catch {
        input = null;
      }
    }
    named.push({ tool, input });
  }
  const lastTurnHasResults = request.messages[request.messages.length - 1]?.content.some(
    (b) => b['type'] === 'tool_result',
  );
  if (choice === 'tool') {
    const tool = byName.get(request.toolChoice?.['name'] as string);
    return tool === undefined ? [] : [named.find((c) => c.tool === tool) ?? { tool, input: null }];
  }
  if (lastTurnHasResults === true && choice !== 'any') return [];
  let calls = named;
  if (/\bcall all tools\b|\bin parallel\b/i.test(prompt) && calls.length < 2)
    calls = tools.map((tool) => ({ tool, input: null }));
  // `say "…"` asks for text: agents such as Codex offer tools on every request, and a plain answer must stay
  // possible there.
  if (calls.length === 0 && (choice === 'any' || (!hasToolRun(request) && !SAY.test(prompt))))
    calls = [{ tool: tools[0] as Json, input: null }];
  const parallelAllowed = request.toolChoice?.['disable_parallel_tool_use'] !== true;
  return parallelAllowed ? calls : calls.slice(0, 1);
}

function promptEcho(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

export function answer(request: ValidatedRequest, options: AnswerOptions): Answer {
  const prompt = lastUserText(request);
  const demoPrefix = options.demo ? `${DEMO_NOTICE} ` : '';
  const content: ContentBlock[] = [];
  let budget = request.maxTokens;
  let used = 0;
  let stopReason: StopReason = 'end_turn';
  let stopSequence: string | null = null;

  if (request.thinking.on) {
    const thought =
      `The user wrote ${outputTokens(prompt).length} words. ` +
      (request.tools.length > 0 ? 'Tools are available; I follow the simulator steering rules. ' : '') +
      'I answer deterministically, as a simulator.';
    const signature = options.signer.sign(
      { model: request.rule.id, conversation: request.conversation },
      request.thinking.display === 'omitted' ? '' : thought,
    );
    // Thinking is billed whether shown or not.
    const thinkingTokens = Math.min(countTextTokens(thought), budget);
    used += thinkingTokens;
    budget -= thinkingTokens;
    content.push({
      type: 'thinking',
      thinking: request.thinking.display === 'omitted' ? '' : thought,
      signature,
    });
    if (budget <= 0) return { content, stopReason: 'max_tokens', stopSequence: null, outputTokens: used };
  }

  const lastTurnHasResults =
    request.messages[request.messages.length - 1]?.content.some((b) => b['type'] === 'tool_result') === true;
  const calls = plannedCalls(request, prompt);
  let text: string;
  if (/\[sim:refuse\]/i.test(prompt)) {
    text = `${demoPrefix}I can't help with that request.`;
    stopReason = 'refusal';
  } else if (/\[sim:pause\]/i.test(prompt)) {
    text = `${demoPrefix}Still working on it; send the conversation back to let me continue.`;
    stopReason = 'pause_turn';
  } else if (calls.length > 0) {
    text =
      demoPrefix === '' ? '' : `${demoPrefix}Calling ${calls.map((c) => String(c.tool['name'])).join(', ')}.`;
    stopReason = 'tool_use';
  } else if (request.format !== null) {
    text = JSON.stringify(exampleFor(request.format['schema'], 'value'));
  } else if (lastTurnHasResults) {
    text = `${demoPrefix}${toolResultsText(request)}`;
  } else {
    const said = SAY.exec(prompt)?.[1];
    if (said !== undefined && said !== '') text = demoPrefix + said;
    else if (/\[sim:long\]/i.test(prompt)) text = demoPrefix + LONG_TEXT;
    else if (options.demo) {
      text = `${DEMO_NOTICE} This is claudine's built-in simulator answering, so you can try the proxy without an API key. You wrote: "${promptEcho(prompt)}". Add a key with \`claudine auth login\` to talk to Claude.`;
    } else text = `Simulated answer to: "${promptEcho(prompt)}"`;
  }

  // Stop sequences cut the text before the first one found.
  if (text !== '' && request.stopSequences.length > 0) {
    let cut = -1;
    for (const sequence of request.stopSequences) {
      const at = text.indexOf(sequence);
      if (at !== -1 && (cut === -1 || at < cut)) {
        cut = at;
        stopSequence = sequence;
      }
    }
    if (cut !== -1) {
      text = text.slice(0, cut);
      stopReason = 'stop_sequence';
    }
  }

  if (text !== '') {
    const tokens = outputTokens(text);
    if (tokens.length > budget) {
      text = tokens.slice(0, budget).join('');
      stopReason = 'max_tokens';
      stopSequence = null;
    }
    used += Math.min(tokens.length, budget);
    budget -= Math.min(tokens.length, budget);
    if (text !== '') content.push({ type: 'text', text });
  }

  if (stopReason === 'tool_use') {
    for (const call of calls) {
      const input =
        call.input ??
        (exampleFor(call.tool['input_schema'], String(call.tool['name'])) as Record<
          string,
          unknown
        > | null) ??
        {};
      const cost = countValueTokens(input) + 5;
      if (cost > budget) {
        stopReason = 'max_tokens';
        break;
      }
      used += cost;
      budget -= cost;
      content.push({
        type: 'tool_use',
        id: randomId('toolu_sim_'),
        name: String(call.tool['name']),
        input: isObject(input) ? input : {},
      });
    }
  }
  if (content.length === 0 && stopReason === 'end_turn') content.push({ type: 'text', text: 'OK.' });
  return { content, stopReason, stopSequence, outputTokens: Math.max(1, used) };
}

export function messageId(): string {
  return randomId('msg_sim_');
}
