/**
 * Anthropic stream events → OpenAI Responses stream events: one state object, one `step(event)`. Every event
 * carries the next `sequence_number`; there is no `[DONE]`.
 *
 * Event lifecycle (Anthropic Messages streaming → Responses):
 *
 *   message_start                 → response.created, response.in_progress (status in_progress, no output)
 *   content_block_start i
 *     text                        → (when no message item is open) output_item.added {message},
 *                                   content_part.added {output_text}; consecutive text blocks share it
 *     thinking                    → output_item.added {reasoning}
 *     redacted_thinking           → output_item.added + output_item.done {reasoning, encrypted_content}
 *     tool_use                    → output_item.added {function_call, arguments ""}
 *     anything else               → nothing (server tools have no Responses form here)
 *   content_block_delta i
 *     text_delta                  → output_text.delta
 *     thinking_delta              → (first) reasoning_summary_part.added; reasoning_summary_text.delta
 *     signature_delta             → noted; it closes the thinking block
 *     input_json_delta            → function_call_arguments.delta
 *   content_block_stop i
 *     thinking                    → reasoning_summary_text.done + reasoning_summary_part.done (if it had
 *                                   text), output_item.done {reasoning with encrypted_content}
 *     tool_use                    → function_call_arguments.done, output_item.done
 *   (a non-text block start, or the message end, closes an open message item: output_text.done,
 *    content_part.done, output_item.done)
 *   message_delta                 → stop_reason and cumulative usage noted
 *   message_stop                  → refusal part if the stop reason was refusal; response.completed or
 *                                   response.incomplete with the whole response; done
 *   ping, unknown types           → ignored
 *   error (at any point)          → error, then response.failed; done
 *
 * Unlike chat chunks, the closing events carry the full text and the final event the whole response (the
 * protocol says so), so the text and arguments of this response are kept until it ends.
 */
import type {
  AnthropicStreamEvent,
  AnthropicUsage,
  ResponsesErrorCode,
  ResponsesFunctionCall,
  ResponsesObject,
  ResponsesOutputItem,
  ResponsesOutputMessage,
  ResponsesReasoningItem,
  ResponsesStreamEvent,
} from '../../wire/index.js';
import { field, isObject } from '../check.js';
import {
  REFUSAL_TEXT,
  functionCallItem,
  itemId,
  outcomeOf,
  outputText,
  reasoningItem,
  responseShell,
  toResponsesUsage,
  type ResponsesContext,
} from './response.js';

export interface ResponsesStreamTranslator {
  /** Translates one parsed upstream event; returns the events to send, often none. */
  step(event: AnthropicStreamEvent): ResponsesStreamEvent[];
  /** True once a terminal event (completed, incomplete, failed) was produced. */
  readonly done: boolean;
  /** The final response object once done (status completed, incomplete or failed). */
  readonly response: ResponsesObject | null;
  /** Set when the stream failed: the upstream error type (or `stream_truncated`), for logs and metrics. */
  readonly errorType: string | null;
  /**
   * Call when the upstream body ended. Before `done` the stream was cut short: returns `error` and
   * `response.failed` (code `stream_truncated` in the error event); else [].
   */
  end(): ResponsesStreamEvent[];
  /** A failure of the upstream connection mid-answer: `error` and `response.failed`, then done. */
  fail(message: string, type: string): ResponsesStreamEvent[];
}

type BlockState =
  | { kind: 'text' }
  | { kind: 'thinking'; index: number; item: ResponsesReasoningItem; text: string; signature: string }
  | { kind: 'tool'; index: number; item: ResponsesFunctionCall; args: string }
  | { kind: 'ignored' };

interface OpenMessage {
  index: number;
  item: ResponsesOutputMessage;
  text: string;
}

interface State {
  ctx: ResponsesContext;
  seq: number;
  started: boolean;
  output: ResponsesOutputItem[];
  blocks: BlockState[];
  message: OpenMessage | null;
  usage: Partial<AnthropicUsage>;
  stopReason: string | null;
  done: boolean;
  response: ResponsesObject | null;
  errorType: string | null;
}

type Out = ResponsesStreamEvent[];

/** Distributes Omit over the event union, so each variant keeps its own fields. */
type EventBody = ResponsesStreamEvent extends infer E
  ? E extends ResponsesStreamEvent
    ? Omit<E, 'sequence_number'>
    : never
  : never;

export function createResponsesStreamTranslator(ctx: ResponsesContext): ResponsesStreamTranslator {
  const s: State = {
    ctx,
    seq: 0,
    started: false,
    output: [],
    blocks: [],
    message: null,
    usage: {},
    stopReason: null,
    done: false,
    response: null,
    errorType: null,
  };
  return {
    step: (event) => {
      if (s.done || typeof event !== 'object' || event === null) return [];
      const out: Out = [];
      step(s, event, out);
      return out;
    },
    get done() {
      return s.done;
    },
    get response() {
      return s.response;
    },
    get errorType() {
      return s.errorType;
    },
    end: () => {
      if (s.done) return [];
      const out: Out = [];
      failStream(s, out, 'the upstream stream ended before the response was complete', 'stream_truncated');
      return out;
    },
    fail: (message, type) => {
      if (s.done) return [];
      const out: Out = [];
      failStream(s, out, message, type);
      return out;
    },
  };
}

/** Numbers the event (in place: a spread copy per event cost three times the whole translation). */
function emit(s: State, out: Out, event: EventBody): void {
  const numbered = event as ResponsesStreamEvent;
  numbered.sequence_number = s.seq++;
  out.push(numbered);
}

function snapshot(s: State): ResponsesObject {
  return { ...responseShell(s.ctx), output: s.output.slice() };
}

function start(s: State, out: Out): void {
  if (s.started) return;
  s.started = true;
  emit(s, out, { type: 'response.created', response: snapshot(s) });
  emit(s, out, { type: 'response.in_progress', response: snapshot(s) });
}

function openMessage(s: State, out: Out): OpenMessage {
  if (s.message !== null) return s.message;
  const index = s.output.length;
  const item: ResponsesOutputMessage = {
    type: 'message',
    id: itemId(s.ctx, 'msg', index),
    role: 'assistant',
    status: 'in_progress',
    content: [],
  };
  s.output.push(item);
  s.message = { index, item, text: '' };
  emit(s, out, { type: 'response.output_item.added', output_index: index, item: { ...item, content: [] } });
  emit(s, out, {
    type: 'response.content_part.added',
    item_id: item.id,
    output_index: index,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
  });
  return s.message;
}

/** Ends the open message item, if any, with its full text (and a refusal part when `refusal` is set). */
function closeMessage(s: State, out: Out, status: 'completed' | 'incomplete', refusal = false): void {
  if (refusal) openMessage(s, out);
  const open = s.message;
  if (open === null) return;
  s.message = null;
  const { index, item, text } = open;
  const part = { type: 'output_text' as const, text, annotations: [], logprobs: [] };
  emit(s, out, {
    type: 'response.output_text.done',
    item_id: item.id,
    output_index: index,
    content_index: 0,
    text,
    logprobs: [],
  });
  emit(s, out, {
    type: 'response.content_part.done',
    item_id: item.id,
    output_index: index,
    content_index: 0,
    part,
  });
  item.content = [part];
  if (refusal) {
    const refusalPart = { type: 'refusal' as const, refusal: '' };
    emit(s, out, {
      type: 'response.content_part.added',
      item_id: item.id,
      output_index: index,
      content_index: 1,
      part: refusalPart,
    });
    emit(s, out, {
      type: 'response.refusal.delta',
      item_id: item.id,
      output_index: index,
      content_index: 1,
      delta: REFUSAL_TEXT,
    });
    emit(s, out, {
      type: 'response.refusal.done',
      item_id: item.id,
      output_index: index,
      content_index: 1,
      refusal: REFUSAL_TEXT,
    });
    const done = { type: 'refusal' as const, refusal: REFUSAL_TEXT };
    emit(s, out, {
      type: 'response.content_part.done',
      item_id: item.id,
      output_index: index,
      content_index: 1,
      part: done,
    });
    item.content.push(done);
  }
  item.status = status;
  emit(s, out, { type: 'response.output_item.done', output_index: index, item });
}

function closeThinking(s: State, out: Out, block: Extract<BlockState, { kind: 'thinking' }>): void {
  const { index, item, text } = block;
  if (text.length > 0) {
    emit(s, out, {
      type: 'response.reasoning_summary_text.done',
      item_id: item.id,
      output_index: index,
      summary_index: 0,
      text,
    });
    emit(s, out, {
      type: 'response.reasoning_summary_part.done',
      item_id: item.id,
      output_index: index,
      summary_index: 0,
      part: { type: 'summary_text', text },
    });
  }
  const done = reasoningItem(s.ctx, index, { type: 'thinking', thinking: text, signature: block.signature });
  s.output[index] = done;
  emit(s, out, { type: 'response.output_item.done', output_index: index, item: done });
}

function closeTool(s: State, out: Out, block: Extract<BlockState, { kind: 'tool' }>): void {
  const args = block.args.length > 0 ? block.args : '{}';
  const item: ResponsesFunctionCall = { ...block.item, arguments: args, status: 'completed' };
  s.output[block.index] = item;
  emit(s, out, {
    type: 'response.function_call_arguments.done',
    item_id: item.id ?? '',
    output_index: block.index,
    name: item.name,
    arguments: args,
  });
  emit(s, out, { type: 'response.output_item.done', output_index: block.index, item });
}

function closeBlock(s: State, out: Out, at: number): void {
  const block = s.blocks[at];
  if (block === undefined) return;
  s.blocks[at] = { kind: 'ignored' };
  if (block.kind === 'thinking') closeThinking(s, out, block);
  else if (block.kind === 'tool') closeTool(s, out, block);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function noteUsage(s: State, usage: unknown): void {
  if (!isObject(usage)) return;
  for (const key of [
    'input_tokens',
    'output_tokens',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
  ] as const) {
    const value = num(field(usage, key));
    if (value !== undefined) s.usage[key] = value;
  }
  const details = field(usage, 'output_tokens_details');
  const thinking = isObject(details) ? num(field(details, 'thinking_tokens')) : undefined;
  if (thinking !== undefined) s.usage.output_tokens_details = { thinking_tokens: thinking };
}

function step(s: State, event: AnthropicStreamEvent, out: Out): void {
  switch (event.type) {
    case 'message_start': {
      const message = event.message as Partial<typeof event.message> | undefined;
      noteUsage(s, message?.usage);
      start(s, out);
      return;
    }

    case 'content_block_start': {
      const block = event.content_block as typeof event.content_block | undefined;
      const at = event.index;
      if (block === undefined || block === null || !Number.isSafeInteger(at) || at < 0) return;
      start(s, out);
      if (block.type === 'text') {
        const open = openMessage(s, out);
        s.blocks[at] = { kind: 'text' };
        if (typeof block.text === 'string' && block.text.length > 0) textDelta(s, out, open, block.text);
        return;
      }
      closeMessage(s, out, 'completed');
      const index = s.output.length;
      switch (block.type) {
        case 'thinking': {
          const item: ResponsesReasoningItem = {
            type: 'reasoning',
            id: itemId(s.ctx, 'rs', index),
            summary: [],
            status: 'in_progress',
          };
          s.output.push(item);
          const state = { kind: 'thinking' as const, index, item, text: '', signature: '' };
          s.blocks[at] = state;
          emit(s, out, { type: 'response.output_item.added', output_index: index, item: { ...item } });
          if (typeof block.thinking === 'string' && block.thinking.length > 0)
            thinkingDelta(s, out, state, block.thinking);
          if (typeof block.signature === 'string') state.signature = block.signature;
          return;
        }
        case 'redacted_thinking': {
          const item = reasoningItem(s.ctx, index, { type: 'redacted_thinking', data: block.data });
          s.output.push(item);
          s.blocks[at] = { kind: 'ignored' };
          emit(s, out, {
            type: 'response.output_item.added',
            output_index: index,
            item: { ...item, status: 'in_progress' },
          });
          emit(s, out, { type: 'response.output_item.done', output_index: index, item });
          return;
        }
        case 'tool_use': {
          const item = functionCallItem(s.ctx, index, block.id, block.name, '', 'in_progress');
          s.output.push(item);
          s.blocks[at] = { kind: 'tool', index, item, args: '' };
          emit(s, out, { type: 'response.output_item.added', output_index: index, item: { ...item } });
          return;
        }
        default:
          s.blocks[at] = { kind: 'ignored' };
          return;
      }
    }

    case 'content_block_delta': {
      const block = Number.isSafeInteger(event.index) ? s.blocks[event.index] : undefined;
      const delta = event.delta as typeof event.delta | undefined;
      if (block === undefined || delta === undefined || delta === null) return;
      switch (delta.type) {
        case 'text_delta':
          if (
            block.kind === 'text' &&
            s.message !== null &&
            typeof delta.text === 'string' &&
            delta.text !== ''
          )
            textDelta(s, out, s.message, delta.text);
          return;
        case 'thinking_delta':
          if (block.kind === 'thinking' && typeof delta.thinking === 'string' && delta.thinking !== '')
            thinkingDelta(s, out, block, delta.thinking);
          return;
        case 'signature_delta':
          if (block.kind === 'thinking' && typeof delta.signature === 'string')
            block.signature = delta.signature;
          return;
        case 'input_json_delta':
          if (block.kind !== 'tool' || typeof delta.partial_json !== 'string' || delta.partial_json === '')
            return;
          block.args += delta.partial_json;
          emit(s, out, {
            type: 'response.function_call_arguments.delta',
            item_id: block.item.id ?? '',
            output_index: block.index,
            delta: delta.partial_json,
          });
          return;
        default:
          return; // citations_delta and future delta types
      }
    }

    case 'content_block_stop':
      if (Number.isSafeInteger(event.index)) closeBlock(s, out, event.index);
      return;

    case 'message_delta': {
      const delta = event.delta as Partial<typeof event.delta> | undefined;
      if (typeof delta?.stop_reason === 'string') s.stopReason = delta.stop_reason;
      noteUsage(s, event.usage);
      return;
    }

    case 'message_stop': {
      start(s, out);
      for (let at = 0; at < s.blocks.length; at++) closeBlock(s, out, at);
      const outcome = outcomeOf(s.stopReason as Parameters<typeof outcomeOf>[0]);
      closeMessage(
        s,
        out,
        outcome.status === 'incomplete' ? 'incomplete' : 'completed',
        s.stopReason === 'refusal',
      );
      const response: ResponsesObject = {
        ...responseShell(s.ctx),
        status: outcome.status,
        incomplete_details: outcome.incomplete_details,
        output: s.output,
        output_text: outputText(s.output),
        usage: toResponsesUsage(s.usage),
      };
      s.done = true;
      s.response = response;
      emit(s, out, {
        type: outcome.status === 'completed' ? 'response.completed' : 'response.incomplete',
        response,
      });
      return;
    }

    case 'error': {
      const error = event.error as unknown;
      const type =
        isObject(error) && typeof field(error, 'type') === 'string'
          ? (field(error, 'type') as string)
          : 'api_error';
      const message =
        isObject(error) && typeof field(error, 'message') === 'string' && field(error, 'message') !== ''
          ? (field(error, 'message') as string)
          : 'the upstream stream failed';
      failStream(s, out, message, type);
      return;
    }

    case 'ping':
      return;

    default:
      return; // unknown event types are never fatal
  }
}

/** The hot path (most events of a stream): one object literal, no spread copy as `emit` makes. */
function textDelta(s: State, out: Out, open: OpenMessage, text: string): void {
  open.text += text;
  out.push({
    type: 'response.output_text.delta',
    item_id: open.item.id,
    output_index: open.index,
    content_index: 0,
    delta: text,
    logprobs: [],
    sequence_number: s.seq++,
  });
}

function thinkingDelta(
  s: State,
  out: Out,
  block: Extract<BlockState, { kind: 'thinking' }>,
  text: string,
): void {
  if (block.text.length === 0) {
    emit(s, out, {
      type: 'response.reasoning_summary_part.added',
      item_id: block.item.id,
      output_index: block.index,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    });
  }
  block.text += text;
  emit(s, out, {
    type: 'response.reasoning_summary_text.delta',
    item_id: block.item.id,
    output_index: block.index,
    summary_index: 0,
    delta: text,
  });
}

/** Upstream error types → the Responses `error.code` vocabulary. */
function errorCode(type: string): ResponsesErrorCode {
  if (type === 'rate_limit_error') return 'rate_limit_exceeded';
  if (type === 'invalid_request_error') return 'invalid_prompt';
  return 'server_error';
}

function failStream(s: State, out: Out, message: string, type: string): void {
  start(s, out);
  s.done = true;
  s.errorType = type;
  emit(s, out, { type: 'error', code: type, message, param: null });
  const response: ResponsesObject = {
    ...responseShell(s.ctx),
    status: 'failed',
    error: { code: errorCode(type), message },
    output: s.output,
    output_text: outputText(s.output),
    usage: toResponsesUsage(s.usage),
  };
  s.response = response;
  emit(s, out, { type: 'response.failed', response });
}
