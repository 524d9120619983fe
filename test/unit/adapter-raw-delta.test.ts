import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createChunkTranslator,
  createFrameEncoder,
  framesForEvents,
  rawDeltaOf,
} from '../../src/adapter/index.js';
import type { SseEvent } from '../../src/sse/index.js';
import type { AnthropicStreamEvent } from '../../src/wire/index.js';
import {
  stream,
  textBlock,
  thinkingBlock,
  toolUseBlock,
  type StreamEvent,
} from '../helpers/anthropic-streams.js';

const sse = (events: readonly StreamEvent[]): SseEvent[] =>
  events.map((e) => ({ event: e.type, data: JSON.stringify(e) }));

const translatorFor = (jsonTool?: string) =>
  createChunkTranslator({
    created: 1,
    model: 'claude-x',
    includeUsage: true,
    ...(jsonTool !== undefined ? { jsonTool } : {}),
  });

/** The frames of a stream through the parse-every-event lane only: what the raw lane must equal. */
function parsedLane(events: readonly SseEvent[], jsonTool?: string): string {
  const translator = translatorFor(jsonTool);
  const encoder = createFrameEncoder();
  let out = '';
  for (const e of events)
    for (const payload of translator.step(JSON.parse(e.data) as AnthropicStreamEvent))
      out += encoder.frame(payload);
  return out;
}

function withRawLane(events: readonly SseEvent[], jsonTool?: string): string {
  return framesForEvents(events, translatorFor(jsonTool), createFrameEncoder());
}

/** Frames as the JSON a client reads (a raw literal may escape differently from JSON.stringify). */
const payloads = (frames: string): unknown[] =>
  frames
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => JSON.parse(f.slice(6)) as unknown);

describe('the raw lane for text and tool-argument deltas', () => {
  it('takes the literal of a text or input_json delta in the upstream shape', () => {
    expect(
      rawDeltaOf(
        '{"type":"content_block_delta","index":12,"delta":{"type":"text_delta","text":"a\\"b\\u00e9"}}',
      ),
    ).toEqual({ index: 12, kind: 'text', literal: '"a\\"b\\u00e9"' });
    expect(
      rawDeltaOf(
        '{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"x\\":"}}',
      ),
    ).toEqual({ index: 0, kind: 'json', literal: '"{\\"x\\":"' });
  });

  it('leaves everything else to the parser', () => {
    for (const data of [
      // another key order, spacing, an extra field
      '{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"a"}}',
      '{"type": "content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","x":1}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"x":1}',
      // no index, a leading zero, a negative one
      '{"type":"content_block_delta","index":,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":-1,"delta":{"type":"text_delta","text":"a"}}',
      // other delta types
      '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"a"}}',
      // literals that are not JSON strings: a raw quote, a raw control character, an unknown escape, an
      // unfinished escape, a non-string
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"b"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u0001"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\x41"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\u12"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":42}}',
    ])
      expect(rawDeltaOf(data), data).toBeNull();
  });

  it('gives the client the same chunks as parsing every event: text, tools, the JSON tool, signed thinking', () => {
    const cases: { events: StreamEvent[]; jsonTool?: string }[] = [
      {
        events: stream([
          textBlock(0, [
            'Hello',
            '',
            ' wörld ✓ 😀',
            'quote " back \\ nl \n tab \t ctl \u0001 </script> \u2028',
          ]),
          toolUseBlock(1, { id: 'toolu_1', name: 'get', jsonPieces: ['{"city":', ' "Paris"', '}'] }),
          toolUseBlock(2, { id: 'toolu_2', name: 'none', jsonPieces: [] }),
        ]),
      },
      {
        events: stream([
          toolUseBlock(0, { id: 'toolu_j', name: 'json_answer', jsonPieces: ['{"a"', ':1}'] }),
        ]),
        jsonTool: 'json_answer',
      },
      // Signed thinking keys its turn on the text: the raw lane must step aside and the key stays the same.
      { events: stream([thinkingBlock(0, ['hmm'], 'sig'), textBlock(1, ['after', ' thinking'])]) },
    ];
    for (const { events, jsonTool } of cases) {
      const frames = sse(events);
      expect(payloads(withRawLane(frames, jsonTool))).toEqual(payloads(parsedLane(frames, jsonTool)));
    }
  });

  it('matches the parsed lane for any text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (pieces) => {
        const frames = sse(stream([textBlock(0, pieces)]));
        expect(payloads(withRawLane(frames))).toEqual(payloads(parsedLane(frames)));
      }),
    );
  });

  it('keeps the thinking-cache key of a signed answer whichever lane its text took', () => {
    const events = sse(stream([thinkingBlock(0, ['t'], 'sig'), textBlock(1, ['a', 'b'])]));
    const fast = createChunkTranslator({ created: 1, model: 'm', includeUsage: false });
    framesForEvents(events, fast, createFrameEncoder());
    const slow = createChunkTranslator({ created: 1, model: 'm', includeUsage: false });
    for (const e of events) slow.step(JSON.parse(e.data) as AnthropicStreamEvent);
    const turn = fast.thinkingTurn(); // once per translator
    expect(turn).not.toBeNull();
    expect(turn).toEqual(slow.thinkingTurn());
  });

  it('refuses an event that is not JSON with a 502 naming the event', () => {
    const translator = createChunkTranslator({ created: 1, model: 'm', includeUsage: false });
    expect(() =>
      framesForEvents([{ event: 'content_block_delta', data: '{"type":' }], translator, createFrameEncoder()),
    ).toThrow(/content_block_delta/);
  });
});
