/**
 * Spare upstream connections (upstream.warm_connections): opened once the proxy listens, TLS handshake done
 * and no request sent, and taken by the first request; opened again when the pool has gone idle; never a
 * reason for a start to fail. The upstream is the simulator behind a loopback TLS front that counts
 * handshakes and the bytes each connection carried.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { cleanEnv, startServerProcess } from '../helpers/cli.js';
import { eventually, FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';
import { startTlsRelay, type TlsRelay } from '../helpers/tls-relay.js';
import { startH2Front } from '../helpers/h2-front.js';
import { makeTestCertificate } from '../helpers/tls-cert.js';

let sim: Simulator;
let relay: TlsRelay;
let proxy: RunningProxy | null = null;

beforeAll(async () => {
  sim = await startSimulator();
  relay = await startTlsRelay({ host: '127.0.0.1', port: sim.port });
});
afterEach(async () => {
  await proxy?.close();
  proxy = null;
  relay.dropAll();
  relay.connections.length = 0;
});
afterAll(async () => {
  await relay.close();
  await sim.close();
});

const message = {
  model: 'claude-sonnet-4-5',
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: 'hello' }],
};

function client(url: string): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test-client', baseURL: url, maxRetries: 0 });
}

describe('spare upstream connections', () => {
  it('opens one TLS connection at start without sending a request, and the first request goes over it', async () => {
    proxy = await startProxy({
      upstreamBaseUrl: relay.baseUrl,
      flags: { '--upstream--warm-connections': '1' },
      deps: { upstreamTls: { ca: relay.ca } },
    });
    await eventually(() => relay.connections.length === 1, 'the spare connection');
    // Give a stray second connection or an early request the chance to show up.
    await new Promise((r) => setTimeout(r, 100));
    expect(relay.connections).toHaveLength(1);
    expect(relay.connections[0]?.bytesIn).toBe(0);
    const handshakeDone = relay.connections[0]?.at ?? 0;

    const answer = await client(proxy.url).messages.create(message);
    expect(answer.type).toBe('message');
    expect(relay.connections).toHaveLength(1);
    expect(relay.connections[0]?.bytesIn).toBeGreaterThan(0);
    expect(relay.connections[0]?.firstByteAt ?? 0).toBeGreaterThanOrEqual(handshakeDone);
  });

  it('opens nothing before the first request when warm_connections is 0', async () => {
    proxy = await startProxy({
      upstreamBaseUrl: relay.baseUrl,
      flags: { '--upstream--warm-connections': '0' },
      deps: { upstreamTls: { ca: relay.ca } },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(relay.connections).toHaveLength(0);
    await client(proxy.url).messages.create(message);
    expect(relay.connections).toHaveLength(1);
  });

  it('opens a spare again once the upstream closed the idle pool connections', async () => {
    proxy = await startProxy({
      upstreamBaseUrl: relay.baseUrl,
      flags: { '--upstream--warm-connections': '1' },
      deps: { upstreamTls: { ca: relay.ca } },
    });
    await eventually(() => relay.connections.length === 1, 'the spare connection');
    await client(proxy.url).messages.create(message);
    relay.dropAll();
    await eventually(
      () => relay.connections.length === 2 && relay.connections[1]?.closed === false,
      'a new spare after the pool emptied',
    );
    expect(relay.connections[1]?.bytesIn).toBe(0);
    await client(proxy.url).messages.create(message);
    expect(relay.connections).toHaveLength(2);
    expect(relay.connections[1]?.bytesIn).toBeGreaterThan(0);
  });

  it('backs off when the upstream closes every spare at once, instead of reconnecting in a loop', async () => {
    // An upstream that completes the TLS handshake and hangs up straight away.
    const { cert, key } = makeTestCertificate();
    let handshakes = 0;
    const rude = createTlsServer({ cert, key }, (socket) => {
      handshakes++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    const address = rude.address() as AddressInfo;
    try {
      proxy = await startProxy({
        upstreamBaseUrl: `https://127.0.0.1:${address.port}/v1`,
        flags: { '--upstream--warm-connections': '1' },
        deps: { upstreamTls: { ca: cert } },
      });
      await new Promise((r) => setTimeout(r, 2_500));
      // Back-off 1 s, then 2 s: the first spare and one or two more, not hundreds.
      expect(handshakes).toBeGreaterThanOrEqual(2);
      expect(handshakes).toBeLessThanOrEqual(3);
      const waits = proxy.logs
        .filter((l) => l['msg'] === 'spare upstream connection failed')
        .map((l) => l['retry_in_ms']);
      expect(waits.slice(0, 2)).toEqual([1_000, 2_000]);
    } finally {
      await proxy?.close();
      proxy = null;
      await new Promise((resolve) => rude.close(resolve));
    }
  });

  it('starts and serves readiness when the upstream cannot be reached, and says why at debug', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startTlsRelay({ host: '127.0.0.1', port: sim.port });
    const unreachable = gone.baseUrl;
    await gone.close();
    const started = Date.now();
    proxy = await startProxy({
      upstreamBaseUrl: unreachable,
      flags: { '--upstream--warm-connections': '2' },
      deps: { upstreamTls: { ca: relay.ca } },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await fetch(`${proxy.url}/health/readiness`)).status).toBe(200);
    const logs = proxy.logs;
    await eventually(
      () => logs.some((l) => l['msg'] === 'spare upstream connection failed'),
      'a debug line for the failed spare',
    );
    const line = logs.find((l) => l['msg'] === 'spare upstream connection failed');
    expect(line?.['level']).toBe(20); // pino's debug
    expect(line?.['origin']).toBe(new URL(unreachable).origin);
    // A request still gets a prompt answer in its dialect, and shutting down does not wait for the back-off.
    const status = await client(proxy.url)
      .messages.create(message)
      .then(
        () => 200,
        (err: { status?: number }) => err.status,
      );
    expect(status).toBe(502);
    const stopping = Date.now();
    await proxy.close();
    proxy = null;
    expect(Date.now() - stopping).toBeLessThan(2_000);
  });
});

describe('HTTP/2 to the upstream (upstream.http2)', () => {
  const streamed = (url: string): Promise<string> =>
    client(url)
      .messages.stream(message)
      .finalText()
      .then((text) => text);

  it('sends concurrent requests as streams of one HTTP/2 connection when the upstream offers it', async () => {
    const front = await startH2Front({ host: '127.0.0.1', port: sim.port });
    try {
      proxy = await startProxy({
        upstreamBaseUrl: front.baseUrl,
        flags: { '--upstream--http2': 'true', '--upstream--warm-connections': '1' },
        deps: { upstreamTls: { ca: front.ca } },
      });
      await eventually(() => front.connections() === 1, 'the spare HTTP/2 connection');
      const texts = await Promise.all(Array.from({ length: 10 }, () => streamed(proxy?.url ?? '')));
      expect(texts.every((t) => t.length > 0)).toBe(true);
      expect(front.requests).toHaveLength(10);
      expect(front.requests.every((r) => r.httpVersion === '2.0')).toBe(true);
      expect(new Set(front.requests.map((r) => r.connection))).toEqual(new Set([1]));
      expect(front.connections()).toBe(1);
    } finally {
      await proxy?.close();
      proxy = null;
      await front.close();
    }
  });

  it('stays on HTTP/1.1, one request per connection at a time, when http2 is off (the default)', async () => {
    const front = await startH2Front({ host: '127.0.0.1', port: sim.port });
    try {
      proxy = await startProxy({
        upstreamBaseUrl: front.baseUrl,
        deps: { upstreamTls: { ca: front.ca } },
      });
      const texts = await Promise.all(Array.from({ length: 4 }, () => streamed(proxy?.url ?? '')));
      expect(texts.every((t) => t.length > 0)).toBe(true);
      expect(front.requests.every((r) => r.httpVersion === '1.1')).toBe(true);
      expect(new Set(front.requests.map((r) => r.connection)).size).toBe(4);
    } finally {
      await proxy?.close();
      proxy = null;
      await front.close();
    }
  });

  it('falls back to HTTP/1.1 without pipelining when the upstream does not offer HTTP/2', async () => {
    proxy = await startProxy({
      upstreamBaseUrl: relay.baseUrl,
      flags: { '--upstream--http2': 'true' },
      deps: { upstreamTls: { ca: relay.ca } },
    });
    const texts = await Promise.all(Array.from({ length: 4 }, () => streamed(proxy?.url ?? '')));
    expect(texts.every((t) => t.length > 0)).toBe(true);
    // Four streams at once over HTTP/1.1: four connections, none shared (the spare is one of them).
    expect(relay.connections.filter((c) => c.bytesIn > 0)).toHaveLength(4);
  });
});

describe('the real process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'claudine-warm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a spare connection open by the time it says it listens, or just after, and the first request uses it', async () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, relay.ca);
    const server = await startServerProcess(
      ['--upstream--base-url', relay.baseUrl, '--auth--storage', 'env', '--models--refresh-interval', '0s'],
      cleanEnv({ ANTHROPIC_API_KEY: FAKE_API_KEY, NODE_EXTRA_CA_CERTS: caFile }),
    );
    try {
      await eventually(() => relay.connections.length === 1, 'the spare connection of the process');
      expect(relay.connections[0]?.bytesIn).toBe(0);
      const answer = await client(server.url).messages.create(message);
      expect(answer.content[0]?.type).toBe('text');
      expect(relay.connections).toHaveLength(1);
      expect(relay.connections[0]?.bytesIn).toBeGreaterThan(0);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });
});
