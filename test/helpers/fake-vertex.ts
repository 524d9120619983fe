/**
 * A fake Google Vertex AI on 127.0.0.1, with its own OAuth token endpoint:
 * - POST /token takes only the JWT-bearer grant of the service account it was made for: the assertion's RS256
 *   signature must verify with that account's public key, and its iss, aud (the token endpoint itself),
 *   scope and lifetime must be right. It hands out access tokens that expire after `tokenLifetimeS`.
 * - The API takes only a live token it issued (`Authorization: Bearer`), on the rawPredict paths, with
 *   `anthropic_version: "vertex-2023-10-16"` and no `model` in the body (count-tokens keeps it).
 * Tests script the answer through `answer` and read `requests` and `grants`.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamEvent } from './anthropic-streams.js';

export interface VertexCall {
  readonly project: string;
  readonly region: string;
  readonly model: string;
  /** `rawPredict`, `streamRawPredict` or `count-tokens`. */
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  readonly token: string;
}

export type VertexAnswer =
  | { readonly message: Record<string, unknown> }
  | { readonly events: readonly StreamEvent[] }
  | { readonly inputTokens: number }
  | { readonly status: number; readonly googleStatus: string; readonly message: string };

export interface FakeVertex {
  readonly url: string;
  readonly tokenUri: string;
  /** A service-account key file (throwaway RSA key) whose token_uri is this fake. */
  readonly serviceAccount: Record<string, string>;
  readonly requests: VertexCall[];
  /** Token grants made (each a verified JWT). */
  readonly grants: { readonly at: number; readonly token: string }[];
  /** Why requests or grants were refused. */
  readonly rejected: string[];
  tokenLifetimeS: number;
  /** Revokes every token issued so far (the next API call with one gets 401). */
  revokeAll(): void;
  answer: (call: VertexCall) => VertexAnswer | Promise<VertexAnswer>;
  close(): Promise<void>;
}

const CLIENT_EMAIL = 'claudine-test@test-project-not-real.iam.gserviceaccount.com';

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function googleError(res: ServerResponse, status: number, googleStatus: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: status, message, status: googleStatus } }));
}

export async function startFakeVertex(): Promise<FakeVertex> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const tokens = new Map<string, number>(); // token → expiry (ms)
  let issued = 0;
  const requests: VertexCall[] = [];
  const grants: { at: number; token: string }[] = [];
  const rejected: string[] = [];
  let url = '';
  const state = {
    tokenLifetimeS: 3600,
    answer: ((): VertexAnswer => ({
      status: 500,
      googleStatus: 'INTERNAL',
      message: 'no answer scripted',
    })) as FakeVertex['answer'],
  };

  const grant = (form: URLSearchParams, res: ServerResponse): void => {
    const refuse = (why: string): void => {
      rejected.push(why);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: why }));
    };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return refuse('wrong grant_type');
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('assertion is not a JWT');
    const [h = '', c = '', sig = ''] = parts;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
    if (header['alg'] !== 'RS256') return refuse('alg is not RS256');
    if (!createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKey, Buffer.from(sig, 'base64url')))
      return refuse('JWT signature does not verify');
    if (claims['iss'] !== CLIENT_EMAIL) return refuse('wrong iss');
    if (claims['aud'] !== `${url}/token`) return refuse(`wrong aud ${String(claims['aud'])}`);
    if (!String(claims['scope']).split(' ').includes('https://www.googleapis.com/auth/cloud-platform'))
      return refuse('missing cloud-platform scope');
    const now = Date.now() / 1000;
    const iat = Number(claims['iat']);
    const exp = Number(claims['exp']);
    if (!(iat <= now + 60 && exp > now && exp - iat <= 3600)) return refuse('bad iat/exp');
    const token = `ya29.test-not-real-${++issued}`;
    tokens.set(token, Date.now() + state.tokenLifetimeS * 1000);
    grants.push({ at: Date.now(), token });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, expires_in: state.tokenLifetimeS, token_type: 'Bearer' }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readAll(req);
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (req.method === 'POST' && path === '/token') return grant(new URLSearchParams(raw.toString()), res);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const expiry = tokens.get(token);
    if (expiry === undefined || expiry <= Date.now()) {
      rejected.push(expiry === undefined ? 'unknown token' : 'expired token');
      return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const m =
      /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/.exec(
        path,
      );
    if (m === null) return googleError(res, 404, 'NOT_FOUND', `no route ${path}`);
    const [, project = '', region = '', modelPart = '', verb = ''] = m;
    const body = JSON.parse(raw.toString()) as Record<string, unknown>;
    if (body['anthropic_version'] !== 'vertex-2023-10-16')
      return googleError(res, 400, 'INVALID_ARGUMENT', 'anthropic_version must be vertex-2023-10-16');
    const countTokens = modelPart === 'count-tokens';
    if (countTokens ? typeof body['model'] !== 'string' : 'model' in body)
      return googleError(
        res,
        400,
        'INVALID_ARGUMENT',
        countTokens ? 'model is required' : 'model is not allowed in the body',
      );
    const call: VertexCall = {
      project: decodeURIComponent(project),
      region: decodeURIComponent(region),
      // Kept as sent: a versioned id must arrive with its `@` as Google's clients send it.
      model: countTokens ? String(body['model']) : modelPart,
      method: countTokens ? 'count-tokens' : verb,
      headers: req.headers,
      body,
      token,
    };
    requests.push(call);
    const answer = await state.answer(call);
    if ('status' in answer) return googleError(res, answer.status, answer.googleStatus, answer.message);
    if ('inputTokens' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: answer.inputTokens }));
      return;
    }
    if ('message' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.message));
      return;
    }
    if (verb !== 'streamRawPredict' || body['stream'] !== true)
      return googleError(res, 400, 'INVALID_ARGUMENT', 'a stream needs :streamRawPredict and stream: true');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of answer.events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) googleError(res, 500, 'INTERNAL', String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    tokenUri: `${url}/token`,
    serviceAccount: {
      type: 'service_account',
      project_id: 'test-project-not-real',
      private_key_id: 'test-key-id-not-real',
      private_key: privateKey,
      client_email: CLIENT_EMAIL,
      client_id: '000000000000000000000',
      token_uri: `${url}/token`,
    },
    requests,
    grants,
    rejected,
    revokeAll: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
