import { describe, expect, it } from 'vitest';
import { decodeAll, encodeComment, encodeEvent } from '../../src/sse/index.js';

describe('encodeEvent', () => {
  it('writes a data-only event ending in a blank line', () => {
    expect(encodeEvent({ data: '{"a":1}' })).toBe('data: {"a":1}\n\n');
  });

  it('writes the event and id fields before the data', () => {
    expect(encodeEvent({ event: 'message_start', id: '7', data: 'x' })).toBe(
      'event: message_start\nid: 7\ndata: x\n\n',
    );
  });

  it('turns data with newlines into several data lines', () => {
    expect(encodeEvent({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('never lets a newline into the event or id field', () => {
    const encoded = encodeEvent({ event: 'x\ndata: injected\n', id: '1\r\n2', data: 'ok' });
    expect(encoded).toBe('event: xdata: injected\nid: 12\ndata: ok\n\n');
    expect(decodeAll(encoded)).toEqual([{ event: 'xdata: injected', data: 'ok' }]);
  });

  it('writes a comment that decoders ignore', () => {
    expect(encodeComment('ping')).toBe(': ping\n\n');
    expect(decodeAll(encodeComment('a\nb') + 'data: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
