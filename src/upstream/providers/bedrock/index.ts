/**
 * AWS Bedrock: the Anthropic request becomes an InvokeModel call (or, for models Bedrock serves on its
 * Messages-API endpoint, a call to `/anthropic/v1/messages`), signed with SigV4 (service `bedrock`) or sent
 * with a Bedrock API key as Bearer; the answer comes back as the same Anthropic JSON and SSE events.
 *
 * InvokeModel wire: `POST /model/{id}/invoke` and `/invoke-with-response-stream`, the Messages body without
 * `model` and `stream`, `anthropic_version: "bedrock-2023-05-31"`, betas as `anthropic_beta` in the body;
 * count_tokens is `POST /model/{id}/count-tokens` with the invoke body inside. The signing, event-stream and
 * credential libraries are imported on first use, so a claudine that does not use Bedrock never loads them.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { AwsCredentialSource, AwsCredentials } from '../../../auth/aws.js';
import type { AuthReadiness, CredentialHeaders, TokenSource } from '../../../auth/index.js';
import { AuthError } from '../../../errors.js';
import { UpstreamBody } from '../../body.js';
import {
  DEFAULT_ANTHROPIC_VERSION,
  UpstreamClient,
  type UpstreamOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../../client.js';
import { clientRetries, localResponse, readCloudRequest } from '../cloud.js';
import type { ProviderResponse, Upstream } from '../types.js';
import { anthropicErrorJson, mapBedrockError } from './errors.js';
import { EventStreamToSse, type FrameDecoder } from './eventstream.js';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

export type BedrockAuth =
  | { readonly kind: 'sigv4'; readonly credentials: AwsCredentialSource }
  | { readonly kind: 'bearer'; readonly token: string };

export interface BedrockOptions {
  /** Pool, timeouts and retries; `baseUrl` is the runtime endpoint. */
  readonly client: UpstreamOptions;
  readonly region: string;
  readonly auth: BedrockAuth;
  readonly models: Readonly<Record<string, string>>;
  /** Whether Bedrock is the provider tried first (plain `upstream.models` keys apply to it). */
  readonly primary: boolean;
  readonly logger: Logger;
}

/** The runtime endpoint for a region. */
export function bedrockEndpoint(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/** SHA-256 (and its HMAC) from node:crypto in the shape the SigV4 signer wants: native speed, no extra package. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class NodeSha256 {
  #hash: Hash | Hmac;
  readonly #secret: string | Uint8Array | undefined;
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytes(secret);
    this.#hash = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
}

interface Signer {
  sign(request: {
    method: string;
    protocol: string;
    hostname: string;
    port?: number;
    path: string;
    headers: Record<string, string>;
    body: string;
  }): Promise<{ headers: Record<string, string> }>;
}

interface Libraries {
  readonly signer: Signer | null;
  readonly decoder: FrameDecoder;
}

async function loadLibraries(options: BedrockOptions): Promise<Libraries> {
  const [{ EventStreamCodec }, { toUtf8, fromUtf8 }] = await Promise.all([
    import('@smithy/eventstream-codec'),
    import('@smithy/util-utf8'),
  ]);
  const decoder = new EventStreamCodec(toUtf8, fromUtf8);
  if (options.auth.kind === 'bearer') return { signer: null, decoder };
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const source = options.auth.credentials;
  const signer = new SignatureV4({
    service: 'bedrock',
    region: options.region,
    credentials: async () => {
      const c: AwsCredentials = await source.current();
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}),
      };
    },
    sha256: NodeSha256,
  });
  return { signer: signer as unknown as Signer, decoder };
}

/** The credential the pool adds: a Bedrock API key, or nothing (SigV4 headers are added per request). */
function bearerTokens(auth: BedrockAuth): TokenSource {
  const headers: CredentialHeaders =
    auth.kind === 'bearer' ? Object.freeze({ authorization: `Bearer ${auth.token}` }) : Object.freeze({});
  return {
    current: () => headers,
    renew: () =>
      Promise.reject(
        new AuthError(
          auth.kind === 'bearer'
            ? 'Bedrock refused the API key in AWS_BEARER_TOKEN_BEDROCK; set it to a valid Bedrock API key'
            : 'Bedrock refused the request signature; check the AWS credentials claudine picks up (AWS_PROFILE, AWS_ACCESS_KEY_ID, …)',
        ),
      ),
    readiness: (): AuthReadiness => (auth.kind === 'bearer' ? { ready: true } : auth.credentials.readiness()),
    close: () => undefined,
  };
}

/** Headers worth keeping from a Bedrock answer: its request id (as Anthropic's name) and retry-after. */
function keptHeaders(upstream: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  const requestId = upstream['x-amzn-requestid'];
  if (typeof requestId === 'string') out['request-id'] = requestId;
  const retryAfter = upstream['retry-after'];
  if (typeof retryAfter === 'string') out['retry-after'] = retryAfter;
  return out;
}

const MAX_ERROR_BODY = 64 * 1024;

/** A Bedrock error answer → Anthropic's error body and status. */
async function toAnthropicError(response: UpstreamResponse): Promise<ProviderResponse> {
  let text: string;
  try {
    text = (await response.body.text()).slice(0, MAX_ERROR_BODY);
  } catch {
    text = '';
  }
  const typeHeader = response.headers['x-amzn-errortype'];
  let name = typeof typeHeader === 'string' ? typeHeader : undefined;
  let message = '';
  try {
    const parsed = JSON.parse(text) as {
      message?: unknown;
      Message?: unknown;
      __type?: unknown;
      type?: unknown;
    };
    // The Messages-API endpoint may already answer in Anthropic's shape: keep it.
    if (parsed.type === 'error' && name === undefined) {
      return localResponse('bedrock', response.statusCode, parsed, keptHeaders(response.headers));
    }
    const said = parsed.message ?? parsed.Message;
    if (typeof said === 'string') message = said;
    if (name === undefined && typeof parsed.__type === 'string') name = parsed.__type.split('#').pop();
  } catch {
    message = text.slice(0, 500);
  }
  const mapped = mapBedrockError(name, response.statusCode);
  return localResponse(
    'bedrock',
    mapped.status,
    JSON.parse(anthropicErrorJson(name, response.statusCode, message)),
    keptHeaders(response.headers),
  );
}

export function createBedrockProvider(options: BedrockOptions): Upstream {
  const client = new UpstreamClient(options.client, bearerTokens(options.auth));
  const base = new URL(options.client.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  let libraries: Promise<Libraries> | null = null;
  const libs = (): Promise<Libraries> => {
    libraries ??= loadLibraries(options).catch((err: unknown) => {
      libraries = null;
      throw err;
    });
    return libraries;
  };

  const signed = async (
    path: string,
    headers: Record<string, string>,
    payload: string,
  ): Promise<Record<string, string>> => {
    const { signer } = await libs();
    if (signer === null) return headers;
    const request = {
      method: 'POST',
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port !== '' ? { port: Number(base.port) } : {}),
      path: basePath + path,
      headers: { ...headers, host: base.host },
      body: payload,
    };
    return (await signer.sign(request)).headers;
  };

  const post = async (
    request: UpstreamRequest,
    path: string,
    headers: Record<string, string>,
    payload: string,
    stream: boolean,
  ) =>
    client.send({
      method: 'POST',
      path,
      headers: await signed(path, headers, payload),
      body: payload,
      stream,
      clientRetries: clientRetries(request),
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
      ...(request.logFields !== undefined ? { logFields: request.logFields } : {}),
      ...(request.stage !== undefined ? { stage: request.stage } : {}),
    });

  /** Correlation headers travel on (the signature covers them); the client's other headers do not. */
  const baseHeaders = (request: UpstreamRequest, accept: string): Record<string, string> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    for (const name of ['traceparent', 'tracestate', 'x-request-id']) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  };

  const send = async (request: UpstreamRequest): Promise<ProviderResponse> => {
    const prepared = await readCloudRequest('bedrock', request, options);
    if (prepared.answered !== null) return prepared.answered;
    const { body, choice, betas, stream } = prepared.read;
    const countTokens = prepared.read.kind === 'count_tokens';

    if (choice.row?.bedrock.api === 'messages') {
      // The Messages-API endpoint takes Anthropic's own request (model in the body, SSE streaming).
      const headers = baseHeaders(request, stream ? 'text/event-stream' : 'application/json');
      headers['anthropic-version'] = request.headers['anthropic-version'] ?? DEFAULT_ANTHROPIC_VERSION;
      if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');
      const path = countTokens ? '/anthropic/v1/messages/count_tokens' : '/anthropic/v1/messages';
      const response = await post(
        request,
        path,
        headers,
        JSON.stringify({ ...body, model: choice.providerId }),
        stream && !countTokens,
      );
      if (response.statusCode >= 400) return toAnthropicError(response);
      return { ...response, upstream: 'bedrock' };
    }

    const { model: _model, stream: _stream, ...rest } = body;
    const invokeBody: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...rest };
    if (betas.length > 0) invokeBody['anthropic_beta'] = betas;
    const id = encodeURIComponent(choice.providerId);

    if (countTokens) {
      // InvokeModel requires max_tokens; count_tokens requests do not carry one, and it does not change the count.
      invokeBody['max_tokens'] ??= 1;
      const payload = JSON.stringify({ input: { invokeModel: { body: JSON.stringify(invokeBody) } } });
      const response = await post(
        request,
        `/model/${id}/count-tokens`,
        baseHeaders(request, 'application/json'),
        payload,
        false,
      );
      if (response.statusCode >= 400) return toAnthropicError(response);
      const answer = (await response.body.json()) as { inputTokens?: unknown };
      if (typeof answer.inputTokens !== 'number')
        return localResponse('bedrock', 502, {
          type: 'error',
          error: { type: 'api_error', message: 'Bedrock answered count-tokens without inputTokens' },
        });
      return localResponse(
        'bedrock',
        200,
        { input_tokens: answer.inputTokens },
        keptHeaders(response.headers),
      );
    }

    const payload = JSON.stringify(invokeBody);
    const path = `/model/${id}/${stream ? 'invoke-with-response-stream' : 'invoke'}`;
    const accept = stream ? 'application/vnd.amazon.eventstream' : 'application/json';
    const response = await post(request, path, baseHeaders(request, accept), payload, stream);
    if (response.statusCode >= 400) return toAnthropicError(response);
    if (!stream) {
      return {
        ...response,
        headers: { ...keptHeaders(response.headers), 'content-type': 'application/json' },
        upstream: 'bedrock',
      };
    }
    const { decoder } = await libs();
    const events = response.body;
    const sse = new EventStreamToSse(decoder);
    return {
      statusCode: 200,
      headers: {
        ...keptHeaders(response.headers),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
      body: new UpstreamBody(events.stream, events.prefix, events.ended, sse),
      attempts: response.attempts,
      upstream: 'bedrock',
    };
  };

  return {
    name: 'bedrock',
    send,
    readiness: () =>
      options.auth.kind === 'bearer'
        ? { ready: true, source: 'AWS_BEARER_TOKEN_BEDROCK' }
        : options.auth.credentials.readiness(),
    stats: () => client.stats(),
    loaded: () => (options.auth.kind === 'bearer' ? Promise.resolve() : options.auth.credentials.loaded()),
    warm: () => client.warm(),
    interrupt: () => client.interrupt(),
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}
