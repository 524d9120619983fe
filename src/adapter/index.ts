/**
 * The adapter's public surface: pure OpenAI ⇄ Anthropic translation, no I/O. The chat-completions route uses:
 *
 * - `toAnthropicRequest(body, options?)` — validates an untrusted parsed JSON body, translates it and applies
 *   the model's rules (src/models normaliser, with `options.models` or the built-in table); throws only
 *   ClientError (400, `param` naming the field). Returns the request plus `stream`, `includeUsage`, the
 *   client's `model`, `jsonTool` (non-null when response_format became a forced tool), `adjustments` and the
 *   model's `capabilities`. The route splits it in two — `translateChatRequest` (pure translation) and
 *   `finishChatRequest` (normaliser + prompt caching) — to restore cached thinking in between.
 * - `toChatCompletion(message, ctx)` — a buffered upstream Message → chat.completion. `ctx` is
 *   `{ id?, created, model, jsonTool? }`; without `id` the upstream message id is used.
 * - `createChunkTranslator({ ...ctx, includeUsage })` — `step(event)` per parsed upstream stream event returns
 *   payloads to write as `data: <JSON>`; when `done`, write `data: [DONE]`. An upstream `error` event yields an
 *   `{error:{…}}` payload (which the openai SDK raises) and sets `error`; `end()` after the upstream body ends
 *   reports a stream cut short before message_stop the same way.
 * - `toOpenAIError(err)` — the one OpenAI error normaliser for any throwable.
 * - `upstreamErrorFromResponse(status, body, headers)` — a non-2xx upstream answer → UpstreamError.
 * - `toOpenAIModelList(list)` — Anthropic's model list in OpenAI's format.
 */
export {
  toAnthropicRequest,
  translateChatRequest,
  finishChatRequest,
  type ChatDraft,
  type TranslateOptions,
  type TranslatedRequest,
} from './request.js';
export { JSON_TOOL_NAME } from '../models/index.js';
export {
  toChatCompletion,
  finishReason,
  toOpenAIUsage,
  thinkingTurnOf,
  type ResponseContext,
} from './response.js';
export { createFrameEncoder, framesForEvents, type FrameEncoder } from './frames.js';
export { rawDeltaOf, type RawDelta } from './raw-delta.js';
export { createChunkTranslator, type ChunkTranslator, type OpenAIStreamPayload } from './stream.js';
export {
  toOpenAIError,
  upstreamErrorFromResponse,
  openAIHeaders,
  streamErrorToOpenAI,
  type OpenAIErrorResponse,
} from './errors.js';
export { addCacheBreakpoints, type PromptCaching } from './caching.js';
export { toOpenAIModelList } from './model-list.js';
