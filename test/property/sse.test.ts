/**
 * Property tests of the SSE decoder: how the bytes are cut into chunks never changes the events, it agrees
 * with a plain reference reading of the WHATWG rules, and no input — however broken — makes it throw.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseDecoder, decodeAll, type SseEvent } from '../../src/sse/index.js';
import { sseEvent, textStreamEvents } from '../helpers/fake-upstream.js';

const utf8 = new TextEncoder();

interface Decoded {
  events: SseEvent[];
  lastEventId: string;
}

function decodeChunks(chunks: readonly (Uint8Array | string)[]): Decoded {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return { events, lastEventId: decoder.lastEventId };
}

/** `whole` cut at the given offsets (any order, duplicates and out-of-range ones allowed). */
function cut<T extends Uint8Array | string>(whole: T, offsets: readonly number[]): T[] {
  const at = [...new Set(offsets.map((o) => o % (whole.length + 1)))].sort((a, b) => a - b);
  const chunks: T[] = [];
  let start = 0;
  for (const end of [...at, whole.length]) {
    chunks.push(whole.slice(start, end) as T);
    start = end;
  }
  return chunks;
}

/**
 * The reference: the spec's algorithm written the obvious way, over the whole text at once. Like the
 * decoder, the last unterminated line and event are flushed at the end (the proxy wants a cut-short
 * stream's last event rather than silence).
 */
function reference(text: string): Decoded {
  const events: SseEvent[] = [];
  let lastEventId = '';
  let type = '';
  let data: string | null = null;
  const dispatch = (): void => {
    if (data !== null) events.push({ event: type === '' ? 'message' : type, data });
    data = null;
    type = '';
  };
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
  }
  dispatch();
  return { events, lastEventId };
}

// ---------------------------------------------------------------- real streams

interface StreamingFixture {
  anthropicSSE?: string[];
}

const fixtureDir = new URL('../fixtures/conformance/streaming/', import.meta.url);
const fixtureStreams: { name: string; text: string }[] = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) =>
    (JSON.parse(readFileSync(new URL(file, fixtureDir), 'utf8')) as StreamingFixture[]).flatMap((c, i) =>
      c.anthropicSSE === undefined ? [] : [{ name: `${file}#${i}`, text: c.anthropicSSE.join('\n') }],
    ),
  );

/** Streams with multi-byte UTF-8 in every position a cut can fall: 2-, 3- and 4-byte characters. */
const multiByteStreams = [
  {
    name: 'multi-byte text',
    text: textStreamEvents(['héllo', ' 世界', ' 🎉🎉', ' Ω≈ç√', ' 𝄞']).map(sseEvent).join(''),
  },
  {
    name: 'multi-byte event names and ids',
    text: 'event: ünïcødé\nid: 🆔\ndata: «ß»\n\n:コメント\ndata: 😀\n\n',
  },
];

const variants = (text: string): { variant: string; text: string }[] => [
  { variant: 'LF', text },
  { variant: 'CRLF', text: text.replaceAll('\n', '\r\n') },
  { variant: 'CR', text: text.replaceAll('\n', '\r') },
  { variant: 'BOM+CRLF', text: '\uFEFF' + text.replaceAll('\n', '\r\n') },
];

const streams = [...fixtureStreams, ...multiByteStreams].flatMap(({ name, text }) =>
  variants(text).map((v) => ({ name: `${name} (${v.variant})`, text: v.text, bytes: utf8.encode(v.text) })),
);

describe('SseDecoder on real upstream streams', () => {
  it('finds the fixture streams', () => {
    expect(fixtureStreams.length).toBeGreaterThanOrEqual(8);
  });

  it('decodes each stream whole as the reference does, every event the JSON of its own type', () => {
    for (const stream of streams) {
      const { events } = decodeChunks([stream.bytes]);
      expect(events.length, stream.name).toBeGreaterThan(0);
      expect(events, stream.name).toEqual(reference(stream.text.replace(/^\uFEFF/, '')).events);
      if (stream.name.startsWith('multi-byte event')) continue;
      for (const event of events)
        expect((JSON.parse(event.data) as { type: string }).type, stream.name).toBe(event.event);
    }
  });

  it('any byte split of any stream decodes to the same events as the whole', () => {
    const whole = new Map(streams.map((s) => [s.name, decodeChunks([s.bytes])]));
    fc.assert(
      fc.property(fc.constantFrom(...streams), fc.array(fc.nat(), { maxLength: 40 }), (stream, offsets) => {
        expect(decodeChunks(cut(stream.bytes, offsets))).toEqual(whole.get(stream.name));
      }),
      { numRuns: 400 },
    );
  });

  it('one byte at a time decodes to the same events as the whole', () => {
    for (const stream of streams.filter((s) => s.bytes.length < 4000)) {
      const bytes = Array.from(stream.bytes, (_, i) => stream.bytes.subarray(i, i + 1));
      expect(decodeChunks(bytes), stream.name).toEqual(decodeChunks([stream.bytes]));
    }
  });

  it('any split of the text as strings decodes to the same events as the bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...streams), fc.array(fc.nat(), { maxLength: 40 }), (stream, offsets) => {
        // A string stream has no byte-order mark to strip at the decoding layer: only the decoder's own.
        expect(decodeChunks(cut(stream.text, offsets))).toEqual(decodeChunks([stream.bytes]));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- garbage

/** Text built from the pieces that matter to the parser, so the odd cases come up often. */
const sseLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'data',
        'data:',
        'data: ',
        'event:',
        'event: ',
        'id:',
        'id: ',
        'retry: 10',
        ':',
        ': ping',
        ' ',
        '\r',
        '\n',
        '\r\n',
        '\n\n',
        '\0',
        '\uFEFF',
        'é',
        '🎉',
        '\uD800',
        '{"type":"ping"}',
        'x',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

const garbageBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  sseLike.map((t) => utf8.encode(t)),
  // Valid SSE with bytes flipped: broken UTF-8 in the middle of lines.
  fc
    .tuple(sseLike, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 5 }))
    .map(([t, flips]) => {
      const bytes = utf8.encode(t);
      for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return bytes;
    }),
);

describe('SseDecoder on garbage', () => {
  it('never throws on arbitrary bytes or strings in arbitrary chunks, nor at end()', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(garbageBytes, sseLike, fc.string({ unit: 'binary', maxLength: 50 })), {
          maxLength: 8,
        }),
        (chunks) => {
          const decoder = new SseDecoder();
          for (const chunk of chunks) {
            for (const event of decoder.push(chunk)) {
              expect(typeof event.event).toBe('string');
              expect(typeof event.data).toBe('string');
            }
          }
          decoder.end();
          // A second end() (a route that ends twice) is harmless too.
          expect(decoder.end()).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with the reference reading of the spec on any text', () => {
    fc.assert(
      fc.property(fc.oneof(sseLike, fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        expect(decodeAll(text)).toEqual(reference(text).events);
        expect(decodeChunks([text]).lastEventId).toBe(reference(text).lastEventId);
      }),
      { numRuns: 500 },
    );
  });

  it('cutting garbage bytes anywhere never changes the events', () => {
    fc.assert(
      fc.property(garbageBytes, fc.array(fc.nat(), { maxLength: 20 }), (bytes, offsets) => {
        expect(decodeChunks(cut(bytes, offsets))).toEqual(decodeChunks([bytes]));
      }),
      { numRuns: 500 },
    );
  });

  it('cutting garbage text anywhere never changes the events', () => {
    fc.assert(
      fc.property(sseLike, fc.array(fc.nat(), { maxLength: 20 }), (text, offsets) => {
        expect(decodeChunks(cut(text, offsets))).toEqual(decodeChunks([text]));
      }),
      { numRuns: 500 },
    );
  });
});
