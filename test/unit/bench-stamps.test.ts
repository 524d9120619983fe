/**
 * The benchmark's inter-chunk latency rests on finding the upstream's time stamps in each body read
 * (bench/lib/stamps.mjs): a stamp must count once, in the read that completes it, whether it arrives whole,
 * cut across reads, inside a translated chat chunk or base64-encoded inside a Bedrock event-stream frame.
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { stampScanner } from '../../bench/lib/stamps.mjs';

const sse = (text: string): string =>
  `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`;

const codec = new EventStreamCodec(toUtf8, fromUtf8);
function bedrockFrame(text: string): Buffer {
  const event = JSON.stringify({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text },
  });
  const payload = JSON.stringify({ bytes: Buffer.from(event).toString('base64') });
  return Buffer.from(
    codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'event' },
        ':event-type': { type: 'string', value: 'chunk' },
      },
      body: fromUtf8(payload),
    }),
  );
}

/** Feeds `body` cut at `cuts` and returns the stamps found per read. */
function reads(scan: (chunk: Buffer) => bigint[], body: Buffer, cuts: number[]): bigint[][] {
  const out: bigint[][] = [];
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    out.push(scan(body.subarray(at, cut)));
    at = cut;
  }
  return out;
}

describe('stampScanner', () => {
  it('finds every stamp of a read, in order, once', () => {
    const body = Buffer.from(sse('~t1000~ one') + sse('~t2000~ two') + sse('no stamp'));
    expect(reads(stampScanner(), body, [])).toEqual([[1000n, 2000n]]);
  });

  it('counts a stamp cut across reads in the read that completes it, wherever the cut falls', () => {
    const body = Buffer.from(sse('~t123456789~ text'));
    const start = body.indexOf('~t');
    const end = body.indexOf('~', start + 1);
    for (let cut = start; cut <= end; cut++) {
      const found = reads(stampScanner(), body, [cut]);
      expect(found.flat()).toEqual([123456789n]);
      expect(found[1]).toEqual([123456789n]);
    }
  });

  it('finds stamps inside translated chat completion chunks', () => {
    const chunk = `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: '~t42~ forecast' } }] })}\n\n`;
    expect(stampScanner()(Buffer.from(chunk))).toEqual([42n]);
  });

  it('does not mistake a tilde in the text for a stamp', () => {
    const scan = stampScanner();
    expect(scan(Buffer.from(sse('about ~5 degrees ~t not a stamp ~')))).toEqual([]);
    expect(scan(Buffer.from(sse('~t7~ then')))).toEqual([7n]);
  });

  it('decodes Bedrock event-stream frames, whole or cut anywhere', () => {
    const body = Buffer.concat([bedrockFrame('~t11~ a'), bedrockFrame('~t22~ b'), bedrockFrame('plain')]);
    expect(reads(stampScanner({ bedrock: true }), body, []).flat()).toEqual([11n, 22n]);
    for (let cut = 1; cut < body.length; cut += 7) {
      expect(reads(stampScanner({ bedrock: true }), body, [cut]).flat()).toEqual([11n, 22n]);
    }
  });
});
