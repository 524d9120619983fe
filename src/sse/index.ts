/** The SSE protocol layer: bytes ⇄ events, no JSON and no provider knowledge. */
export { SseDecoder, decodeAll, type SseEvent } from './decode.js';
export { encodeEvent, encodeComment, type SseOutgoingEvent } from './encode.js';
