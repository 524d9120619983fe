/**
 * Network-level failures become UpstreamError with a status the client dialects understand: 502 when the
 * upstream could not be reached or its connection broke, 504 when it went silent for too long. Errors the
 * proxy raised itself (UpstreamError, client errors) pass through unchanged.
 */
import { UpstreamError } from '../errors.js';

// undici's error classes are told apart by their `code` (stable, documented) rather than by `instanceof`, so
// that this module does not load undici: undici loads after the proxy is listening (client.ts).
const HEADERS_TIMEOUT = 'UND_ERR_HEADERS_TIMEOUT';
const BODY_TIMEOUT = 'UND_ERR_BODY_TIMEOUT';

function undiciCode(err: unknown): string | undefined {
  return err instanceof Error ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

function errorCode(err: Error): string | undefined {
  return (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
}

/** A failure before the upstream's answer began (no byte of it reached the client). */
export function toUpstreamError(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return err;
  if (undiciCode(err) === HEADERS_TIMEOUT) {
    return new UpstreamError(
      'the upstream did not answer in time (upstream.headers_timeout, or upstream.first_byte_timeout for streams)',
      504,
      'timeout_error',
      {},
      false,
    );
  }
  if (undiciCode(err) === BODY_TIMEOUT) {
    return new UpstreamError(
      'the upstream went silent before its answer began (upstream.idle_timeout)',
      504,
      'timeout_error',
      {},
      false,
    );
  }
  if (err instanceof UpstreamError || !(err instanceof Error) || err.name === 'ClientError') return err;
  const code = errorCode(err);
  const detail = code !== undefined ? ` (${code})` : '';
  return new UpstreamError(`the upstream could not be reached${detail}`, 502, 'api_error', {}, false);
}

/** A failure while the upstream's answer was being read (bytes may already have reached the client). */
export function toMidStreamError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (undiciCode(err) === BODY_TIMEOUT) {
    return new UpstreamError(
      'the upstream sent nothing for too long in the middle of its answer (upstream.idle_timeout)',
      504,
      'timeout_error',
      {},
      false,
    );
  }
  const code = err instanceof Error ? errorCode(err) : undefined;
  const detail =
    code !== undefined ? code : err instanceof Error ? err.message : 'the upstream body closed early';
  // No upstream type: each dialect picks its own for a 502 (OpenAI server_error, Anthropic api_error).
  return new UpstreamError(`the upstream connection failed mid-answer (${detail})`, 502, null, {}, false);
}
