import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { EventStreamToSse } from '../../src/upstream/providers/bedrock/eventstream.js';
import { chunkFrame } from '../helpers/fake-bedrock.js';

const reframer = () => new EventStreamToSse(new EventStreamCodec(toUtf8, fromUtf8));
const delta = (text: string) => ({
  type: 'content_block_delta',
  index: 0,
  delta: { type: 'text_delta', text },
});

describe('Bedrock event-stream → SSE, in the read loop', () => {
  it('reassembles frames cut anywhere, and passes on nothing until a frame is whole', () => {
    const bytes = Buffer.concat([chunkFrame(delta('a')), chunkFrame(delta('b'))]);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const r = reframer();
      const out = Buffer.concat([r.push(bytes.subarray(0, cut)), r.push(bytes.subarray(cut))]).toString();
      expect(out).toBe(
        `event: content_block_delta\ndata: ${JSON.stringify(delta('a'))}\n\n` +
          `event: content_block_delta\ndata: ${JSON.stringify(delta('b'))}\n\n`,
      );
      expect(() => r.end()).not.toThrow();
    }
  });

  it('passes on the events before a corrupt frame in the same read, then fails', () => {
    const bad = Buffer.from(chunkFrame(delta('bad')));
    bad[bad.length - 6] = (bad[bad.length - 6] ?? 0) ^ 0xff;
    const r = reframer();
    const out = r.push(Buffer.concat([chunkFrame(delta('good')), bad])).toString();
    expect(out).toContain('"text":"good"');
    expect(out).not.toContain('bad');
    expect(() => r.end()).toThrow(/corrupt/);
    expect(() => r.push(Buffer.from(chunkFrame(delta('later'))))).toThrow(/corrupt/);
  });

  it('fails at the end of a body that stops inside a frame', () => {
    const r = reframer();
    expect(r.push(Buffer.from(chunkFrame(delta('x'))).subarray(0, 20)).length).toBe(0);
    expect(() => r.end()).toThrow(/inside an event-stream frame/);
  });
});
