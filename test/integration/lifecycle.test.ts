import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, startServerProcess } from '../helpers/cli.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { stream, textBlock } from '../helpers/anthropic-streams.js';
import { FAKE_API_KEY } from '../helpers/proxy.js';

let upstream: Simulator;
beforeAll(async () => {
  upstream = await startSimulator();
});
afterAll(async () => {
  await upstream.close();
});

const env = () => cleanEnv({ ANTHROPIC_API_KEY: FAKE_API_KEY });

async function readiness(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/health/readiness`)).status;
  } catch {
    return -1;
  }
}

describe('start and graceful shutdown of the real process', () => {
  it('serves, turns readiness 503 at the first signal, lets a slow stream finish, and exits 0', async () => {
    // 20 events, 100 ms apart: the stream is still running when SIGTERM arrives.
    const pieces = Array.from({ length: 20 }, (_, i) => `piece${i} `);
    upstream.script({
      kind: 'reply',
      events: stream([textBlock(0, pieces)]),
      fault: { kind: 'slow', ms: 100 },
    });
    const server = await startServerProcess(
      [
        '--upstream--base-url',
        upstream.baseUrl,
        '--auth--storage',
        'env',
        '--shutdown--delay',
        '600ms',
        '--shutdown--timeout',
        '10s',
      ],
      env(),
    );
    expect(await readiness(server.url)).toBe(200);

    const streamed = fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    }).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 300));

    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    // During shutdown.delay the listener still answers, and says it is not ready.
    expect(await readiness(server.url)).toBe(503);

    const text = await streamed;
    for (const piece of pieces) expect(text).toContain(piece);
    expect(text).toContain('message_stop');
    expect(await server.exited).toBe(0);
    // Every log line is valid JSON in json mode.
    for (const line of server.lines.filter((l) => l.trim() !== ''))
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(server.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('reports not ready before a credential exists, and exits at once on a second signal', async () => {
    const server = await startServerProcess(
      ['--upstream--base-url', upstream.baseUrl, '--shutdown--timeout', '30s'],
      cleanEnv(),
    );
    // The keyring is read in the background at start; once settled, the reason tells the user what to do.
    let reason = '';
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${server.url}/health/readiness`);
      expect(res.status).toBe(503);
      reason = ((await res.json()) as { reason: string }).reason;
      if (!reason.startsWith('reading')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(reason).toContain('claudine auth login');
    server.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    const started = Date.now();
    const code = await server.exited;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(code === 0 || code === 143).toBe(true);
  });
});
