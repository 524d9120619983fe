/**
 * Google Vertex AI: the Anthropic request goes to
 * `POST {endpoint}/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict` for streams, which answers Anthropic SSE), the body without `model`, with
 * `anthropic_version: "vertex-2023-10-16"`; count_tokens goes to `.../models/count-tokens:rawPredict` with the
 * model kept in the body. The access token comes from Google ADC (auth/google.ts) as Bearer; betas stay an
 * `anthropic-beta` header, filtered to what Vertex accepts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { GoogleCredentialSource } from '../../../auth/google.js';
import {
  UpstreamClient,
  type UpstreamOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../../client.js';
import { anthropicError, clientRetries, localResponse, readCloudRequest } from '../cloud.js';
import type { ProviderResponse, Upstream } from '../types.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

export interface VertexOptions {
  readonly client: UpstreamOptions;
  readonly project: string;
  readonly region: string;
  readonly credentials: GoogleCredentialSource;
  readonly models: Readonly<Record<string, string>>;
  readonly primary: boolean;
  readonly logger: Logger;
}

/** The API host for a location: the global endpoint, the us / eu multi-regions, or a regional one. */
export function vertexEndpoint(region: string): string {
  if (region === 'global') return 'https://aiplatform.googleapis.com';
  if (region === 'us' || region === 'eu') return `https://aiplatform.${region}.rep.googleapis.com`;
  return `https://${region}-aiplatform.googleapis.com`;
}

/** Google's error shape (`{error:{code,message,status}}`, sometimes in an array) by status. */
function typeForStatus(status: number): { status: number; type: string } {
  if (status === 429) return { status, type: 'rate_limit_error' };
  if (status === 503 || status === 529) return { status: 529, type: 'overloaded_error' };
  if (status === 401) return { status, type: 'authentication_error' };
  if (status === 403) return { status, type: 'permission_error' };
  if (status === 404) return { status, type: 'not_found_error' };
  if (status === 413) return { status, type: 'request_too_large' };
  if (status >= 400 && status < 500) return { status, type: 'invalid_request_error' };
  return { status, type: 'api_error' };
}

function keptHeaders(upstream: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name of ['retry-after', 'request-id']) {
    const value = upstream[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Vertex errors come in Anthropic's shape (from the model) or Google's (from the platform): make them Anthropic's. */
async function toAnthropicError(response: UpstreamResponse): Promise<ProviderResponse> {
  let parsed: unknown;
  let text = '';
  try {
    text = await response.body.text();
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const item = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  const record = (item ?? {}) as { type?: unknown; error?: { message?: unknown; status?: unknown } };
  if (record.type === 'error')
    return localResponse('vertex', response.statusCode, item, keptHeaders(response.headers));
  const mapped = typeForStatus(response.statusCode);
  const said = record.error?.message;
  const message =
    typeof said === 'string' && said !== ''
      ? `Vertex AI: ${said}`
      : `Vertex AI answered status ${response.statusCode}${text !== '' ? `: ${text.slice(0, 300)}` : ''}`;
  return localResponse(
    'vertex',
    mapped.status,
    anthropicError(mapped.type, message),
    keptHeaders(response.headers),
  );
}

export function createVertexProvider(options: VertexOptions): Upstream {
  const client = new UpstreamClient(options.client, options.credentials);
  const models = `/v1/projects/${encodeURIComponent(options.project)}/locations/${encodeURIComponent(options.region)}/publishers/anthropic/models`;

  const send = async (request: UpstreamRequest): Promise<ProviderResponse> => {
    const prepared = await readCloudRequest('vertex', request, options);
    if (prepared.answered !== null) return prepared.answered;
    const { body, choice, betas, stream } = prepared.read;
    const operation = prepared.read;

    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    };
    for (const name of ['traceparent', 'tracestate', 'x-request-id']) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');

    let path: string;
    let payload: Record<string, unknown>;
    const { model: _model, ...rest } = body;
    if (operation.kind === 'count_tokens') {
      path = `${models}/count-tokens:rawPredict`;
      payload = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest, model: choice.providerId };
    } else {
      // `@` stays literal, as Google's own clients send the versioned ids (`claude-haiku-4-5@20251001`).
      const id = encodeURIComponent(choice.providerId).replace(/%40/g, '@');
      path = `${models}/${id}:${stream ? 'streamRawPredict' : 'rawPredict'}`;
      payload = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest };
    }
    const response = await client.send({
      method: 'POST',
      path,
      headers,
      body: JSON.stringify(payload),
      stream: stream && operation.kind === 'messages',
      clientRetries: clientRetries(request),
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
      ...(request.logFields !== undefined ? { logFields: request.logFields } : {}),
      ...(request.stage !== undefined ? { stage: request.stage } : {}),
    });
    if (response.statusCode >= 400) return toAnthropicError(response);
    return { ...response, upstream: 'vertex' };
  };

  return {
    name: 'vertex',
    send,
    readiness: () => options.credentials.readiness(),
    loaded: () => options.credentials.loaded(),
    stats: () => client.stats(),
    warm: () => client.warm(),
    interrupt: () => client.interrupt(),
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}
