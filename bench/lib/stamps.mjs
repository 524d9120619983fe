// Finding the upstream's time stamps in a response body as it arrives (bench/chunks.mjs). Pure: no I/O,
// no clock; unit-tested in test/unit/bench-stamps.test.ts.

/** `~t<nanoseconds>~` in the text of a stamped delta; survives JSON escaping and every translation. */
export const STAMP_RE = /~t(\d+)~/g;
/** The start of a stamp cut off at the end of a read: kept for the next read. */
const PARTIAL_RE = /~(t\d*)?$/;
const BYTES_RE = /"bytes":"([A-Za-z0-9+/=]*)"/g;
/** What is kept of a Bedrock body between reads at most (a frame of the benchmark's answer is < 1 KB). */
const MAX_CARRY = 65_536;

/**
 * A scanner for one response body: call it with each body chunk (a Buffer) in order; it returns the stamps
 * (BigInt nanoseconds) that became complete in that chunk. A stamp cut across reads counts in the read that
 * completes it. With `bedrock`, the body is AWS event-stream frames whose `"bytes":"…"` fields carry the
 * events in base64; each complete field is decoded and searched (a field cut across reads waits for the
 * rest of it).
 */
export function stampScanner({ bedrock = false } = {}) {
  let carry = '';
  return (chunk) => {
    let text = carry + chunk.toString('latin1');
    if (bedrock) {
      let decoded = '';
      let end = 0;
      BYTES_RE.lastIndex = 0;
      for (let m; (m = BYTES_RE.exec(text)) !== null;) {
        decoded += Buffer.from(m[1], 'base64').toString('latin1');
        end = BYTES_RE.lastIndex;
      }
      carry = text.slice(end).slice(-MAX_CARRY);
      text = decoded;
    }
    const stamps = [];
    let lastEnd = 0;
    STAMP_RE.lastIndex = 0;
    for (let m; (m = STAMP_RE.exec(text)) !== null;) {
      stamps.push(BigInt(m[1]));
      lastEnd = STAMP_RE.lastIndex;
    }
    if (!bedrock) {
      const partial = PARTIAL_RE.exec(text.slice(lastEnd));
      carry = partial === null ? '' : partial[0];
    }
    return stamps;
  };
}
