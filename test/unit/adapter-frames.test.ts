import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createChunkTranslator, createFrameEncoder } from '../../src/adapter/index.js';
import type { AnthropicStreamEvent } from '../../src/wire/index.js';

/** What a frame must equal: the plain serialisation. */
const plain = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;

describe('the SSE frame encoder', () => {
  it('writes exactly what JSON.stringify would for every payload of a real stream', () => {
    const translator = createChunkTranslator({
      created: 1_700_000_000,
      model: 'claude-x "quoted"',
      includeUsage: true,
    });
    const encoder = createFrameEncoder();
    const events: AnthropicStreamEvent[] = [
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 3, output_tokens: 1 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'he said "hi"\n\u2028' } },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 7 },
      },
      { type: 'message_stop' },
    ] as AnthropicStreamEvent[];
    let frames = 0;
    for (const event of events) {
      for (const payload of translator.step(event)) {
        expect(encoder.frame(payload)).toBe(plain(payload));
        frames++;
      }
    }
    expect(frames).toBeGreaterThanOrEqual(6);
  });

  it('matches JSON.stringify for any text delta', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (text, id) => {
        const translator = createChunkTranslator({ id, created: 1, model: 'm', includeUsage: false });
        const encoder = createFrameEncoder();
        translator.step({
          type: 'message_start',
          message: {
            id: 'x',
            type: 'message',
            role: 'assistant',
            model: 'm',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 1, output_tokens: 1 },
          },
        });
        translator.step({
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        });
        for (const payload of translator.step({
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text },
        })) {
          expect(encoder.frame(payload)).toBe(plain(payload));
        }
      }),
      { numRuns: 200 },
    );
  });
});
