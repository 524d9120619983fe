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
export async function readBody(
  req: IncomingMessage,
  ctx: RequestContext,
  limit: number,
  guard?: JsonDepthGuard,
): Promise<Buffer> {
  checkDeclaredLength(req, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Stop reading: the rest of the body is not wanted, and the connection is not reused.
      req.unpipe();
      req.resume();
      throw tooLarge(limit);
    }
    if (guard?.exceeded(chunk) === true) {
      req.unpipe();
      req.resume();
      ctx.bytesIn = size;
      throw tooDeep();
    }
    chunks.push(chunk);
  }
  ctx.bytesIn = size;
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
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
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ClientError('request body is not valid UTF-8');
  }
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
