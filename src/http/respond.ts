import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestContext } from './context.js';

/** Marks the first byte for the access log; call right before the first write or writeHead+end. */
export function markFirstByte(ctx: RequestContext): void {
  if (ctx.firstByteMs !== null) return;
  ctx.firstByteMs = performance.now() - ctx.startedAt;
  if (ctx.stages !== null) ctx.stages.push('first_byte', ctx.firstByteMs);
}

export function sendJson(
  res: ServerResponse,
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = JSON.stringify(body);
  markFirstByte(ctx);
  ctx.bytesOut += Buffer.byteLength(payload);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Writes one chunk, honouring backpressure: resolves at once when the socket took it, or on `drain`
 * (or `close`, so a vanished client never leaves the caller waiting).
 *
 * A client that leaves its connection full for `ctx.clientStallTimeout` is cut off: while it does not
 * read, its upstream request (and the upstream connection it holds) would wait with it, and enough such
 * clients would starve everyone else (issue 13, item 1). The timer exists only while the socket is full,
 * never per chunk.
 */
export function writeChunk(
  res: ServerResponse,
  ctx: RequestContext,
  chunk: string | Uint8Array,
): Promise<void> | undefined {
  markFirstByte(ctx);
  // A string is encoded once here: counting its UTF-8 bytes and then having the socket encode it again
  // would walk it twice more per chunk.
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  ctx.bytesOut += bytes.byteLength;
  if (res.write(bytes)) return undefined;
  return new Promise((resolve) => {
    const stall =
      ctx.clientStallTimeout > 0
        ? setTimeout(() => {
            ctx.outcome ??= 'client_disconnect';
            ctx.errorType ??= 'client_stalled';
            res.destroy();
          }, ctx.clientStallTimeout)
        : undefined;
    const done = (): void => {
      clearTimeout(stall);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** An AbortController that fires when the client goes away before the response finished. */
export function abortOnDisconnect(res: ServerResponse): AbortController {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort;
}
