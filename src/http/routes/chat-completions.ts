/**
 * POST /v1/chat/completions: read and validate the OpenAI request, translate it (adapter/, pure), send
 * it to the upstream Messages API, and translate the answer back — as one JSON body, or as a stream of
 * chunks through the stream state machine.
 */
import type { ServerResponse } from 'node:http';
import {
  createChunkTranslator,
  createFrameEncoder,
  finishChatRequest,
  framesForEvents,
  openAIHeaders,
  thinkingTurnOf,
  translateChatRequest,
  toChatCompletion,
  toOpenAIError,
  type ChunkTranslator,
  type FrameEncoder,
  type OpenAIStreamPayload,
  type ResponseContext,
  type TranslateOptions,
} from '../../adapter/index.js';
import {
  ADJUSTMENTS_HEADER,
  adjustmentsHeader,
  restoreThinking,
  type Adjustment,
  type ModelRegistry,
} from '../../models/index.js';
import type { Logger } from '../../log/index.js';
import type { ThinkingCache } from '../../state/index.js';
import { SseDecoder, type SseEvent } from '../../sse/index.js';
import type { AnthropicMessage, AnthropicStreamEvent } from '../../wire/index.js';
import {
  DEFAULT_ANTHROPIC_VERSION,
  forEachChunk,
  type Upstream,
  type UpstreamResponse,
} from '../../upstream/index.js';
import { UpstreamError } from '../../errors.js';
import { readJsonBody } from '../body.js';
import { sendMessagesRequest, streamFailure, usageFrom } from './messages-call.js';
import { logFieldsOf, markStage, type RequestContext, type RouteHandler } from '../context.js';
import { markFirstByte, sendJson, writeChunk } from '../respond.js';

export interface ChatCompletionsOptions {
  readonly upstream: Upstream;
  readonly maxBodySize: number;
  readonly translate: TranslateOptions;
  readonly models: ModelRegistry;
  /** Signed thinking kept for apps that drop it; null: no cache (blocks only come back if the client sends them). */
  readonly thinking: ThinkingCache | null;
  readonly logger: Logger;
}

const DONE = 'data: [DONE]\n\n';

function frames(encoder: FrameEncoder, payloads: readonly OpenAIStreamPayload[]): string {
  let out = '';
  for (const payload of payloads) out += encoder.frame(payload);
  return out;
}

/** Upstream events → the SSE frames to send, noting token counts for the access log on the way. */
function translateEvents(
  events: readonly SseEvent[],
  translator: ChunkTranslator,
  encoder: FrameEncoder,
  ctx: RequestContext,
): string {
  return framesForEvents(events, translator, encoder, (event) => noteUsage(ctx, event));
}

async function streamCompletion(
  response: UpstreamResponse,
  res: ServerResponse,
  ctx: RequestContext,
  responseContext: ResponseContext,
  includeUsage: boolean,
  extraHeaders: Record<string, string>,
  logger: Logger,
): Promise<ChunkTranslator> {
  const translator = createChunkTranslator({ ...responseContext, includeUsage });
  const decoder = new SseDecoder();
  const encoder = createFrameEncoder();
  markFirstByte(ctx);
  res.writeHead(200, {
    ...openAIHeaders(response.headers),
    ...extraHeaders,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  // No flushHeaders(): the headers leave with the first chunk, one write instead of two (TTFB).
  try {
    await forEachChunk(response.body, (chunk) => {
      // After message_stop (or a client that left) the rest is read and dropped: breaking off would abort
      // the upstream request, which costs more than the few bytes still to come.
      if (translator.done || res.destroyed) return undefined;
      const out = translateEvents(decoder.push(chunk), translator, encoder, ctx);
      return out === '' ? undefined : writeChunk(res, ctx, out);
    });
    // A last event without its blank line still counts; a body that ended without message_stop makes the
    // translator report the answer as incomplete instead of letting it look like a clean end.
    const last = translateEvents(decoder.end(), translator, encoder, ctx);
    const tail = translator.end();
    if (tail.length > 0) ctx.outcome = 'upstream_abort';
    const out = last + frames(encoder, tail);
    if (out !== '' && !res.destroyed) await writeChunk(res, ctx, out);
    if (translator.error !== null) {
      ctx.outcome ??= 'upstream_error';
      ctx.errorType = translator.error.body.error.type;
    }
  } catch (err) {
    if (res.destroyed) return translator;
    ctx.outcome = 'upstream_abort';
    const failure = err instanceof UpstreamError ? err : streamFailure(err);
    // Once per request: the stream ends here, so nothing else is translated (or logged) after it.
    logger.warn(
      { ...logFieldsOf(ctx), reason: failure.message },
      'upstream stream failed; the client got a 502 error chunk',
    );
    const { body } = toOpenAIError(failure);
    ctx.errorType = body.error.type;
    await writeChunk(res, ctx, `data: ${JSON.stringify(body)}\n\n`);
  }
  if (!res.destroyed) {
    res.end(DONE);
    ctx.bytesOut += DONE.length;
  }
  return translator;
}

export function chatCompletionsRoute(options: ChatCompletionsOptions): RouteHandler {
  const translate: TranslateOptions = {
    ...options.translate,
    models: options.models,
    anthropicVersion: DEFAULT_ANTHROPIC_VERSION,
  };
  const thinkingCache = options.thinking;
  const remember = (turn: ReturnType<typeof thinkingTurnOf>, model: string): void => {
    if (turn === null || thinkingCache === null) return;
    thinkingCache.remember(turn.key, { model, blocks: turn.blocks }).catch((err: unknown) => {
      options.logger.warn(
        { reason: err instanceof Error ? err.message : String(err) },
        'thinking cache write failed',
      );
    });
  };

  return async (req, res, ctx) => {
    const body = await readJsonBody(req, ctx, options.maxBodySize);
    markStage(ctx, 'body_read');
    const chat = translateChatRequest(body);
    ctx.model = chat.model;
    ctx.stream = chat.stream;
    const upstreamModel = options.models.lookup(chat.model).id;

    // Signed thinking the client dropped comes back from the cache (only the same model's).
    const restoredNotes: Adjustment[] = [];
    if (thinkingCache !== null && chat.draft.messages.some((m) => m.role === 'assistant')) {
      const found = await thinkingCache.recall(chat.draft.messages);
      if (found.size > 0) {
        const { restored, droppedForeign } = restoreThinking(chat.draft.messages, found, upstreamModel);
        if (restored > 0)
          restoredNotes.push({
            field: 'messages',
            change: `thinking restored (${restored})`,
            reason: 'signed thinking the client did not send back',
          });
        if (droppedForeign > 0)
          restoredNotes.push({
            field: 'messages',
            change: `thinking dropped (${droppedForeign})`,
            reason: 'signed by another model',
          });
      }
    }
    const translated = finishChatRequest(chat, translate);
    const adjustments = [...restoredNotes, ...translated.adjustments];
    const extraHeaders: Record<string, string> = {};
    if (adjustments.length > 0) {
      extraHeaders[ADJUSTMENTS_HEADER] = adjustmentsHeader(adjustments);
      options.logger.debug(
        {
          ...logFieldsOf(ctx),
          model: translated.model,
          upstream_model: translated.request.model,
          adjustments: adjustments.map((a) => `${a.field}=${a.change}: ${a.reason}`),
        },
        'request adjusted for the model',
      );
    }

    const response = await sendMessagesRequest(options.upstream, req, res, ctx, {
      body: translated.request,
      stream: translated.stream,
    });

    // The completion id is the upstream message id, so a log line and the provider's records can be matched.
    const responseContext: ResponseContext = {
      created: Math.floor(Date.now() / 1000),
      model: translated.model,
      jsonTool: translated.jsonTool,
    };
    if (translated.stream) {
      const translator = await streamCompletion(
        response,
        res,
        ctx,
        responseContext,
        translated.includeUsage,
        extraHeaders,
        options.logger,
      );
      if (translator.done && translator.error === null)
        remember(translator.thinkingTurn(), translated.request.model);
      return;
    }
    let message: AnthropicMessage;
    try {
      message = (await response.body.json()) as AnthropicMessage;
    } catch (err) {
      throw err instanceof SyntaxError
        ? new UpstreamError('the upstream answered 200 with a body that is not JSON', 502, null)
        : streamFailure(err);
    }
    const completion = toChatCompletion(message, responseContext);
    ctx.usage = usageFrom(message.usage);
    sendJson(res, ctx, 200, completion, { ...openAIHeaders(response.headers), ...extraHeaders });
    remember(thinkingTurnOf(message), translated.request.model);
  };
}

/** Token counts for the access log, read from the events the translator sees anyway (no extra parse). */
function noteUsage(ctx: RequestContext, event: AnthropicStreamEvent): void {
  if (event.type === 'message_start') ctx.usage = usageFrom(event.message.usage);
  else if (event.type === 'message_delta' && ctx.usage !== null) ctx.usage.output = event.usage.output_tokens;
}
