/**
 * A fake AWS Bedrock runtime on 127.0.0.1 that holds the proxy to Bedrock's rules:
 * - every request must carry a valid SigV4 signature (service `bedrock`, the fake's region) made with one of
 *   the credentials it knows — verified here by recomputing it with node:crypto (an implementation
 *   independent of the signer under test), including the session token, the host and the body hash; or, in
 *   bearer mode, the Bedrock API key;
 * - InvokeModel bodies must have `anthropic_version: "bedrock-2023-05-31"` and no `model` or `stream`
 *   (Bedrock answers ValidationException otherwise), and `anthropic_beta` must be a list of known values;
 * - streams are real AWS event-stream frames (prelude and message CRCs) made by @smithy/eventstream-codec,
 *   each chunk carrying base64 of one Anthropic event; exceptions are exception frames.
 * Tests script the answer through `answer` and read `requests`.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { StreamEvent } from './anthropic-streams.js';

export interface AwsTestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface BedrockCall {
  readonly path: string;
  /** `invoke`, `invoke-with-response-stream`, `count-tokens` or `messages` (the Messages-API endpoint). */
  readonly operation: string;
  readonly modelId: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  /** The access key id that signed it (or `bearer`). */
  readonly signedBy: string;
}

export type BedrockAnswer =
  | { readonly message: Record<string, unknown> }
  | {
      readonly events: readonly (StreamEvent | BedrockException)[];
      /** After this many frames, half a frame and the connection is destroyed. */
      readonly cutAfter?: number;
      /** After this many frames, half a frame and a clean end of the response. */
      readonly endInsideFrameAfter?: number;
      /** The frame at this index is sent with one payload byte flipped (its CRC no longer matches). */
      readonly corruptAt?: number;
    }
  | { readonly inputTokens: number }
  | { readonly status: number; readonly errorType: string; readonly message: string };

/** An exception frame in the middle of a stream. */
export interface BedrockException {
  readonly exception: string;
  readonly message: string;
}

export interface FakeBedrock {
  readonly url: string;
  readonly region: string;
  readonly requests: BedrockCall[];
  /** Signature checks that failed (with why). */
  readonly rejected: string[];
  /** Access key ids currently accepted; tests revoke and add keys to model rotation. */
  readonly keys: Map<string, AwsTestCredentials>;
  bearerToken: string | null;
  answer: (call: BedrockCall) => BedrockAnswer | Promise<BedrockAnswer>;
  close(): Promise<void>;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function isException(event: StreamEvent | BedrockException): event is BedrockException {
  return typeof (event as { exception?: unknown }).exception === 'string';
}

const hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Recomputes the SigV4 signature; null when valid, else why not. */
export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  keys: ReadonlyMap<string, AwsTestCredentials>,
  region: string,
): { error: string } | { accessKeyId: string } {
  const auth = req.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (m === null) return { error: 'no SigV4 Authorization header' };
  const [, accessKeyId = '', date = '', scopeRegion, service, signedHeaders = '', signature] = m;
  const credentials = keys.get(accessKeyId);
  if (credentials === undefined) return { error: `unknown access key ${accessKeyId}` };
  if (scopeRegion !== region || service !== 'bedrock')
    return { error: `wrong scope ${scopeRegion}/${service}` };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date)) return { error: 'x-amz-date does not match the credential scope' };
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (!(Math.abs(Date.now() - signedAt) < 5 * 60_000)) return { error: 'x-amz-date is too far from now' };
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date'])
    if (!names.includes(required)) return { error: `${required} is not signed` };
  if (credentials.sessionToken !== undefined) {
    if (req.headers['x-amz-security-token'] !== credentials.sessionToken)
      return { error: 'missing or wrong x-amz-security-token' };
    if (!names.includes('x-amz-security-token')) return { error: 'the session token is not signed' };
  }
  const [rawPath = '/', query = ''] = (req.url ?? '/').split('?');
  const canonicalUri = rawPath
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
  const canonicalHeaders = names
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [req.method, canonicalUri, query, canonicalHeaders, signedHeaders, hex(body)].join(
    '\n',
  );
  const scope = `${date}/${region}/bedrock/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), 'bedrock'),
    'aws4_request',
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (expected !== signature) return { error: 'signature mismatch' };
  return { accessKeyId };
}

function frame(headers: Record<string, string>, payload: string): Uint8Array {
  const typed: Record<string, { type: 'string'; value: string }> = {};
  for (const [name, value] of Object.entries(headers)) typed[name] = { type: 'string', value };
  return codec.encode({ headers: typed, body: fromUtf8(payload) });
}

export function chunkFrame(event: StreamEvent): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(event)).toString('base64');
  return frame(
    { ':message-type': 'event', ':event-type': 'chunk', ':content-type': 'application/json' },
    JSON.stringify({ bytes }),
  );
}

export function exceptionFrame(exception: string, message: string): Uint8Array {
  return frame(
    { ':message-type': 'exception', ':exception-type': exception, ':content-type': 'application/json' },
    JSON.stringify({ message }),
  );
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': 'fake-bedrock-request-1',
  });
  res.end(JSON.stringify({ message }));
}

const KNOWN_BETAS = new Set([
  'interleaved-thinking-2025-05-14',
  'context-1m-2025-08-07',
  'output-128k-2025-02-19',
]);

export async function startFakeBedrock(
  options: { region?: string; keys?: readonly AwsTestCredentials[] } = {},
): Promise<FakeBedrock> {
  const region = options.region ?? 'us-east-1';
  const requests: BedrockCall[] = [];
  const rejected: string[] = [];
  const keys = new Map((options.keys ?? []).map((k) => [k.accessKeyId, k]));
  const fake: Omit<FakeBedrock, 'url' | 'close'> & { bearerToken: string | null } = {
    region,
    requests,
    rejected,
    keys,
    bearerToken: null,
    answer: () => ({ status: 500, errorType: 'InternalServerException', message: 'no answer scripted' }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let signedBy: string;
    if (fake.bearerToken !== null) {
      if (req.headers.authorization !== `Bearer ${fake.bearerToken}`) {
        rejected.push('wrong bearer token');
        return awsError(
          res,
          403,
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      }
      signedBy = 'bearer';
    } else {
      const verdict = verifySigV4(req, raw, keys, region);
      if ('error' in verdict) {
        rejected.push(verdict.error);
        return awsError(
          res,
          403,
          'InvalidSignatureException',
          `The request signature we calculated does not match the signature you provided (${verdict.error})`,
        );
      }
      signedBy = verdict.accessKeyId;
    }
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const invoke = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|count-tokens)$/.exec(path);
    const messagesApi = /^\/anthropic\/v1\/messages(\/count_tokens)?$/.exec(path);
    if (invoke === null && messagesApi === null) return awsError(res, 404, 'UnknownOperationException', path);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return awsError(res, 400, 'ValidationException', 'Malformed input request');
    }
    let operation: string;
    let modelId: string;
    if (invoke !== null) {
      operation = invoke[2] ?? '';
      modelId = decodeURIComponent(invoke[1] ?? '');
      let invokeBody = body;
      if (operation === 'count-tokens') {
        const inner = (body['input'] as { invokeModel?: { body?: unknown } } | undefined)?.invokeModel?.body;
        if (typeof inner !== 'string')
          return awsError(res, 400, 'ValidationException', 'input.invokeModel.body is required');
        invokeBody = JSON.parse(inner) as Record<string, unknown>;
      }
      if (invokeBody['anthropic_version'] !== 'bedrock-2023-05-31')
        return awsError(res, 400, 'ValidationException', 'anthropic_version: must be bedrock-2023-05-31');
      for (const field of ['model', 'stream'])
        if (field in invokeBody)
          return awsError(res, 400, 'ValidationException', `extraneous key [${field}] is not permitted`);
      const betas = invokeBody['anthropic_beta'];
      if (betas !== undefined && (!Array.isArray(betas) || betas.some((b) => !KNOWN_BETAS.has(String(b)))))
        return awsError(res, 400, 'ValidationException', 'invalid beta flag');
      body = invokeBody;
    } else {
      operation = messagesApi?.[1] !== undefined ? 'messages-count' : 'messages';
      modelId = String(body['model']);
      if (req.headers['anthropic-version'] === undefined)
        return awsError(res, 400, 'ValidationException', 'anthropic-version header is required');
    }
    const call: BedrockCall = { path, operation, modelId, headers: req.headers, body, signedBy };
    requests.push(call);
    const answer = await fake.answer(call);
    if ('status' in answer) return awsError(res, answer.status, answer.errorType, answer.message);
    if ('inputTokens' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          operation === 'messages-count'
            ? { input_tokens: answer.inputTokens }
            : { inputTokens: answer.inputTokens },
        ),
      );
      return;
    }
    if ('message' in answer) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': 'fake-bedrock-request-2',
      });
      res.end(JSON.stringify(answer.message));
      return;
    }
    if (operation === 'messages') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of answer.events)
        if (!isException(event)) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': 'fake-bedrock-request-3',
    });
    let sent = 0;
    for (const event of answer.events) {
      if (answer.cutAfter !== undefined && sent === answer.cutAfter) {
        // Half a frame, then the connection dies: a truncated upstream.
        const partial = chunkFrame({ type: 'ping' });
        res.write(partial.subarray(0, 10));
        await new Promise((r) => setTimeout(r, 20));
        res.destroy();
        return;
      }
      if (answer.endInsideFrameAfter !== undefined && sent === answer.endInsideFrameAfter) {
        res.end(Buffer.from(chunkFrame({ type: 'ping' }).subarray(0, 10)));
        return;
      }
      const framed = isException(event) ? exceptionFrame(event.exception, event.message) : chunkFrame(event);
      const bytes = answer.corruptAt === sent ? Buffer.from(framed) : framed;
      if (answer.corruptAt === sent) {
        const at = bytes.length - 6;
        bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      }
      // Split frames across writes so the proxy must reassemble them.
      const cut = Math.floor(bytes.length / 2);
      res.write(bytes.subarray(0, cut));
      res.write(bytes.subarray(cut));
      sent++;
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) awsError(res, 500, 'InternalServerException', String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
