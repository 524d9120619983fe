/**
 * The real credential sources, without test seams: the AWS SDK's default chain reading the standard
 * environment variables (loaded lazily, only because Bedrock is configured), and Google ADC with an
 * authorized-user file whose refresh-token grant goes to the file's token_uri.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message } from '../helpers/anthropic-streams.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { startProxy } from '../helpers/proxy.js';

const ENV_KEY = {
  accessKeyId: 'AKIATESTNOTREALENV01',
  secretAccessKey: 'env-secret-not-real',
  sessionToken: 'env-session-not-real',
};

describe('the AWS credential chain', () => {
  let bedrock: FakeBedrock;
  const saved: Record<string, string | undefined> = {};
  const set = {
    AWS_ACCESS_KEY_ID: ENV_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ENV_KEY.secretAccessKey,
    AWS_SESSION_TOKEN: ENV_KEY.sessionToken,
    // Never let the chain look past the environment (no instance metadata calls from a test).
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/claudine-test-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/claudine-test-aws-credentials',
  };
  beforeAll(async () => {
    bedrock = await startFakeBedrock({ keys: [ENV_KEY], region: 'us-west-2' });
    // The AWS SDK reads the process environment itself (its documented behaviour).
    for (const [name, value] of Object.entries(set)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await bedrock.close();
  });

  it('signs with the credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN', async () => {
    const proxy = await startProxy({
      upstreamBaseUrl: 'http://127.0.0.1:9/v1',
      env: { AWS_REGION: 'us-west-2' },
      flags: { '--upstream--provider': 'bedrock', '--upstream--bedrock--endpoint': bedrock.url },
    });
    try {
      bedrock.answer = () => ({ message: message([{ type: 'text', text: 'chain ok' }]) });
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'claude-sonnet-4-6',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('chain ok');
      expect(bedrock.requests[0]!.signedBy).toBe(ENV_KEY.accessKeyId);
      expect(bedrock.rejected).toEqual([]);
      const ready = (await (await fetch(`${proxy.url}/health/readiness`)).json()) as { status: string };
      expect(ready.status).toBe('ready');
    } finally {
      await proxy.close();
    }
  });

  it('refuses to start Bedrock without a region, and says how to set one', async () => {
    await expect(
      startProxy({
        upstreamBaseUrl: 'http://127.0.0.1:9/v1',
        env: {},
        flags: { '--upstream--provider': 'bedrock' },
      }),
    ).rejects.toThrow(/upstream\.bedrock\.region/);
  });
});

describe('Google ADC with an authorized-user file', () => {
  let server: Server;
  let url = '';
  const grants: URLSearchParams[] = [];
  const calls: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/oauth/token') {
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          grants.push(form);
          const ok =
            form.get('grant_type') === 'refresh_token' &&
            form.get('refresh_token') === '1//refresh-token-not-real' &&
            form.get('client_id') === 'client-id-not-real' &&
            form.get('client_secret') === 'client-secret-not-real';
          res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify(
              ok
                ? { access_token: 'ya29.user-token-not-real', expires_in: 3600 }
                : { error: 'invalid_grant' },
            ),
          );
          return;
        }
        calls.push(`${req.url} ${req.headers.authorization}`);
        if (req.headers.authorization !== 'Bearer ya29.user-token-not-real') {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"error":{"code":401,"message":"bad token","status":"UNAUTHENTICATED"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(message([{ type: 'text', text: 'user creds ok' }])));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('spends the refresh token at the file token_uri and uses the access token as Bearer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claudine-adc-'));
    writeFileSync(
      join(dir, 'application_default_credentials.json'),
      JSON.stringify({
        type: 'authorized_user',
        client_id: 'client-id-not-real',
        client_secret: 'client-secret-not-real',
        refresh_token: '1//refresh-token-not-real',
        quota_project_id: 'quota-project-not-real',
        token_uri: `${url}/oauth/token`,
      }),
    );
    // gcloud's ADC file, found through CLOUDSDK_CONFIG (no GOOGLE_APPLICATION_CREDENTIALS).
    const proxy = await startProxy({
      upstreamBaseUrl: 'http://127.0.0.1:9/v1',
      env: { CLOUDSDK_CONFIG: dir },
      flags: {
        '--upstream--provider': 'vertex',
        '--upstream--vertex--endpoint': url,
        '--upstream--vertex--region': 'eu',
      },
    });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('user creds ok');
      expect(grants.length).toBe(1);
      expect(calls).toEqual([
        '/v1/projects/quota-project-not-real/locations/eu/publishers/anthropic/models/claude-haiku-4-5@20251001:rawPredict Bearer ya29.user-token-not-real',
      ]);
      expect(proxy.rawLogs.join('\n')).not.toContain('refresh-token-not-real');
    } finally {
      await proxy.close();
    }
  });
});
