/**
 * Responses stream events → SSE frames (`event: <type>` + `data: <JSON>`, as OpenAI sends them). Text deltas
 * are most of a stream and differ only in the delta and the sequence number, so their JSON is assembled
 * around one JSON.stringify of the delta; every other event takes the ordinary JSON.stringify.
 */
import type { ResponsesStreamEvent } from '../../wire/index.js';

export function responsesFrame(event: ResponsesStreamEvent): string {
  if (event.type === 'response.output_text.delta') {
    return (
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":${JSON.stringify(event.item_id)},` +
      `"output_index":${event.output_index},"content_index":${event.content_index},"delta":${JSON.stringify(event.delta)},` +
      `"logprobs":[],"sequence_number":${event.sequence_number}}\n\n`
    );
  }
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
