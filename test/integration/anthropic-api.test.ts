/**
 * The rest of Anthropic's API through the proxy, driven by the official SDK: beta calls with query strings,
 * Message Batches, Files (multi-megabyte upload and download), with the fake upstream recording what it
 * received byte for byte and a recording fetch keeping what the SDK sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import Anthropic, { APIError, toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnthropicApi, multipartFile, type FakeAnthropicApi } from '../helpers/fake-anthropic-api.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { cleanEnv, startServerProcess } from '../helpers/cli.js';
import { eventually, FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

/** What the client holds: a placeholder the proxy throws away. */
const CLIENT_KEY = 'sk-ant-fake-client';

interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

let upstream: FakeUpstream;
let api: FakeAnthropicApi;
let proxy: RunningProxy;
let client: Anthropic;
const sent: SentRequest[] = [];

/** The SDK's requests as it made them: materialised here, then sent on unchanged. */
const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  // The SDK probes FormData support with a `data:` URL: not a request to anyone.
  if (String(input instanceof Request ? input.url : input).startsWith('data:')) return fetch(input, init);
  const request = new Request(input, { ...init, ...(init?.body ? { duplex: 'half' } : {}) });
  const body = request.body === null ? Buffer.alloc(0) : Buffer.from(await request.arrayBuffer());
  const headers = Object.fromEntries(request.headers);
  sent.push({ method: request.method, url: request.url, headers, body });
  return fetch(request.url, {
    method: request.method,
    headers,
    ...(body.length > 0 ? { body } : {}),
    ...(init?.signal ? { signal: init.signal } : {}),
  });
};

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
/** Path and query string of what the SDK requested. */
const pathOf = (request: SentRequest): string => {
  const url = new URL(request.url);
  return url.pathname + url.search;
};
/** Claude Code and older SDKs mark beta calls with `?beta=true`; this SDK sends whatever query it is given. */
const BETA = { query: { beta: 'true' } };

/** Every header the SDK set reached the upstream unchanged, except its credential. */
function expectHeadersForwarded(client: SentRequest, upstreamHeaders: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(client.headers)) {
    if (name === 'x-api-key' || name === 'authorization') continue;
    expect(upstreamHeaders[name], `header ${name}`).toBe(value);
  }
  expect(upstreamHeaders['x-api-key']).toBe(FAKE_API_KEY);
  expect(upstreamHeaders['authorization']).toBeUndefined();
  expect(JSON.stringify(upstreamHeaders)).not.toContain(CLIENT_KEY);
}

beforeAll(async () => {
  api = fakeAnthropicApi();
  upstream = await startFakeUpstream(api.handler);
  proxy = await startProxy({
    upstreamBaseUrl: upstream.baseUrl,
    // A small Messages limit: a file upload far above it must still pass (its own, larger limit).
    flags: { '--upstream--max-retries': '0', '--server--max-body-size': '1MiB' },
  });
  client = new Anthropic({ baseURL: proxy.url, apiKey: CLIENT_KEY, maxRetries: 0, fetch: recordingFetch });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.handler = api.handler;
  upstream.requests.length = 0;
  sent.length = 0;
});

describe('beta calls keep their query string', () => {
  it('sends POST /v1/messages?beta=true with anthropic-beta, body bytes unchanged', async () => {
    const message = await client.beta.messages.create(
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 32,
        betas: ['interleaved-thinking-2025-05-14'],
        messages: [{ role: 'user', content: 'Hi' }],
      },
      BETA,
    );
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello, world' });
    const seen = upstream.requests[0]!;
    expect(pathOf(sent[0]!)).toBe('/v1/messages?beta=true');
    expect(seen.path).toBe('/v1/messages?beta=true');
    expect(seen.method).toBe('POST');
    expect(seen.sha256).toBe(sha256(sent[0]!.body));
    expect(seen.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expectHeadersForwarded(sent[0]!, seen.headers);
  });

  it('sends count_tokens?beta=true', async () => {
    const count = await client.beta.messages.countTokens(
      {
        model: 'claude-sonnet-4-5',
        betas: ['token-counting-2024-11-01'],
        messages: [{ role: 'user', content: 'Hi' }],
      },
      BETA,
    );
    expect(count.input_tokens).toBe(42);
    expect(upstream.requests[0]!.path).toBe('/v1/messages/count_tokens?beta=true');
    expect(upstream.requests[0]!.sha256).toBe(sha256(sent[0]!.body));
  });

  it('passes an arbitrary query string through untouched', async () => {
    const res = await fetch(`${proxy.url}/v1/models?limit=2&after_id=claude-x%2Dy&beta=true`, {
      headers: { 'anthropic-version': '2023-06-01', 'x-api-key': CLIENT_KEY },
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(upstream.requests[0]!.path).toBe('/v1/models?limit=2&after_id=claude-x%2Dy&beta=true');
  });
});

describe('Message Batches', () => {
  it('creates, retrieves, lists, streams results, cancels and deletes through the proxy', async () => {
    const requests = ['alpha', 'beta', 'gamma'].map((custom_id) => ({
      custom_id,
      params: {
        model: 'claude-sonnet-4-5',
        max_tokens: 16,
        messages: [{ role: 'user' as const, content: `question ${custom_id}` }],
      },
    }));
    const created = await client.messages.batches.create({ requests });
    expect(created.id).toMatch(/^msgbatch_/);
    const create = upstream.requests[0]!;
    expect(create.method).toBe('POST');
    expect(create.path).toBe('/v1/messages/batches');
    expect(create.sha256).toBe(sha256(sent[0]!.body));
    expectHeadersForwarded(sent[0]!, create.headers);
    // The one rewrite: results_url names the proxy, so the SDK fetches the results through it.
    expect(created.results_url).toBe(`${proxy.url}/v1/messages/batches/${created.id}/results`);

    const retrieved = await client.messages.batches.retrieve(created.id);
    expect(retrieved.results_url).toBe(`${proxy.url}/v1/messages/batches/${created.id}/results`);
    expect(upstream.requests.at(-1)!.path).toBe(`/v1/messages/batches/${created.id}`);

    const listed: string[] = [];
    for await (const batch of client.messages.batches.list()) {
      listed.push(batch.id);
      expect(batch.results_url).toContain(proxy.url);
    }
    expect(listed).toContain(created.id);

    upstream.requests.length = 0;
    const results: string[] = [];
    for await (const line of await client.messages.batches.results(created.id)) {
      expect(line.result.type).toBe('succeeded');
      if (line.result.type === 'succeeded') {
        const first = line.result.message.content[0];
        results.push(`${line.custom_id}:${first?.type === 'text' ? first.text : ''}`);
      }
    }
    expect(results).toEqual(['alpha:answer to alpha', 'beta:answer to beta', 'gamma:answer to gamma']);
    // Both the retrieve and the results download went through the proxy, with the proxy's key.
    expect(upstream.requests.map((r) => r.path)).toEqual([
      `/v1/messages/batches/${created.id}`,
      `/v1/messages/batches/${created.id}/results`,
    ]);
    expect(upstream.requests.every((r) => r.headers['x-api-key'] === FAKE_API_KEY)).toBe(true);
    // The results' own usage objects are not this request's tokens: nothing is counted for it.
    await eventually(
      () => proxy.logs.some((l) => l['route'] === '/v1/messages/batches/{id}/results'),
      'the results access log line',
    );
    const resultsLine = proxy.logs.find((l) => l['route'] === '/v1/messages/batches/{id}/results')!;
    expect(resultsLine['status']).toBe(200);
    expect(resultsLine['input_tokens']).toBeUndefined();

    const canceled = await client.messages.batches.cancel(created.id);
    expect(canceled.cancel_initiated_at).not.toBeNull();
    expect(upstream.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/messages/batches/${created.id}/cancel`,
    });

    const deleted = await client.messages.batches.delete(created.id);
    expect(deleted).toMatchObject({ id: created.id, type: 'message_batch_deleted' });
    expect(upstream.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v1/messages/batches/${created.id}`,
    });
    expect(upstream.requests.at(-1)!.body.length).toBe(0);
  });

  it('beta batches keep ?beta=true, also on the results download', async () => {
    const created = await client.beta.messages.batches.create(
      {
        requests: [
          {
            custom_id: 'one',
            params: { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] },
          },
        ],
      },
      BETA,
    );
    expect(upstream.requests[0]!.path).toBe('/v1/messages/batches?beta=true');
    const lines = [];
    for await (const line of await client.beta.messages.batches.results(created.id, {}, BETA))
      lines.push(line);
    expect(lines).toHaveLength(1);
    // The retrieve and the results download, each as the SDK asked for it.
    expect(upstream.requests.slice(-2).map((r) => r.path)).toEqual(sent.slice(-2).map(pathOf));
    expect(upstream.requests.at(-1)!.path).toMatch(
      new RegExp(`^/v1/messages/batches/${created.id}/results\\?`),
    );
    expect(upstream.requests.at(-1)!.path).toContain('beta=true');
  });

  it('an upstream 404 for an unknown batch reaches the SDK as NotFoundError with the upstream request-id', async () => {
    const error = await client.messages.batches.retrieve('msgbatch_missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as APIError).headers?.get('request-id')).toBe('req_fake_0001');
    await eventually(
      () =>
        proxy.logs.some(
          (l) =>
            l['msg'] === 'request' &&
            l['route'] === '/v1/messages/batches/{id}' &&
            l['error_type'] === 'not_found_error' &&
            l['upstream_request_id'] === 'req_fake_0001',
        ),
      'the access log line with error_type and the upstream request id',
    );
  });
});

describe('Files', () => {
  it('uploads a multi-megabyte file byte for byte, lists, reads metadata, downloads and deletes it', async () => {
    const content = randomBytes(5 * 1024 * 1024 + 123);
    const digest = sha256(content);
    const uploaded = await client.beta.files.upload(
      {
        file: await toFile(content, 'data.bin', { type: 'application/octet-stream' }),
        betas: ['files-api-2025-04-14'],
      },
      BETA,
    );
    expect(uploaded).toMatchObject({ type: 'file', filename: 'data.bin', size_bytes: content.length });
    const upload = upstream.requests[0]!;
    expect(upload.method).toBe('POST');
    expect(upload.path).toBe('/v1/files?beta=true');
    // The multipart body the SDK built reached the upstream unchanged (boundary and all)...
    expect(upload.sha256).toBe(sha256(sent[0]!.body));
    expectHeadersForwarded(sent[0]!, upload.headers);
    expect(upload.headers['anthropic-beta']).toBe('files-api-2025-04-14');
    // ...and so did the file inside it.
    const part = multipartFile(upload.body, String(upload.headers['content-type']));
    expect(part?.content.length).toBe(content.length);
    expect(sha256(part!.content)).toBe(digest);

    const ids: string[] = [];
    for await (const file of client.beta.files.list()) ids.push(file.id);
    expect(ids).toContain(uploaded.id);

    const meta = await client.beta.files.retrieveMetadata(uploaded.id);
    expect(meta).toMatchObject({ id: uploaded.id, size_bytes: content.length });

    const download = await client.beta.files.download(uploaded.id);
    expect(download.headers.get('content-length')).toBe(String(content.length));
    expect(download.headers.get('content-disposition')).toContain('data.bin');
    expect(download.headers.get('request-id')).toBe('req_fake_download');
    const downloaded = Buffer.from(await download.arrayBuffer());
    expect(sha256(downloaded)).toBe(digest);
    expect(upstream.requests.at(-1)!.path).toBe(`/v1/files/${uploaded.id}/content`);

    const deleted = await client.beta.files.delete(uploaded.id);
    expect(deleted).toMatchObject({ id: uploaded.id, type: 'file_deleted' });
    expect(upstream.requests.at(-1)!.method).toBe('DELETE');
  });

  it('streams an upload to the upstream while the client is still sending it', async () => {
    // The fake upstream here counts bytes as they arrive instead of waiting for the whole body.
    const { createServer } = await import('node:http');
    let received = 0;
    const streaming = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => sendJson(res, 200, { id: 'file_streamed', type: 'file' }));
    });
    await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
    const port = (streaming.address() as { port: number }).port;
    const small = await startProxy({ upstreamBaseUrl: `http://127.0.0.1:${port}/v1` });
    try {
      const boundary = 'claudine-test-boundary';
      const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`;
      const answer = new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${small.url}/v1/files`,
          {
            method: 'POST',
            headers: {
              'content-type': `multipart/form-data; boundary=${boundary}`,
              'anthropic-version': '2023-06-01',
              'anthropic-beta': 'files-api-2025-04-14',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.write(head);
        req.write(randomBytes(2 * 1024 * 1024));
        // Half of it is out; the upstream must see it before the rest is even written.
        eventually(() => received >= 1024 * 1024, 'the upstream to receive the first megabyte', 5000).then(
          () => {
            req.write(randomBytes(2 * 1024 * 1024));
            req.end(`\r\n--${boundary}--\r\n`);
          },
          reject,
        );
      });
      expect(await answer).toBe(200);
      expect(received).toBeGreaterThan(4 * 1024 * 1024);
    } finally {
      await small.close();
      streaming.closeAllConnections();
      await new Promise((r) => streaming.close(r));
    }
  });
});

describe('a large upload through a proxy process', () => {
  it('is never held whole: 96 MB to a slow upstream grows the proxy RSS by well under its size', async () => {
    const MB = 1024 * 1024;
    const { createServer } = await import('node:http');
    let received = 0;
    // The upstream reads slowly (pauses between chunks), so a buffering proxy would pile the file up.
    const slow = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        req.pause();
        setTimeout(() => req.resume(), 2);
      });
      req.on('end', () => sendJson(res, 200, { id: 'file_big', type: 'file', size_bytes: received }));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as { port: number }).port;
    const server = await startServerProcess(
      ['--upstream--base-url', `http://127.0.0.1:${port}/v1`, '--auth--storage', 'env'],
      cleanEnv({ ANTHROPIC_API_KEY: FAKE_API_KEY }),
    );
    const rss = (): number =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0) *
      1024;
    try {
      await fetch(`${server.url}/health/liveness`);
      const before = rss();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
      const boundary = 'claudine-big-upload';
      const piece = randomBytes(MB);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/v1/files`,
          {
            method: 'POST',
            headers: {
              'content-type': `multipart/form-data; boundary=${boundary}`,
              'anthropic-version': '2023-06-01',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.write(
          `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`,
        );
        let sent = 0;
        // Written with backpressure: the client only sends as fast as the proxy passes it on.
        const more = (): void => {
          while (sent < 96) {
            sent++;
            if (!req.write(piece)) {
              req.once('drain', more);
              return;
            }
          }
          req.end(`\r\n--${boundary}--\r\n`);
        };
        more();
      });
      clearInterval(sampler);
      expect(status).toBe(200);
      expect(received).toBeGreaterThan(96 * MB);
      // Growth stays flat whatever the size (about 45 MB of allocator churn for 96 MB and for 192 MB alike);
      // a proxy holding the file would grow by more than its 96 MB.
      expect(peak - before).toBeLessThan(70 * MB);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  }, 60_000);
});

describe('per-API body limits', () => {
  it('accepts a file upload far above the Messages limit, refuses one above the file limit in Anthropic shape', async () => {
    const limited = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--max-body-size': '64KiB', '--server--max-file-upload-size': '2MiB' },
    });
    try {
      const sdk = new Anthropic({ baseURL: limited.url, apiKey: CLIENT_KEY, maxRetries: 0 });
      const ok = await sdk.beta.files.upload({ file: await toFile(randomBytes(1024 * 1024), 'ok.bin') });
      expect(ok.size_bytes).toBe(1024 * 1024);
      const error = await sdk.beta.files
        .upload({ file: await toFile(randomBytes(3 * 1024 * 1024), 'big.bin') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(413);
      expect((error as APIError).error).toMatchObject({
        type: 'error',
        error: { type: 'request_too_large', message: expect.stringContaining('server.max_file_upload_size') },
      });
      const messages = await sdk.messages
        .create({
          model: 'claude-sonnet-4-5',
          max_tokens: 8,
          messages: [{ role: 'user', content: 'x'.repeat(100_000) }],
        })
        .catch((e: unknown) => e);
      expect((messages as APIError).status).toBe(413);
      expect((messages as APIError).message).toContain('server.max_body_size');
    } finally {
      await limited.close();
    }
  });
});

/** A raw request, so paths reach the proxy exactly as written (fetch would normalise `..`). */
function rawRequest(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/`, { method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('paths outside the API are never forwarded', () => {
  const anthropicHeaders = { 'anthropic-version': '2023-06-01', 'x-api-key': CLIENT_KEY };
  it.each([
    '/v1/models/../../x',
    '/v1/models/%2e%2e/%2E%2E/x',
    '/v1/models/..%2f..%2fadmin',
    '/v1/files/../../v1/organizations',
    '/v1/messages/batches/./x/results',
    '/v1/files/file_1/content/../../../admin',
    '/v1/organizations/api_keys',
    '/v1/messages/batches/abc/unknown',
    '/v1/files/a%2Fb',
    '/api/oauth/profile',
  ])('%s gets a 4xx in Anthropic shape and reaches no upstream', async (path) => {
    const { status, body } = await rawRequest(proxy.url, path, anthropicHeaders);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(JSON.parse(body)).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('GET /v1/models/%ZZ is a clean 400 in either dialect, with no stack and no upstream call', async () => {
    const anthropicAnswer = await rawRequest(proxy.url, '/v1/models/%ZZ', anthropicHeaders);
    expect(anthropicAnswer.status).toBe(400);
    expect(JSON.parse(anthropicAnswer.body)).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('percent-encoding') },
    });
    const openaiAnswer = await rawRequest(proxy.url, '/v1/models/%ZZ', { authorization: 'Bearer x' });
    expect(openaiAnswer.status).toBe(400);
    expect(JSON.parse(openaiAnswer.body)).toMatchObject({ error: { type: 'invalid_request_error' } });
    for (const answer of [anthropicAnswer, openaiAnswer])
      expect(answer.body).not.toMatch(/at \w+ \(|\.ts:\d+/);
    expect(upstream.requests).toHaveLength(0);
    expect(proxy.logs.some((l) => l['msg'] === 'unexpected error')).toBe(false);
  });

  it('a wrong method on a known path is a 405 that says what is allowed', async () => {
    const res = await fetch(`${proxy.url}/v1/files/file_x/content`, {
      method: 'DELETE',
      headers: anthropicHeaders,
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('client auth styles and versions', () => {
  it.each([
    ['x-api-key', { 'x-api-key': CLIENT_KEY }],
    ['Authorization: Bearer', { authorization: `Bearer ${CLIENT_KEY}` }],
  ])('a client sending %s gets the proxy credential in the upstream form', async (_style, auth) => {
    for (const version of ['2023-06-01', '2023-01-01']) {
      const res = await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': version, ...auth },
        body: '{"model":"claude-sonnet-4-5","max_tokens":4,"messages":[{"role":"user","content":"x"}]}',
      });
      expect(res.status).toBe(200);
      await res.text();
      const seen = upstream.requests.at(-1)!;
      expect(seen.headers['anthropic-version']).toBe(version);
      expect(seen.headers['x-api-key']).toBe(FAKE_API_KEY);
      expect(seen.headers['authorization']).toBeUndefined();
      expect(JSON.stringify(seen.headers)).not.toContain(CLIENT_KEY);
    }
  });
});

describe('error dialect follows the client', () => {
  it('without a credential, Anthropic clients get 401 in Anthropic shape on every API, OpenAI clients in OpenAI shape', async () => {
    const keyless = await startProxy({ upstreamBaseUrl: upstream.baseUrl, env: {} });
    try {
      for (const path of ['/v1/files', '/v1/models', '/v1/messages/batches', '/v1/models/claude-x']) {
        const res = await fetch(`${keyless.url}${path}`, {
          headers: { 'anthropic-version': '2023-06-01', 'x-api-key': CLIENT_KEY },
        });
        expect(res.status, path).toBe(401);
        expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      }
      const sdk = new Anthropic({ baseURL: keyless.url, apiKey: CLIENT_KEY, maxRetries: 0 });
      const error = await sdk.beta.files.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      // An Anthropic-only path is Anthropic's even without the header.
      const bare = await fetch(`${keyless.url}/v1/files`);
      expect(await bare.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await keyless.close();
    }
  });

  it('guards and unknown routes answer in Anthropic shape when the client sent anthropic-version', async () => {
    const keyed = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--api-keys': 'sk-ant-test-client-key' },
    });
    try {
      const missingKey = await fetch(`${keyed.url}/v1/models`, {
        headers: { 'anthropic-version': '2023-06-01' },
      });
      expect(missingKey.status).toBe(401);
      expect(await missingKey.json()).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      });
      const openaiMissingKey = await fetch(`${keyed.url}/v1/models`);
      const openaiBody = (await openaiMissingKey.json()) as Record<string, unknown>;
      expect(openaiBody).toMatchObject({ error: { type: 'authentication_error' } });
      expect(openaiBody['type']).toBeUndefined();
      // Either client auth style passes the guard.
      for (const auth of [
        { 'x-api-key': 'sk-ant-test-client-key' },
        { authorization: 'Bearer sk-ant-test-client-key' },
      ]) {
        const ok = await fetch(`${keyed.url}/v1/models`, {
          headers: { 'anthropic-version': '2023-06-01', ...auth },
        });
        expect(ok.status).toBe(200);
        await ok.text();
      }
      const unknown = await fetch(`${keyed.url}/v1/nothing-here`, {
        headers: { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test-client-key' },
      });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
      const badHost = await rawRequest(
        keyed.url,
        '/v1/messages',
        { host: 'evil.example', 'anthropic-version': '2023-06-01' },
        'POST',
      );
      expect(badHost.status).toBe(403);
      expect(JSON.parse(badHost.body)).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    } finally {
      await keyed.close();
    }
  });
});

describe('the access log', () => {
  it('records stream from the request, error_type on a failure and the upstream request-id', async () => {
    upstream.handler = (_req, res) =>
      sendJson(
        res,
        400,
        { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } },
        { 'request-id': 'req_upstream_42' },
      );
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-request-id': 'log-stream-1',
      },
      body: '{"model":"claude-sonnet-4-5","max_tokens":999999,"messages":[{"role":"user","content":"{\\"stream\\":false}"}],"stream":true}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('request-id')).toBe('req_upstream_42');
    await res.text();
    await eventually(() => proxy.logs.some((l) => l['request_id'] === 'log-stream-1'), 'the access log line');
    const line = proxy.logs.find((l) => l['request_id'] === 'log-stream-1')!;
    expect(line).toMatchObject({
      status: 400,
      model: 'claude-sonnet-4-5',
      stream: true,
      error_type: 'invalid_request_error',
      upstream_request_id: 'req_upstream_42',
      route: '/v1/messages',
    });
  });

  it('records error_type for the proxy’s own refusals', async () => {
    await rawRequest(proxy.url, '/v1/models/../x', {
      'anthropic-version': '2023-06-01',
      'x-request-id': 'log-dots',
    });
    await eventually(() => proxy.logs.some((l) => l['request_id'] === 'log-dots'), 'the access log line');
    expect(proxy.logs.find((l) => l['request_id'] === 'log-dots')).toMatchObject({
      status: 400,
      error_type: 'invalid_request_error',
    });
  });
});

describe('streams that end without message_stop', () => {
  it('reach the SDK as an error, not a quietly truncated message', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_truncated' });
      res.end(
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
          'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
          'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n',
      );
    };
    const stream = client.messages.stream(
      { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-request-id': 'truncated-1' } },
    );
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain('message_stop');
    await eventually(() => proxy.logs.some((l) => l['request_id'] === 'truncated-1'), 'the access log line');
    expect(proxy.logs.find((l) => l['request_id'] === 'truncated-1')).toMatchObject({
      stream: true,
      outcome: 'upstream_abort',
      error_type: 'upstream_stream_truncated',
    });
  });

  it('a complete stream gets nothing added', async () => {
    upstream.handler = api.handler;
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello, world' }]);
  });
});
