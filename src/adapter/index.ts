/**
 * The adapter's public surface: pure OpenAI ⇄ Anthropic translation, no I/O. The chat-completions route uses:
 *
 * - `toAnthropicRequest(body, options?)` — validates an untrusted parsed JSON body and translates it; throws
 *   only ClientError (400, `param` naming the field). Returns the request plus `stream`, `includeUsage`, the
 *   client's `model` and `jsonTool` (non-null when response_format became a forced tool).
 * - `toChatCompletion(message, ctx)` — a buffered upstream Message → chat.completion. `ctx` is
 *   `{ id?, created, model, jsonTool? }`; without `id` the upstream message id is used.
 * - `createChunkTranslator({ ...ctx, includeUsage })` — `step(event)` per parsed upstream stream event returns
 *   payloads to write as `data: <JSON>`; when `done`, write `data: [DONE]`. An upstream `error` event yields an
 *   `{error:{…}}` payload (which the openai SDK raises) and sets `error`; `end()` after the upstream body ends
 *   reports a stream cut short before message_stop the same way.
 * - `toOpenAIError(err)` — the one OpenAI error normaliser for any throwable.
 * - `upstreamErrorFromResponse(status, body, headers)` — a non-2xx upstream answer → UpstreamError.
 * - `toOpenAIModelList(list)`, `fallbackModelList()`, `FALLBACK_MODELS`, `defaultMaxTokens(model)`.
 */
export {
  toAnthropicRequest,
  JSON_TOOL_NAME,
  type TranslateOptions,
  type TranslatedRequest,
} from './request.js';
export { toChatCompletion, finishReason, toOpenAIUsage, type ResponseContext } from './response.js';
export { createFrameEncoder, type FrameEncoder } from './frames.js';
export { createChunkTranslator, type ChunkTranslator, type OpenAIStreamPayload } from './stream.js';
export {
  toOpenAIError,
  upstreamErrorFromResponse,
  openAIHeaders,
  streamErrorToOpenAI,
  type OpenAIErrorResponse,
} from './errors.js';
export { addCacheBreakpoints, type PromptCaching } from './caching.js';
export { toOpenAIModelList, fallbackModelList, defaultMaxTokens, FALLBACK_MODELS } from './models.js';
