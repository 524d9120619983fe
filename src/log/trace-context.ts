/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` is
 * `version-traceid-parentid-flags`, all lowercase hex. An invalid or absent header starts a new trace.
 */
import { randomFillSync } from 'node:crypto';

export interface TraceContext {
  readonly traceId: string;
  /** The span id the proxy uses for its own work on this request (sent upstream as the parent). */
  readonly spanId: string;
  /** The caller's span id, when the trace was continued. */
  readonly parentSpanId: string | null;
  readonly flags: string;
  /** Passed on untouched when the trace was continued. */
  readonly traceState: string | null;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO_TRACE = '0'.repeat(32);
const ALL_ZERO_SPAN = '0'.repeat(16);

/**
 * Random bytes for ids, drawn from a pool refilled 4 KiB at a time: one randomFillSync per ~170
 * requests instead of two per request (each a call into the CSPRNG), the way crypto.randomUUID does.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

export function newSpanId(): string {
  return randomHex(8);
}

/** Continues a valid incoming trace, or starts a new one. */
export function traceContextFrom(
  traceparent: string | undefined,
  tracestate: string | undefined,
): TraceContext {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim());
  const version = m?.[1];
  const valid =
    m !== null &&
    version !== 'ff' &&
    // Version 00 allows nothing after the flags; later versions may append fields.
    !(version === '00' && m[5] !== undefined) &&
    m[2] !== ALL_ZERO_TRACE &&
    m[3] !== ALL_ZERO_SPAN;
  if (valid && m) {
    return {
      traceId: m[2] ?? '',
      spanId: newSpanId(),
      parentSpanId: m[3] ?? null,
      flags: m[4] ?? '01',
      traceState: tracestate !== undefined && tracestate.length <= 512 ? tracestate : null,
    };
  }
  return {
    traceId: randomHex(16),
    spanId: newSpanId(),
    parentSpanId: null,
    flags: '01',
    traceState: null,
  };
}

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
