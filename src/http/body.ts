import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { ClientError } from '../errors.js';
import { JsonDepthGuard, MAX_JSON_DEPTH } from '../json/index.js';
import type { RequestContext } from './context.js';

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = header.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** Refuses a declared Content-Length over the limit before a byte of the body is read. */
export function checkDeclaredLength(
  req: IncomingMessage,
  limit: number,
  setting = 'server.max_body_size',
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit, setting);
}

/** The 413 for a body over `limit`, naming the setting that raises it. */
export function tooLarge(limit: number, setting = 'server.max_body_size'): ClientError {
  return new ClientError(
    `request body is larger than the limit of ${limit} bytes (${setting})`,
    413,
    'request_too_large',
  );
}

/**
 * Reads the whole body up to `limit` bytes. With a `guard`, every chunk is scanned as it arrives and a
 * body nested too deeply is refused right there, before the rest is read and long before any parse.
 */
export function readBody(
  req: IncomingMessage,
  ctx: RequestContext,
  limit: number,
  guard?: JsonDepthGuard,
): Promise<Buffer> {
  checkDeclaredLength(req, limit);
  // Through the stream's own events, not `for await`: the async iterator costs several ticks and a promise
  // per chunk, which a small body pays in full on the way to the first byte.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const refuse = (err: ClientError): void => {
      cleanup();
      // Stop keeping the body: the rest is not wanted (read and dropped), and the connection is not reused.
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        refuse(tooLarge(limit));
        return;
      }
      if (guard?.exceeded(chunk) === true) {
        ctx.bytesIn = size;
        refuse(tooDeep());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      ctx.bytesIn = size;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new ClientError('the client closed the connection before sending the whole body'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

function tooDeep(): ClientError {
  return new ClientError(`request JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/** Reads and parses a JSON body; every way it can be wrong is a ClientError with a clear message. */
export async function readJsonBody(
  req: IncomingMessage,
  ctx: RequestContext,
  limit: number,
): Promise<unknown> {
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new ClientError(
      `expected a JSON body with "Content-Type: application/json", got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`,
      415,
    );
  }
  const raw = await readBody(req, ctx, limit, new JsonDepthGuard(MAX_JSON_DEPTH));
  if (!isUtf8(raw)) throw new ClientError('request body is not valid UTF-8');
  // A byte order mark is not JSON, but decoders drop it and some clients send it.
  const text =
    raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? raw.toString('utf8', 3) : raw.toString('utf8');
  if (text.trim() === '') throw new ClientError('request body is empty; expected a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof SyntaxError ? `: ${err.message}` : '';
    throw new ClientError(`request body is not valid JSON${detail}`);
  }
  return parsed;
}
