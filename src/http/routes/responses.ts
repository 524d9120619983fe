/**
 * POST /v1/responses and GET /v1/responses/{id}: OpenAI's Responses API over the Messages API. The request
 * is translated (adapter/responses, pure), sent through the same upstream client as chat completions
 * (retries, auth, correlation headers), and the answer translated back as one Response object or as the
 * Responses event stream. Unless the request says `store: false` (OpenAI's default is to store, and Codex
 * says false) the finished response and its conversation are kept in the bounded, expiring response store,
 * so `previous_response_id`, `item_reference` and GET work; with `store: false` nothing outlives the request.
 */
import { ADJUSTMENTS_HEADER, adjustmentsHeader } from '../../models/index.js';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openAIHeaders, toOpenAIError } from '../../adapter/index.js';
import {
  createResponsesStreamTranslator,
  referencedResponseIds,
  resolveReferences,
  responsesFrame,
  toAnthropicFromResponses,
  toResponsesObject,
  type ResponsesContext,
  type ResponsesTranslateOptions,
  type ResponsesStreamTranslator,
  type TranslatedResponsesRequest,
} from '../../adapter/responses/index.js';
import { ClientError, UpstreamError } from '../../errors.js';
import type { Logger } from '../../log/index.js';
import { SseDecoder, type SseEvent } from '../../sse/index.js';
import type { KeyValueStore } from '../../state/index.js';
import { forEachChunk, type Upstream, type UpstreamResponse } from '../../upstream/index.js';
import type { AnthropicMessage, AnthropicStreamEvent, ResponsesObject } from '../../wire/index.js';
import { readJsonBody } from '../body.js';
import { sendMessagesRequest, streamFailure, usageFrom } from './messages-call.js';
import { logFieldsOf, markStage, type RequestContext, type RouteHandler } from '../context.js';
import { markFirstByte, sendJson, writeChunk } from '../respond.js';

/** A stored response and the conversation it ends (its input items, then its output items). */
export interface StoredResponse {
  response: ResponsesObject;
  items: unknown[];
}

export interface ResponsesRouteOptions {
  readonly upstream: Upstream;
  readonly maxBodySize: number;
  readonly translate: Omit<ResponsesTranslateOptions, 'history'>;
  readonly store: KeyValueStore<StoredResponse>;
  readonly logger: Logger;
}

/** Names the built-in tools (and tool choices) that were dropped because Claude has no equivalent. */
export const DROPPED_HEADER = 'x-claudine-dropped';

function newResponseId(): string {
  return `resp_${randomBytes(16).toString('hex')}`;
}

/** Upstream events → SSE frames; the one JSON.parse per event the translation needs. */
function translateEvents(
  events: readonly SseEvent[],
  translator: ResponsesStreamTranslator,
  ctx: RequestContext,
): string {
  let out = '';
  for (const event of events) {
    let parsed: AnthropicStreamEvent;
    try {
      parsed = JSON.parse(event.data) as AnthropicStreamEvent;
    } catch {
      throw new UpstreamError(`the upstream sent a "${event.event}" event that is not JSON`, 502, null);
    }
    if (parsed.type === 'message_start') ctx.usage = usageFrom(parsed.message.usage);
    else if (parsed.type === 'message_delta' && ctx.usage !== null)
      ctx.usage.output = parsed.usage.output_tokens;
    for (const out_ of translator.step(parsed)) out += responsesFrame(out_);
  }
  return out;
}

async function streamResponse(
  response: UpstreamResponse,
  res: ServerResponse,
  ctx: RequestContext,
  translator: ResponsesStreamTranslator,
  headers: Record<string, string>,
): Promise<void> {
  const decoder = new SseDecoder();
  markFirstByte(ctx);
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  try {
    await forEachChunk(response.body, (chunk) => {
      if (translator.done || res.destroyed) return undefined;
      const out = translateEvents(decoder.push(chunk), translator, ctx);
      return out === '' ? undefined : writeChunk(res, ctx, out);
    });
    let out = translateEvents(decoder.end(), translator, ctx);
    const tail = translator.end();
    if (tail.length > 0) ctx.outcome = 'upstream_abort';
    for (const event of tail) out += responsesFrame(event);
    if (out !== '' && !res.destroyed) await writeChunk(res, ctx, out);
  } catch (err) {
    if (res.destroyed) return;
    ctx.outcome = 'upstream_abort';
    const { body } = toOpenAIError(err instanceof UpstreamError ? err : streamFailure(err));
    let out = '';
    for (const event of translator.fail(body.error.message, body.error.code ?? body.error.type))
      out += responsesFrame(event);
    if (out !== '') await writeChunk(res, ctx, out);
  }
  if (translator.errorType !== null) {
    ctx.outcome ??= 'upstream_error';
    ctx.errorType = translator.errorType;
  }
  if (!res.destroyed) res.end();
}

function responseHeaders(
  translated: TranslatedResponsesRequest,
  upstream: UpstreamResponse,
): Record<string, string> {
  const headers = openAIHeaders(upstream.headers);
  if (translated.dropped.length > 0) headers[DROPPED_HEADER] = translated.dropped.join(', ');
  if (translated.adjustments.length > 0)
    headers[ADJUSTMENTS_HEADER] = adjustmentsHeader(translated.adjustments);
  return headers;
}

async function remember(
  options: ResponsesRouteOptions,
  history: readonly unknown[],
  translated: TranslatedResponsesRequest,
  response: ResponsesObject | null,
): Promise<void> {
  if (!translated.store || response === null) return;
  const record: StoredResponse = {
    response,
    items: [...history, ...translated.inputItems, ...response.output],
  };
  // Measured once per stored response (never per chunk): the budget the store enforces.
  await options.store.set(response.id, record, JSON.stringify(record).length);
}

async function loadHistory(options: ResponsesRouteOptions, body: unknown): Promise<readonly unknown[]> {
  const id =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)['previous_response_id']
      : undefined;
  if (id === undefined || id === null) return [];
  if (typeof id !== 'string') {
    throw new ClientError(
      'previous_response_id must be a string.',
      400,
      'invalid_request',
      'previous_response_id',
    );
  }
  const stored = await options.store.get(id);
  if (stored === undefined) {
    throw new ClientError(
      `Previous response with id '${id}' not found. claudine keeps responses only when they were created without store: false, in memory, for responses.store_ttl.`,
      404,
      'not_found',
      'previous_response_id',
    );
  }
  return stored.items;
}

/** The body with its `item_reference` items replaced by the stored items they name, where known. */
async function resolveItemReferences(options: ResponsesRouteOptions, body: unknown): Promise<unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const input = (body as Record<string, unknown>)['input'];
  const ids = referencedResponseIds(input);
  if (ids.length === 0 || !Array.isArray(input)) return body;
  const outputs = new Map<string, ResponsesObject['output']>();
  for (const id of ids) {
    const stored = await options.store.get(id);
    if (stored !== undefined) outputs.set(id, stored.response.output);
  }
  return { ...body, input: resolveReferences(input as unknown[], outputs) };
}

export function responsesRoute(options: ResponsesRouteOptions): RouteHandler {
  return async (req, res, ctx) => {
    const body = await resolveItemReferences(options, await readJsonBody(req, ctx, options.maxBodySize));
    markStage(ctx, 'body_read');
    const history = await loadHistory(options, body);
    const translated = toAnthropicFromResponses(body, { ...options.translate, history });
    ctx.model = translated.model;
    ctx.stream = translated.stream;
    if (translated.dropped.length > 0 || translated.skippedReasoning > 0) {
      options.logger.debug(
        {
          ...logFieldsOf(ctx),
          dropped: translated.dropped,
          skipped_reasoning_items: translated.skippedReasoning,
        },
        'responses request: parts without a Claude equivalent were dropped',
      );
    }
    if (translated.adjustments.length > 0) {
      options.logger.debug(
        {
          ...logFieldsOf(ctx),
          model: translated.model,
          upstream_model: translated.request.model,
          adjustments: translated.adjustments.map((a) => `${a.field}=${a.change}: ${a.reason}`),
        },
        'request adjusted for the model',
      );
    }

    const response = await sendMessagesRequest(options.upstream, req, res, ctx, {
      body: translated.request,
      stream: translated.stream,
    });

    const responseContext: ResponsesContext = {
      id: newResponseId(),
      createdAt: Math.floor(Date.now() / 1000),
      echo: translated.echo,
      toolNames: translated.toolNames,
    };
    const headers = responseHeaders(translated, response);
    if (translated.stream) {
      const translator = createResponsesStreamTranslator(responseContext);
      await streamResponse(response, res, ctx, translator, headers);
      if (translator.response?.status !== 'failed')
        await remember(options, history, translated, translator.response);
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
    const result = toResponsesObject(message, responseContext);
    ctx.usage = usageFrom(message.usage);
    await remember(options, history, translated, result);
    sendJson(res, ctx, 200, result, headers);
  };
}

/** The id in `/v1/responses/{id}`; a deeper path (`…/input_items`) is no route of ours. */
function responseIdOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  let id: string;
  try {
    id = decodeURIComponent(path.slice('/v1/responses/'.length));
  } catch {
    throw new ClientError('the response id in the path is not valid', 400, 'invalid_request');
  }
  if (id.length === 0 || id.includes('/')) {
    throw new ClientError(`no route for ${req.method ?? 'GET'} ${path}`, 404, 'not_found');
  }
  return id;
}

function notFound(id: string): ClientError {
  return new ClientError(
    `Response with id '${id}' not found. claudine keeps responses only when they were created without store: false, in memory, for responses.store_ttl.`,
    404,
    'not_found',
  );
}

/** GET /v1/responses/{id}: a stored response, or a 404 that says why it may be missing. */
export function getResponseRoute(options: Pick<ResponsesRouteOptions, 'store'>): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => {
    const id = responseIdOf(req);
    const stored = await options.store.get(id);
    if (stored === undefined) throw notFound(id);
    sendJson(res, ctx, 200, stored.response);
  };
}

/** DELETE /v1/responses/{id}: forgets a stored response (OpenAI's answer shape), or a 404. */
export function deleteResponseRoute(options: Pick<ResponsesRouteOptions, 'store'>): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => {
    const id = responseIdOf(req);
    if (!(await options.store.delete(id))) throw notFound(id);
    sendJson(res, ctx, 200, { id, object: 'response', deleted: true });
  };
}
