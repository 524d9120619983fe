/**
 * The Responses dialect's public surface: pure OpenAI Responses ⇄ Anthropic translation, no I/O. The
 * /v1/responses route uses:
 *
 * - `toAnthropicFromResponses(body, options?)` — validates an untrusted parsed JSON body and translates it;
 *   throws only ClientError (400, `param` naming the field). `options.history` is the stored conversation
 *   of `previous_response_id`. Returns the request plus what the response side echoes and what was dropped.
 * - `toResponsesObject(message, ctx)` — a buffered upstream Message → Response object.
 * - `createResponsesStreamTranslator(ctx)` — `step(event)` per parsed upstream stream event returns the
 *   Responses events to send (each with its sequence_number); `end()` after the upstream body ends reports
 *   a stream cut short; `response` is the final object once `done`.
 * - `responsesFrame(event)` — one event as an SSE frame.
 * - `encodeReasoning` / `decodeReasoning` — the reasoning item's `encrypted_content` carrier.
 * - `referencedResponseIds(input)` / `resolveReferences(input, outputs)` — `item_reference` items, resolved
 *   against stored responses the route fetched.
 * Errors use the shared OpenAI normaliser (`toOpenAIError`): the Responses API has the same envelope.
 */
export {
  toAnthropicFromResponses,
  type ResponsesEcho,
  type ResponsesTranslateOptions,
  type TranslatedResponsesRequest,
} from './request.js';
export { toResponsesObject, toResponsesUsage, type ResponsesContext } from './response.js';
export { createResponsesStreamTranslator, type ResponsesStreamTranslator } from './stream.js';
export { responsesFrame } from './frames.js';
export { encodeReasoning, decodeReasoning, type SignedThinking } from './reasoning.js';
export { parseItemId, referencedResponseIds, resolveReferences } from './references.js';
