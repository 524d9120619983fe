import type { IncomingMessage } from 'node:http';
import { ClientError } from '../errors.js';
import type { RequestContext } from './context.js';

/** JSON nested deeper than this is refused: the translation and JSON.stringify recurse. */
const MAX_JSON_DEPTH = 256;

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

/** Reads the whole body up to `limit` bytes. */
export async function readBody(req: IncomingMessage, ctx: RequestContext, limit: number): Promise<Buffer> {
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
    chunks.push(chunk);
  }
  ctx.bytesIn = size;
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/**
 * Whether a parsed JSON value nests deeper than `max`. V8's JSON.parse is iterative and copes with any
 * depth, but later recursive steps (translation, JSON.stringify) would not; walking the parsed value costs
 * per node, not per character, so a body that is mostly one big base64 string costs next to nothing.
 */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
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
  const raw = await readBody(req, ctx, limit);
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
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new ClientError(`request JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return parsed;
}
