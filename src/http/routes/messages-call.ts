/**
 * What the OpenAI-dialect routes (chat completions, Responses) share once they have translated a request:
 * sending it to the upstream Messages API with the request's abort, correlation headers, retry discipline
 * and stage marks; turning an upstream error answer into the route's error; and the failures and token
 * counts they read off the answer. One copy, so the two routes cannot drift apart (they did twice).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { upstreamErrorFromResponse } from '../../adapter/index.js';
import { UpstreamError } from '../../errors.js';
import {
  clientRetriesItself,
  DEFAULT_ANTHROPIC_VERSION,
  type Upstream,
  type UpstreamResponse,
} from '../../upstream/index.js';
import type { AnthropicUsage } from '../../wire/index.js';
import {
  addCorrelationHeaders,
  logFieldsOf,
  markStage,
  noteUpstreamAnswer,
  stageMarker,
  type RequestContext,
} from '../context.js';
import { abortOnDisconnect } from '../respond.js';

/**
 * Sends a translated Messages request. Resolves with a 2xx/3xx answer; an error answer is read and thrown as
 * the UpstreamError the route's error handler answers in its dialect. The upstream request is aborted when
 * the client goes away.
 */
export async function sendMessagesRequest(
  upstream: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  request: { readonly body: unknown; readonly stream: boolean },
): Promise<UpstreamResponse> {
  markStage(ctx, 'translated');
  const abort = abortOnDisconnect(res);
  const headers = addCorrelationHeaders(
    { 'content-type': 'application/json', 'anthropic-version': DEFAULT_ANTHROPIC_VERSION },
    ctx,
  );
  const started = performance.now();
  const response = await upstream.send({
    method: 'POST',
    path: '/messages',
    headers,
    body: JSON.stringify(request.body),
    signal: abort.signal,
    stream: request.stream,
    clientRetries: clientRetriesItself(req.headers),
    logFields: logFieldsOf(ctx),
    stage: stageMarker(ctx),
  });
  noteUpstreamAnswer(ctx, response, started);
  if (response.statusCode >= 400) await throwUpstreamError(response);
  return response;
}

async function throwUpstreamError(response: UpstreamResponse): Promise<never> {
  let body: unknown;
  try {
    body = await response.body.json();
  } catch {
    body = undefined;
  }
  throw upstreamErrorFromResponse(response.statusCode, body, response.headers);
}

/** The upstream connection failed while its answer was being read. */
export function streamFailure(err: unknown): UpstreamError {
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new UpstreamError(`the upstream connection failed mid-answer (${detail})`, 502, null, {}, false);
}

/** An answer's token counts for the access log and metrics; missing counts are 0. */
export function usageFrom(u: Partial<AnthropicUsage> | undefined): RequestContext['usage'] {
  if (u === undefined) return null;
  return {
    input: u.input_tokens ?? 0,
    output: u.output_tokens ?? 0,
    cacheRead: u.cache_read_input_tokens ?? 0,
    cacheCreation: u.cache_creation_input_tokens ?? 0,
  };
}
