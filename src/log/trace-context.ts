/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` is
 * `version-traceid-parentid-flags`, all lowercase hex. An invalid or absent header starts a new trace.
 */
import { randomBytes } from 'node:crypto';

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

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
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
    traceId: randomBytes(16).toString('hex'),
    spanId: newSpanId(),
    parentSpanId: null,
    flags: '01',
    traceState: null,
  };
}

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
