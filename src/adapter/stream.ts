/**
 * Anthropic stream events → OpenAI chat.completion.chunk payloads: one state object, one `step(event)`.
 *
 * Event lifecycle (Anthropic Messages streaming):
 *
 *   message_start                      → first chunk: delta {role: "assistant"}; input/cache usage noted
 *   ( content_block_start i            → text: nothing (or its initial text); tool_use: the tool call's
 *                                        header delta {index, id, type, function {name, arguments: ""}};
 *                                        redacted_thinking: delta {thinking_blocks: [block]}
 *     content_block_delta i *          → text_delta: {content}; input_json_delta: {tool_calls: [{index,
 *                                        function {arguments}}]} (or {content} for the JSON tool);
 *                                        thinking_delta: {reasoning_content}; signature_delta:
 *                                        {thinking_blocks: [{type: "thinking", thinking, signature}]}
 *     content_block_stop i )*          → a tool call that streamed no arguments gets arguments "{}"
 *   message_delta                      → stop_reason and cumulative usage noted
 *   message_stop                       → last chunk: delta {}, finish_reason; then, only with
 *                                        include_usage, ONE usage chunk with choices: []; done
 *   ping, unknown types                → ignored
 *   error (at any point)               → an {error: {...}} payload in place of a chunk; done
 *
 * After `done`, every event is ignored. Tool calls are numbered over tool calls only (OpenAI's `index`),
 * not by the Anthropic block index, which also counts text and thinking blocks.
 */
import type {
  AnthropicStreamEvent,
  ChatCompletionChunk,
  ChatCompletionDelta,
  CompletionUsage,
  FinishReason,
  OpenAIErrorBody,
  OpenAIThinkingBlock,
} from '../wire/index.js';
import { TurnKeyBuilder, type SignedThinkingBlock } from '../models/index.js';
import { streamErrorToOpenAI, type OpenAIErrorResponse } from './errors.js';
import type { RawDelta } from './raw-delta.js';
import { finishReason, toOpenAIUsage, type ResponseContext } from './response.js';

/** What the route writes as `data: <JSON>`: a chunk, or an error payload that ends the stream. */
export type OpenAIStreamPayload = ChatCompletionChunk | OpenAIErrorBody;

export interface ChunkTranslator {
  /** Translates one parsed upstream event; returns the payloads to send, often none. */
  step(event: AnthropicStreamEvent): OpenAIStreamPayload[];
  /**
   * The fast lane for a text or tool-argument delta taken raw from the event (raw-delta.ts): the OpenAI
   * delta's JSON text, with the state moved on exactly as `step` would; or null when this event needs
   * `step` (a block of another kind, an empty delta, text that signed thinking must see, after the end).
   */
  rawDelta(delta: RawDelta): string | null;
  /** True after message_stop or an error event: write `data: [DONE]` (after an error, optional) and stop. */
  readonly done: boolean;
  /** Set when the upstream sent an `error` event: the status/type it maps to, for logs and metrics. */
  readonly error: OpenAIErrorResponse | null;
  /**
   * Call when the upstream body ended. Before `done` (no message_stop, no error event) the stream was cut
   * short: returns an error payload (502 server_error, code `stream_truncated`) and sets `error`; else [].
   */
  end(): OpenAIStreamPayload[];
  /**
   * After `done`: the answer's signed thinking blocks and the key its turn is remembered under (thinking
   * cache), or null when it had no thinking. Call once.
   */
  thinkingTurn(): { key: string; blocks: SignedThinkingBlock[] } | null;
}

/** What one Anthropic content block turned into. */
type BlockState =
  | { kind: 'text' }
  | { kind: 'tool'; index: number; hasArguments: boolean }
  | { kind: 'json' }
  | { kind: 'thinking'; text: string }
  | { kind: 'ignored' };

interface StreamState {
  id: string;
  created: number;
  model: string;
  jsonTool: string | null;
  includeUsage: boolean;
  blocks: BlockState[];
  toolCalls: number;
  usedJsonTool: boolean;
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  /** Thinking tokens, when the upstream reports them (output_tokens_details). */
  reasoning: number | null;
  stopReason: FinishReason;
  /** Signed and redacted thinking blocks, sent together once the message ends (see flushThinking). */
  thinkingBlocks: OpenAIThinkingBlock[];
  /** Every signed block of the answer, for the thinking cache. */
  signed: SignedThinkingBlock[];
  turnKey: TurnKeyBuilder;
  done: boolean;
  error: OpenAIErrorResponse | null;
}

export function createChunkTranslator(ctx: ResponseContext & { includeUsage: boolean }): ChunkTranslator {
  const s: StreamState = {
    id: ctx.id ?? '',
    created: ctx.created,
    model: ctx.model,
    jsonTool: ctx.jsonTool ?? null,
    includeUsage: ctx.includeUsage,
    blocks: [],
    toolCalls: 0,
    usedJsonTool: false,
    input: 0,
    cacheRead: 0,
    cacheCreation: 0,
    output: 0,
    reasoning: null,
    stopReason: 'stop',
    thinkingBlocks: [],
    signed: [],
    turnKey: new TurnKeyBuilder(),
    done: false,
    error: null,
  };
  const fixedId = ctx.id !== undefined;
  return {
    // A non-object (e.g. JSON `null`) is no event at all; everything else is read defensively.
    step: (event) => (s.done || typeof event !== 'object' || event === null ? [] : step(s, event, fixedId)),
    rawDelta: (delta) => rawDelta(s, delta),
    get done() {
      return s.done;
    },
    get error() {
      return s.error;
    },
    end: () => {
      if (s.done) return [];
      s.done = true;
      s.error = {
        status: 502,
        headers: {},
        body: {
          error: {
            message: 'the upstream stream ended before the message was complete',
            type: 'server_error',
            param: null,
            code: 'stream_truncated',
          },
        },
      };
      return [s.error.body];
    },
    thinkingTurn: () => {
      if (s.signed.length === 0) return null;
      const key = s.turnKey.key();
      return key === null ? null : { key, blocks: s.signed };
    },
  };
}

/** `step` for a content_block_delta of text or tool arguments, on the delta's raw JSON literal. */
function rawDelta(s: StreamState, delta: RawDelta): string | null {
  if (s.done || delta.literal === '""') return null;
  const block = s.blocks[delta.index];
  if (block === undefined) return null;
  if (delta.kind === 'text') {
    // Signed thinking keys its turn on the decoded text: that needs the parsed event.
    return block.kind === 'text' && s.signed.length === 0 ? `{"content":${delta.literal}}` : null;
  }
  if (block.kind === 'tool') {
    block.hasArguments = true;
    return `{"tool_calls":[{"index":${block.index},"type":"function","function":{"arguments":${delta.literal}}}]}`;
  }
  return block.kind === 'json' ? `{"content":${delta.literal}}` : null;
}

function chunk(s: StreamState, delta: ChatCompletionDelta): ChatCompletionChunk {
  return {
    id: s.id,
    object: 'chat.completion.chunk',
    created: s.created,
    model: s.model,
    service_tier: null,
    choices: [{ index: 0, delta, finish_reason: null, logprobs: null }],
  };
}

/**
 * All of a message's signed and redacted thinking blocks in ONE delta. Clients merge unknown delta fields
 * differently (the openai SDK's stream helper replaces, others concatenate arrays); a single delta gives
 * the same complete list either way, so the client can send every block back next turn.
 */
function flushThinking(s: StreamState): ChatCompletionChunk[] {
  if (s.thinkingBlocks.length === 0) return [];
  const blocks = s.thinkingBlocks;
  s.thinkingBlocks = [];
  return [chunk(s, { thinking_blocks: blocks })];
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function thinkingTokens(
  usage: { output_tokens_details?: unknown } | undefined,
  fallback: number | null,
): number | null {
  const details = usage?.output_tokens_details;
  if (typeof details !== 'object' || details === null) return fallback;
  const n = (details as { thinking_tokens?: unknown }).thinking_tokens;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function step(s: StreamState, event: AnthropicStreamEvent, fixedId: boolean): OpenAIStreamPayload[] {
  switch (event.type) {
    case 'message_start': {
      const message = event.message as Partial<typeof event.message> | undefined;
      if (!fixedId && typeof message?.id === 'string') s.id = message.id;
      const usage = message?.usage;
      s.input = num(usage?.input_tokens, 0);
      s.cacheRead = num(usage?.cache_read_input_tokens, 0);
      s.cacheCreation = num(usage?.cache_creation_input_tokens, 0);
      s.output = num(usage?.output_tokens, 0);
      s.reasoning = thinkingTokens(usage, null);
      return [chunk(s, { role: 'assistant' })];
    }

    case 'content_block_start': {
      const block = event.content_block as typeof event.content_block | undefined;
      if (block === undefined || block === null || !Number.isSafeInteger(event.index) || event.index < 0)
        return [];
      switch (block.type) {
        case 'text':
          s.blocks[event.index] = { kind: 'text' };
          if (typeof block.text !== 'string' || block.text.length === 0) return [];
          if (s.signed.length > 0) s.turnKey.text(block.text);
          return [chunk(s, { content: block.text })];
        case 'tool_use': {
          if (s.jsonTool !== null && block.name === s.jsonTool) {
            s.usedJsonTool = true;
            s.blocks[event.index] = { kind: 'json' };
            return [];
          }
          const index = s.toolCalls++;
          s.blocks[event.index] = { kind: 'tool', index, hasArguments: false };
          if (typeof block.id === 'string') s.turnKey.tool(block.id);
          return [
            chunk(s, {
              tool_calls: [
                { index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } },
              ],
            }),
          ];
        }
        case 'thinking': {
          const text = typeof block.thinking === 'string' ? block.thinking : '';
          s.blocks[event.index] = { kind: 'thinking', text };
          return text.length > 0 ? [chunk(s, { reasoning_content: text })] : [];
        }
        case 'redacted_thinking':
          s.blocks[event.index] = { kind: 'ignored' };
          s.thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
          if (typeof block.data === 'string') s.signed.push({ type: 'redacted_thinking', data: block.data });
          return [];
        default:
          s.blocks[event.index] = { kind: 'ignored' };
          return [];
      }
    }

    case 'content_block_delta': {
      // Only a real index may be used as a key: anything else (even an object) is no block of ours.
      const block = Number.isSafeInteger(event.index) ? s.blocks[event.index] : undefined;
      const delta = event.delta as typeof event.delta | undefined;
      if (block === undefined || delta === undefined || delta === null) return [];
      switch (delta.type) {
        case 'text_delta':
          if (block.kind !== 'text' || typeof delta.text !== 'string' || delta.text.length === 0) return [];
          if (s.signed.length > 0) s.turnKey.text(delta.text);
          return [chunk(s, { content: delta.text })];
        case 'input_json_delta':
          if (typeof delta.partial_json !== 'string' || delta.partial_json.length === 0) return [];
          if (block.kind === 'tool') {
            block.hasArguments = true;
            return [
              chunk(s, {
                tool_calls: [
                  { index: block.index, type: 'function', function: { arguments: delta.partial_json } },
                ],
              }),
            ];
          }
          return block.kind === 'json' ? [chunk(s, { content: delta.partial_json })] : [];
        case 'thinking_delta':
          if (block.kind !== 'thinking' || typeof delta.thinking !== 'string' || delta.thinking.length === 0)
            return [];
          block.text += delta.thinking;
          return [chunk(s, { reasoning_content: delta.thinking })];
        case 'signature_delta':
          // The signature closes the block; it is sent with the others when the message ends.
          if (block.kind !== 'thinking' || typeof delta.signature !== 'string') return [];
          s.thinkingBlocks.push({ type: 'thinking', thinking: block.text, signature: delta.signature });
          if (delta.signature.length > 0)
            s.signed.push({ type: 'thinking', thinking: block.text, signature: delta.signature });
          return [];
        default:
          return []; // citations_delta and future delta types
      }
    }

    case 'content_block_stop': {
      // A tool call without arguments still needs valid JSON: clients parse what they assembled.
      const block = Number.isSafeInteger(event.index) ? s.blocks[event.index] : undefined;
      if (block?.kind !== 'tool' || block.hasArguments) return [];
      block.hasArguments = true;
      return [
        chunk(s, { tool_calls: [{ index: block.index, type: 'function', function: { arguments: '{}' } }] }),
      ];
    }

    case 'message_delta': {
      const delta = event.delta as Partial<typeof event.delta> | undefined;
      const usage = event.usage as Partial<typeof event.usage> | undefined;
      s.stopReason = finishReason(delta?.stop_reason);
      s.output = num(usage?.output_tokens, s.output);
      s.input = num(usage?.input_tokens, s.input);
      s.cacheRead = num(usage?.cache_read_input_tokens, s.cacheRead);
      s.cacheCreation = num(usage?.cache_creation_input_tokens, s.cacheCreation);
      s.reasoning = thinkingTokens(usage, s.reasoning);
      return flushThinking(s);
    }

    case 'message_stop': {
      s.done = true;
      const thinking = flushThinking(s);
      // The JSON tool is how the answer arrives, not a call the client should run.
      if (s.usedJsonTool && s.toolCalls === 0 && s.stopReason === 'tool_calls') s.stopReason = 'stop';
      const last: ChatCompletionChunk = {
        ...chunk(s, {}),
        choices: [{ index: 0, delta: {}, finish_reason: s.stopReason, logprobs: null }],
      };
      // OpenAI's spec: usage only with include_usage, once, on a last chunk with no choices (a client that
      // adds up usage from every chunk would otherwise count it twice).
      if (!s.includeUsage) return [...thinking, last];
      const usage: CompletionUsage = toOpenAIUsage({
        input_tokens: s.input,
        output_tokens: s.output,
        cache_read_input_tokens: s.cacheRead,
        cache_creation_input_tokens: s.cacheCreation,
        output_tokens_details: s.reasoning === null ? null : { thinking_tokens: s.reasoning },
      });
      return [...thinking, last, { ...chunk(s, {}), choices: [], usage }];
    }

    case 'error': {
      s.done = true;
      s.error = streamErrorToOpenAI(event.error);
      return [s.error.body];
    }

    case 'ping':
      return [];

    default:
      return []; // unknown event types are never fatal
  }
}
