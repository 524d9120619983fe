/**
 * What the two clouds share: reading the Anthropic request they are handed, choosing the cloud's model id,
 * filtering betas and refused features, and answering Anthropic-shaped JSON (model lists, errors) without a
 * network call. Pure functions apart from `readBody`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ClientError } from '../../errors.js';
import { ReplayableBody, StreamedBody, UpstreamBody } from '../body.js';
import type { UpstreamRequest } from '../client.js';
import { BETA_ALLOWLIST, CLOUD_MODELS, cloudModel, type CloudFeature, type CloudModel } from './catalog.js';
import type { ProviderName, ProviderResponse } from './types.js';

export type CloudName = Exclude<ProviderName, 'anthropic'>;

/** The Anthropic operations a cloud serves; anything else is Anthropic-only (files, batches, ...). */
export type CloudOperation =
  | { readonly kind: 'messages' }
  | { readonly kind: 'count_tokens' }
  | { readonly kind: 'models'; readonly id: string | null }
  | { readonly kind: 'unsupported'; readonly path: string };

export function operationOf(request: UpstreamRequest): CloudOperation {
  const path = request.path.split('?', 1)[0] ?? '';
  if (request.method === 'POST' && path === '/messages') return { kind: 'messages' };
  if (request.method === 'POST' && path === '/messages/count_tokens') return { kind: 'count_tokens' };
  if (request.method === 'GET' && path === '/models') return { kind: 'models', id: null };
  if (request.method === 'GET' && path.startsWith('/models/'))
    return { kind: 'models', id: decodeURIComponent(path.slice('/models/'.length)) };
  return { kind: 'unsupported', path };
}

/** Whether the client retries by itself (the cloud request does not carry the SDK's retry header). */
export function clientRetries(request: UpstreamRequest): boolean {
  return request.clientRetries ?? request.headers['x-stainless-retry-count'] !== undefined;
}

/** The request body as JSON: parsed once here (a cloud must rewrite it anyway). */
export async function readBody(body: UpstreamRequest['body']): Promise<Record<string, unknown>> {
  let text: string;
  if (body instanceof ReplayableBody || body instanceof StreamedBody) {
    const chunks: Buffer[] = [];
    for await (const chunk of body.stream()) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else if (body === undefined || body === null) {
    text = '';
  } else {
    text = typeof body === 'string' ? body : body.toString('utf8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ClientError('the request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ClientError('the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export interface ModelChoice {
  /** The id the cloud knows the model by. */
  readonly providerId: string;
  /** The built-in row, when the model is one the table knows. */
  readonly row: CloudModel | undefined;
}

/**
 * Client model name → the cloud's id: `upstream.models` first (`<provider>:<name>` keys before plain ones,
 * plain ones only for the provider tried first), then the built-in table, else the name as given (a user may
 * send the cloud's own id).
 */
export function chooseModel(
  provider: CloudName,
  name: string,
  userMap: Readonly<Record<string, string>>,
  primary: boolean,
): ModelChoice {
  const mapped = userMap[`${provider}:${name}`] ?? (primary ? userMap[name] : undefined);
  const row = cloudModel(name);
  if (mapped !== undefined) return { providerId: mapped, row };
  if (row !== undefined) return { providerId: row[provider].id, row };
  return { providerId: name, row: undefined };
}

/** The client's `anthropic-beta` values the cloud accepts; the dropped ones are logged at debug. */
export function allowedBetas(
  provider: CloudName,
  headers: Readonly<Record<string, string>>,
  logger: Logger,
  logFields: Readonly<Record<string, string>> | undefined,
): string[] {
  const header = headers['anthropic-beta'];
  if (header === undefined || header.trim() === '') return [];
  const allow = BETA_ALLOWLIST[provider];
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const raw of header.split(',')) {
    const beta = raw.trim();
    if (beta === '') continue;
    (allow.has(beta) ? kept : dropped).push(beta);
  }
  if (dropped.length > 0)
    logger.debug(
      { ...logFields, upstream: provider, dropped },
      `anthropic-beta values ${provider} does not accept were dropped`,
    );
  return kept;
}

/** Removes what the cloud refuses for this model (see the catalog); says what it removed, for a debug line. */
export function dropRefused(body: Record<string, unknown>, refuses: readonly CloudFeature[]): string[] {
  const removed: string[] = [];
  for (const feature of refuses) {
    if (feature === 'output_format') {
      const config = body['output_config'];
      if (config !== null && typeof config === 'object' && 'format' in config) {
        const { format: _format, ...rest } = config as Record<string, unknown>;
        if (Object.keys(rest).length === 0) delete body['output_config'];
        else body['output_config'] = rest;
        removed.push('output_config.format');
      }
    } else {
      const tools = body['tools'];
      if (Array.isArray(tools) && tools.some((t) => t !== null && typeof t === 'object' && 'strict' in t)) {
        body['tools'] = tools.map((tool: unknown) => {
          if (tool === null || typeof tool !== 'object' || !('strict' in tool)) return tool;
          const { strict: _strict, ...rest } = tool as Record<string, unknown>;
          return rest;
        });
        removed.push('tools[].strict');
      }
    }
  }
  return removed;
}

/** A Messages or count_tokens request as both clouds read it, before each builds its own call. */
export interface CloudRequest {
  readonly kind: 'messages' | 'count_tokens';
  /** The parsed body, with what the model refuses on this cloud already removed. */
  readonly body: Record<string, unknown>;
  readonly model: string;
  readonly choice: ModelChoice;
  readonly betas: string[];
  readonly stream: boolean;
}

const CLOUD_LABELS: Readonly<Record<CloudName, string>> = { bedrock: 'Bedrock', vertex: 'Vertex AI' };

/**
 * The steps every cloud takes first: model lists and Anthropic-only APIs are answered here (a
 * ProviderResponse); a Messages or count_tokens request is read, its model chosen, its betas filtered and
 * its refused fields dropped (both logged at debug).
 */
export async function readCloudRequest(
  provider: CloudName,
  request: UpstreamRequest,
  options: {
    readonly models: Readonly<Record<string, string>>;
    readonly primary: boolean;
    readonly logger: Logger;
  },
): Promise<
  { readonly answered: ProviderResponse } | { readonly answered: null; readonly read: CloudRequest }
> {
  const operation = operationOf(request);
  if (operation.kind === 'models')
    return { answered: modelListResponse(provider, options.models, operation.id) };
  if (operation.kind === 'unsupported') return { answered: unsupportedResponse(provider, operation.path) };

  const body = await readBody(request.body);
  const model = body['model'];
  if (typeof model !== 'string' || model === '')
    throw new ClientError('model: a model name is required', 400, 'invalid_request', 'model');
  const choice = chooseModel(provider, model, options.models, options.primary);
  const betas = allowedBetas(provider, request.headers, options.logger, request.logFields);
  const removed = dropRefused(body, choice.row?.[provider].refuses ?? []);
  if (removed.length > 0)
    options.logger.debug(
      { ...request.logFields, upstream: provider, model, removed },
      `fields this model refuses on ${CLOUD_LABELS[provider]} were dropped`,
    );
  return {
    answered: null,
    read: { kind: operation.kind, body, model, choice, betas, stream: body['stream'] === true },
  };
}

/** An answer made here, not fetched: a small JSON body in the Anthropic shape. */
export function localResponse(
  upstream: ProviderName,
  status: number,
  body: unknown,
  headers: IncomingHttpHeaders = {},
): ProviderResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    statusCode: status,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) },
    body: new UpstreamBody(Readable.from([bytes])),
    attempts: 0,
    upstream,
  };
}

export function anthropicError(type: string, message: string): unknown {
  return { type: 'error', error: { type, message } };
}

/** The Anthropic-only APIs (files, batches, ...) have no equivalent on the clouds. */
export function unsupportedResponse(upstream: CloudName, path: string): ProviderResponse {
  return localResponse(
    upstream,
    501,
    anthropicError(
      'not_supported_error',
      `${path.split('?', 1)[0] ?? path} is only available on Anthropic's API; this claudine sends requests to ${upstream} (upstream.provider)`,
    ),
  );
}

interface AnthropicModelEntry {
  readonly type: 'model';
  readonly id: string;
  readonly display_name: string;
  readonly created_at: string;
  readonly max_input_tokens: number;
  readonly max_tokens: number;
}

/**
 * The models a client can name on this cloud, in Anthropic's list format (the models route turns it into
 * OpenAI's for OpenAI clients): every built-in row, plus the names `upstream.models` maps.
 */
export function modelListResponse(
  provider: CloudName,
  userMap: Readonly<Record<string, string>>,
  id: string | null,
): ProviderResponse {
  const entries: AnthropicModelEntry[] = CLOUD_MODELS.map((row) => ({
    type: 'model',
    id: row.id,
    display_name: row.displayName,
    created_at: row.createdAt,
    max_input_tokens: row.maxInputTokens,
    max_tokens: row.maxTokens,
  }));
  for (const key of Object.keys(userMap)) {
    const scoped = key.indexOf(':');
    const name = scoped === -1 ? key : key.slice(0, scoped) === provider ? key.slice(scoped + 1) : null;
    if (name === null || entries.some((e) => e.id === name)) continue;
    entries.push({
      type: 'model',
      id: name,
      display_name: name,
      created_at: '1970-01-01T00:00:00Z',
      max_input_tokens: 0,
      max_tokens: 0,
    });
  }
  if (id !== null) {
    const row = cloudModel(id);
    const entry = entries.find((e) => e.id === id || (row !== undefined && e.id === row.id));
    return entry === undefined
      ? localResponse(
          provider,
          404,
          anthropicError('not_found_error', `model: ${id} is not known on ${provider}`),
        )
      : localResponse(provider, 200, entry);
  }
  return localResponse(provider, 200, {
    data: entries,
    has_more: false,
    first_id: entries[0]?.id ?? null,
    last_id: entries[entries.length - 1]?.id ?? null,
  });
}
