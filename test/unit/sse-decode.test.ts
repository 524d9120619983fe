import { describe, expect, it } from 'vitest';
import { SseDecoder, decodeAll, encodeEvent } from '../../src/sse/index.js';

const utf8 = new TextEncoder();

function feed(chunks: (string | Uint8Array)[]) {
  const decoder = new SseDecoder();
  const events = chunks.flatMap((c) => decoder.push(c));
  events.push(...decoder.end());
  return { events, decoder };
}

describe('SseDecoder', () => {
  it('decodes an event with an event field and a data field', () => {
    expect(decodeAll('event: ping\ndata: {"type":"ping"}\n\n')).toEqual([
      { event: 'ping', data: '{"type":"ping"}' },
    ]);
  });

  it('names an event without an event field "message"', () => {
    expect(decodeAll('data: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('accepts LF, CR and CRLF line ends alike', () => {
    const expected = [
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ];
    expect(decodeAll('event: a\ndata: 1\n\nevent: b\ndata: 2\n\n')).toEqual(expected);
    expect(decodeAll('event: a\rdata: 1\r\revent: b\rdata: 2\r\r')).toEqual(expected);
    expect(decodeAll('event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n')).toEqual(expected);
  });

  it('treats a CR at the end of one chunk and an LF at the start of the next as one line end', () => {
    const { events } = feed(['data: 1\r', '\ndata: 2\r', '\n\r', '\n']);
    expect(events).toEqual([{ event: 'message', data: '1\n2' }]);
  });

  it('joins several data lines with a newline', () => {
    expect(decodeAll('data: a\ndata: b\ndata:\ndata: c\n\n')).toEqual([
      { event: 'message', data: 'a\nb\n\nc' },
    ]);
  });

  it('removes only one space after the colon', () => {
    expect(decodeAll('data:  two\ndata:none\n\n')[0]?.data).toBe(' two\nnone');
  });

  it('ignores comment lines and unknown fields', () => {
    expect(decodeAll(': keep-alive\nretry: 10\nfoo: bar\ndata: x\n\n')).toEqual([
      { event: 'message', data: 'x' },
    ]);
  });

  it('records the id field as lastEventId', () => {
    const { decoder, events } = feed(['id: 42\ndata: x\n\n']);
    expect(events).toHaveLength(1);
    expect(decoder.lastEventId).toBe('42');
  });

  it('does not dispatch an event that had no data line', () => {
    expect(decodeAll('event: lonely\n\ndata: y\n\n')).toEqual([{ event: 'message', data: 'y' }]);
  });

  it('reassembles an event split across many chunks, one character at a time', () => {
    const body = 'event: content_block_delta\ndata: {"a":1}\n\nevent: message_stop\ndata: {}\n\n';
    const { events } = feed(body.split(''));
    expect(events).toEqual([
      { event: 'content_block_delta', data: '{"a":1}' },
      { event: 'message_stop', data: '{}' },
    ]);
  });

  it('reassembles a multi-byte UTF-8 character split across byte chunks', () => {
    const bytes = utf8.encode('data: 22°C 🌞 ok\n\n');
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
    expect(feed(chunks).events).toEqual([{ event: 'message', data: '22°C 🌞 ok' }]);
  });

  it('flushes a final event without a trailing blank line on end()', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('event: message_stop\ndata: {"type":"message_stop"}\n')).toEqual([]);
    expect(decoder.end()).toEqual([{ event: 'message_stop', data: '{"type":"message_stop"}' }]);
  });

  it('flushes an unterminated last line on end()', () => {
    const decoder = new SseDecoder();
    decoder.push('data: tail');
    expect(decoder.end()).toEqual([{ event: 'message', data: 'tail' }]);
  });

  it('strips a byte order mark at the start of the stream', () => {
    expect(decodeAll('\uFEFFdata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('round-trips whatever the encoder writes, split at every position', () => {
    const encoded =
      encodeEvent({ event: 'a', data: 'line1\nline2\r\nline3' }) +
      encodeEvent({ data: '' }) +
      encodeEvent({ data: 'é' });
    const bytes = utf8.encode(encoded);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { events } = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(events).toEqual([
        { event: 'a', data: 'line1\nline2\nline3' },
        { event: 'message', data: '' },
        { event: 'message', data: 'é' },
      ]);
    }
  });
});
