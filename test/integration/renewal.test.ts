import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialHeaders, TokenSource } from '../../src/auth/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

/** A token source whose first token the upstream has revoked; renew() hands out the next one. */
class RotatingTokens implements TokenSource {
  renewals = 0;
  #token = 'oauth-access-token-1';
  current(): CredentialHeaders {
    return { authorization: `Bearer ${this.#token}` };
  }
  renew(): Promise<CredentialHeaders> {
    this.renewals++;
    this.#token = `oauth-access-token-${this.renewals + 1}`;
    return Promise.resolve(this.current());
  }
  readiness() {
    return { ready: true };
  }
  close(): void {}
}

let upstream: Simulator;
let proxy: RunningProxy;
let tokens: RotatingTokens;

beforeAll(async () => {
  // The simulator refuses the revoked token with the real API's 401, and accepts any other.
  upstream = await startSimulator({ acceptKey: (key) => key !== 'oauth-access-token-1' });
  tokens = new RotatingTokens();
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl, tokens });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

describe('an upstream 401 before any byte reached the client', () => {
  it('renews the credential once and retries a streamed native request with the same body', async () => {
    const body = JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 5,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('message_stop');
    expect(tokens.renewals).toBe(1);
    expect(upstream.requests.map((r) => r.headers['authorization'])).toEqual([
      'Bearer oauth-access-token-1',
      'Bearer oauth-access-token-2',
    ]);
    expect(upstream.requests[1]!.body.toString()).toBe(body);
    // The OAuth token goes upstream as a Bearer token, never as x-api-key.
    expect(upstream.requests[1]!.headers['x-api-key']).toBeUndefined();
  });

  it('keeps using the renewed credential for the OpenAI route', async () => {
    upstream.requests.length = 0;
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('Simulated answer to: "hi"');
    expect(tokens.renewals).toBe(1);
    expect(upstream.requests).toHaveLength(1);
  });
});
