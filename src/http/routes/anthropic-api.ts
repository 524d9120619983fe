/**
 * The Anthropic API paths the proxy passes through, and nothing else: Messages (+ count_tokens), Message
 * Batches, Files and Models. A path that is not in this table is never forwarded — it gets a 404 from the
 * proxy itself — and every `{id}` segment must look like an id (no `.`/`..`, no slash, no malformed
 * percent-encoding), so a crafted path cannot reach another upstream path with the proxy's credential.
 *
 * Each endpoint says which API it belongs to (`api`): the seam for providers that lack one (Files on
 * Bedrock or Vertex) to answer a clear 501 instead of forwarding.
 */
import type { IncomingMessage } from 'node:http';
import { ClientError } from '../../errors.js';
import type { Upstream } from '../../upstream/index.js';
import type { RequestContext, RouteHandler } from '../context.js';
import { forward, type BodyMode } from './passthrough.js';

export type AnthropicApi = 'messages' | 'batches' | 'files' | 'models';
export type Method = 'GET' | 'POST' | 'DELETE';

/** Body limits per API: a Messages request, a batch of them, a file upload. */
export interface BodyLimits {
  readonly messages: number;
  readonly batches: number;
  readonly files: number;
}

interface Operation {
  readonly body: BodyMode;
  /** Which limit applies to the body (ignored without one). */
  readonly limit: keyof BodyLimits;
  readonly sniffRequest?: boolean;
  readonly requireMessageStop?: boolean;
  readonly rewriteResultsUrl?: boolean;
}

interface Endpoint {
  readonly api: AnthropicApi;
  /** Segments after `/v1/`; `{id}` stands for one id segment. */
  readonly pattern: readonly string[];
  /** The route's name in the access log and metrics (ids replaced, so the label set stays small). */
  readonly label: string;
  readonly operations: Readonly<Partial<Record<Method, Operation>>>;
}

const none = (extra: Partial<Operation> = {}): Operation => ({ body: 'none', limit: 'messages', ...extra });

const ENDPOINTS: readonly Endpoint[] = [
  {
    api: 'messages',
    pattern: ['messages'],
    label: '/v1/messages',
    operations: {
      POST: { body: 'replayable', limit: 'messages', sniffRequest: true, requireMessageStop: true },
    },
  },
  {
    api: 'messages',
    pattern: ['messages', 'count_tokens'],
    label: '/v1/messages/count_tokens',
    operations: { POST: { body: 'replayable', limit: 'messages', sniffRequest: true } },
  },
  {
    api: 'batches',
    pattern: ['messages', 'batches'],
    label: '/v1/messages/batches',
    operations: {
      GET: none({ rewriteResultsUrl: true }),
      // Up to 256 MB at Anthropic: streamed, not kept for a retry.
      POST: { body: 'streamed', limit: 'batches', rewriteResultsUrl: true },
    },
  },
  {
    api: 'batches',
    pattern: ['messages', 'batches', '{id}'],
    label: '/v1/messages/batches/{id}',
    operations: { GET: none({ rewriteResultsUrl: true }), DELETE: none() },
  },
  {
    api: 'batches',
    pattern: ['messages', 'batches', '{id}', 'cancel'],
    label: '/v1/messages/batches/{id}/cancel',
    operations: { POST: { body: 'replayable', limit: 'messages', rewriteResultsUrl: true } },
  },
  {
    api: 'batches',
    pattern: ['messages', 'batches', '{id}', 'results'],
    label: '/v1/messages/batches/{id}/results',
    operations: { GET: none() },
  },
  {
    api: 'files',
    pattern: ['files'],
    label: '/v1/files',
    operations: { GET: none(), POST: { body: 'streamed', limit: 'files' } },
  },
  {
    api: 'files',
    pattern: ['files', '{id}'],
    label: '/v1/files/{id}',
    operations: { GET: none(), DELETE: none() },
  },
  {
    api: 'files',
    pattern: ['files', '{id}', 'content'],
    label: '/v1/files/{id}/content',
    operations: { GET: none() },
  },
  { api: 'models', pattern: ['models'], label: '/v1/models', operations: { GET: none() } },
  { api: 'models', pattern: ['models', '{id}'], label: '/v1/models/{id}', operations: { GET: none() } },
];

/** What an id may be once percent-decoded: model ids (`claude-sonnet-4-5`, `…-v2:0`, `…@20241022`), `msgbatch_…`, `file_…`. */
const ID = /^[A-Za-z0-9_.:@~+-]{1,256}$/;

/** One decoded id segment, or a ClientError saying why it is not one. */
function idSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new ClientError(`the path segment "${raw.slice(0, 64)}" has malformed percent-encoding`);
  }
  if (decoded === '.' || decoded === '..' || !ID.test(decoded))
    throw new ClientError(`"${raw.slice(0, 64)}" is not a valid id in this path`, 400);
  return decoded;
}

export type Match =
  | { readonly kind: 'found'; readonly endpoint: Endpoint; readonly operation: Operation }
  | { readonly kind: 'method'; readonly endpoint: Endpoint }
  | { readonly kind: 'none' };

/** Finds the endpoint for a path (without query) and method; throws ClientError for a malformed id. */
export function matchAnthropicPath(method: string, path: string): Match {
  if (!path.startsWith('/v1/')) return { kind: 'none' };
  const segments = path.slice(4).split('/');
  for (const endpoint of ENDPOINTS) {
    if (endpoint.pattern.length !== segments.length) continue;
    let fits = true;
    for (let i = 0; i < segments.length && fits; i++) {
      const want = endpoint.pattern[i];
      if (want !== '{id}') fits = segments[i] === want;
    }
    if (!fits) continue;
    // The literal segments fit; now every id must be an id.
    for (let i = 0; i < segments.length; i++)
      if (endpoint.pattern[i] === '{id}') idSegment(segments[i] ?? '');
    const operation = endpoint.operations[method as Method];
    return operation === undefined ? { kind: 'method', endpoint } : { kind: 'found', endpoint, operation };
  }
  return { kind: 'none' };
}

/** The access-log/metrics label of an Anthropic path, or null when it is not one. */
export function anthropicRouteLabel(path: string): string | null {
  if (!path.startsWith('/v1/')) return null;
  const segments = path.slice(4).split('/');
  for (const endpoint of ENDPOINTS) {
    if (endpoint.pattern.length !== segments.length) continue;
    if (endpoint.pattern.every((want, i) => want === '{id}' || segments[i] === want)) return endpoint.label;
  }
  return null;
}

export interface AnthropicApiOptions {
  readonly upstream: Upstream;
  readonly limits: BodyLimits;
  /**
   * Whether the upstream has this API (default: all). A provider without one (Files on Bedrock or Vertex)
   * gets a clear 501 from the proxy instead of a confusing answer from a path its provider does not have.
   */
  readonly supports?: (api: AnthropicApi) => boolean;
}

const LIMIT_SETTING: Record<keyof BodyLimits, string> = {
  messages: 'server.max_body_size',
  batches: 'server.max_batch_body_size',
  files: 'server.max_file_upload_size',
};

function splitUrl(req: IncomingMessage): { path: string; query: string } {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  return queryAt === -1
    ? { path: url, query: '' }
    : { path: url.slice(0, queryAt), query: url.slice(queryAt) };
}

/**
 * The one handler for every Anthropic API path: matches the path, refuses what is not in the table (404,
 * 405 with `allow`), and forwards the rest with the body handling its endpoint needs.
 */
export function anthropicApiRoute(options: AnthropicApiOptions): RouteHandler {
  return (req, res, ctx: RequestContext) => {
    const { path, query } = splitUrl(req);
    const method = req.method ?? 'GET';
    const match = matchAnthropicPath(method, path);
    if (match.kind === 'none') throw new ClientError(`no route for ${method} ${path}`, 404, 'not_found');
    if (match.kind === 'method') {
      res.setHeader('allow', Object.keys(match.endpoint.operations).join(', '));
      throw new ClientError(`method ${method} is not allowed on ${path}`, 405, 'method_not_allowed');
    }
    const { operation, endpoint } = match;
    if (options.supports !== undefined && !options.supports(endpoint.api))
      throw new ClientError(
        `the ${endpoint.api} API is not available on this upstream (${method} ${endpoint.label})`,
        501,
        'invalid_request',
      );
    return forward(req, res, ctx, {
      upstream: options.upstream,
      method: method as Method,
      // The path as the client wrote it (ids checked above), below the upstream's `/v1`, with its query.
      upstreamPath: path.slice(3) + query,
      body: operation.body,
      bodyLimit: options.limits[operation.limit],
      bodyLimitSetting: LIMIT_SETTING[operation.limit],
      sniffRequest: operation.sniffRequest === true,
      requireMessageStop: operation.requireMessageStop === true,
      rewriteResultsUrl: operation.rewriteResultsUrl === true,
    });
  };
}
