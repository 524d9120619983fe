/**
 * Anthropic Message → OpenAI Response object. The upstream body is trusted to be the documented shape, but a
 * missing field degrades to an empty value rather than a TypeError.
 *
 * Blocks become output items in order: each thinking/redacted_thinking block a `reasoning` item (summary =
 * its text, encrypted_content = the signed block, see reasoning.ts), each run of text blocks one `message`
 * item with one `output_text` part, each tool_use a `function_call` item (call_id = the tool_use id).
 */
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStopReason,
  AnthropicUsage,
  ResponsesFunctionCall,
  ResponsesObject,
  ResponsesOutputItem,
  ResponsesOutputMessage,
  ResponsesReasoningItem,
  ResponsesUsage,
} from '../../wire/index.js';
import type { ResponsesEcho } from './request.js';
import { encodeReasoning, type SignedThinking } from './reasoning.js';

export interface ResponsesContext {
  /** `resp_…`, made by the route; item ids derive from it. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  echo: ResponsesEcho;
  toolNames: ReadonlyMap<string, { name: string; namespace: string }>;
}

/** Shown as the refusal when the upstream stopped with `refusal` (it gives no text of its own). */
export const REFUSAL_TEXT = 'Claude declined to continue this response.';

/** Item ids: a kind prefix, the response id's unique part, and the output index. */
export function itemId(ctx: ResponsesContext, prefix: 'msg' | 'fc' | 'rs', index: number): string {
  return `${prefix}_${ctx.id.slice(ctx.id.indexOf('_') + 1)}_${index}`;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * OpenAI's input_tokens counts every input token; Anthropic's input_tokens excludes cache reads and writes,
 * so they are added back. reasoning_tokens is the upstream's thinking_tokens when it reports them, else 0.
 */
export function toResponsesUsage(usage: Partial<AnthropicUsage> | undefined): ResponsesUsage {
  const cacheRead = count(usage?.cache_read_input_tokens);
  const cacheWrite = count(usage?.cache_creation_input_tokens);
  const input = count(usage?.input_tokens) + cacheRead + cacheWrite;
  const output = count(usage?.output_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(usage?.output_tokens_details?.thinking_tokens) },
    total_tokens: input + output,
  };
}

export interface Outcome {
  status: 'completed' | 'incomplete';
  incomplete_details: ResponsesObject['incomplete_details'];
}

/**
 * max_tokens/model_context_window_exceeded → incomplete (max_output_tokens); refusal → incomplete
 * (content_filter); everything else, pause_turn included (the text so far is a complete answer), completed.
 */
export function outcomeOf(reason: AnthropicStopReason | null | undefined): Outcome {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
    case 'refusal':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
    case null:
    case undefined:
      return { status: 'completed', incomplete_details: null };
    default:
      return { status: 'completed', incomplete_details: null };
  }
}

/** The response object's common part; `output`, `status` and `usage` are filled in by the caller. */
export function responseShell(ctx: ResponsesContext): ResponsesObject {
  const { user, ...echo } = ctx.echo;
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    ...echo,
    output: [],
    output_text: '',
    ...(user !== undefined ? { user } : {}),
  };
}

/** Every output_text joined, as the official SDKs compute `output_text`. */
export function outputText(output: readonly ResponsesOutputItem[]): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of item.content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}

export function reasoningItem(
  ctx: ResponsesContext,
  index: number,
  block: SignedThinking,
): ResponsesReasoningItem {
  const text = block.type === 'thinking' ? block.thinking : '';
  return {
    type: 'reasoning',
    id: itemId(ctx, 'rs', index),
    summary: text.length > 0 ? [{ type: 'summary_text', text }] : [],
    encrypted_content: encodeReasoning(ctx.echo.model, [block]),
    status: 'completed',
  };
}

export function functionCallItem(
  ctx: ResponsesContext,
  index: number,
  callId: string,
  upstreamName: string,
  args: string,
  status: 'in_progress' | 'completed',
): ResponsesFunctionCall {
  const named = ctx.toolNames.get(upstreamName);
  const item: ResponsesFunctionCall = {
    type: 'function_call',
    id: itemId(ctx, 'fc', index),
    call_id: callId,
    name: named?.name ?? upstreamName,
    arguments: args,
    status,
  };
  if (named !== undefined) item.namespace = named.namespace;
  return item;
}

export function toResponsesObject(message: AnthropicMessage, ctx: ResponsesContext): ResponsesObject {
  const output: ResponsesOutputItem[] = [];
  let openMessage: ResponsesOutputMessage | null = null;
  const blocks: unknown = message.content;
  for (const block of Array.isArray(blocks) ? (blocks as (AnthropicContentBlock | null)[]) : []) {
    if (typeof block !== 'object' || block === null) continue;
    if (block.type === 'text') {
      if (typeof block.text !== 'string' || block.text.length === 0) continue;
      if (openMessage === null) {
        openMessage = {
          type: 'message',
          id: itemId(ctx, 'msg', output.length),
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }],
        };
        output.push(openMessage);
      }
      const part = openMessage.content[0];
      if (part?.type === 'output_text') part.text += block.text;
      continue;
    }
    switch (block.type) {
      case 'thinking':
        openMessage = null;
        output.push(
          reasoningItem(ctx, output.length, {
            type: 'thinking',
            thinking: typeof block.thinking === 'string' ? block.thinking : '',
            signature: typeof block.signature === 'string' ? block.signature : '',
          }),
        );
        break;
      case 'redacted_thinking':
        openMessage = null;
        output.push(reasoningItem(ctx, output.length, { type: 'redacted_thinking', data: block.data }));
        break;
      case 'tool_use':
        openMessage = null;
        output.push(
          functionCallItem(
            ctx,
            output.length,
            block.id,
            block.name,
            JSON.stringify(block.input ?? {}),
            'completed',
          ),
        );
        break;
      default:
        break; // server tool blocks and future types have no Responses form here
    }
  }

  const outcome = outcomeOf(message.stop_reason);
  if (message.stop_reason === 'refusal') {
    if (openMessage === null) {
      openMessage = {
        type: 'message',
        id: itemId(ctx, 'msg', output.length),
        role: 'assistant',
        status: 'completed',
        content: [],
      };
      output.push(openMessage);
    }
    openMessage.content.push({ type: 'refusal', refusal: REFUSAL_TEXT });
  }
  if (outcome.status === 'incomplete' && openMessage !== null) openMessage.status = 'incomplete';

  return {
    ...responseShell(ctx),
    status: outcome.status,
    incomplete_details: outcome.incomplete_details,
    output,
    output_text: outputText(output),
    usage: toResponsesUsage(message.usage),
  };
}
