/**
 * Server-sent events encoder. A newline inside a single-line field (`event:`, `id:`) would end that field
 * and let a value inject fields of its own, so line breaks are removed there; `data` with line breaks
 * becomes several `data:` lines, which a decoder joins back with "\n" (a CRLF or lone CR comes back as LF).
 */

export interface SseOutgoingEvent {
  event?: string;
  id?: string;
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;
const LINE_BREAKS = /[\r\n]/g;

function singleLine(value: string): string {
  return value.includes('\n') || value.includes('\r') ? value.replace(LINE_BREAKS, '') : value;
}

/** One complete event, ending in the blank line that dispatches it. */
export function encodeEvent(event: SseOutgoingEvent): string {
  let head = '';
  if (event.event !== undefined) head += `event: ${singleLine(event.event)}\n`;
  if (event.id !== undefined) head += `id: ${singleLine(event.id)}\n`;
  const { data } = event;
  if (!data.includes('\n') && !data.includes('\r')) return `${head}data: ${data}\n\n`;
  return `${head}data: ${data.split(LINE_BREAK).join('\ndata: ')}\n\n`;
}

/** A comment line (keep-alive); decoders ignore it. */
export function encodeComment(text: string): string {
  return `: ${singleLine(text)}\n\n`;
}
