// HTTP/1.1 pool vs HTTP/2 (`upstream.http2`) from claudine's upstream client to a loopback TLS upstream,
// under concurrency. Not part of `npm run bench`: a one-off question, kept so the figures in
// docs/performance.md ("Cold paths and the upstream connection") can be re-made.
//
//   npm run build && node bench/upstream-h2.mjs [--requests 3000] [--concurrency 50] [--rtt 0] [--rounds 3]
//
// The upstream is its own process: a node:http2 secure server with allowHTTP1 (one server, both
// protocols, chosen by ALPN) that answers POST /v1/messages with 64 SSE events (~9.7 KB), a setImmediate
// between writes, as the benchmark's fake does. --rtt adds a TCP relay in front (in the upstream's process) that
// delays every chunk by half the round trip each way. The certificate is made with node:crypto (lib/test-cert.mjs,
// shared with the tests). Figures are measured in this (client) process: wall time, requests/s, time to
// response headers and to the end of the body, CPU per request (process.cpuUsage), and the TLS connections the
// upstream saw (warm-up included).
import { fork } from 'node:child_process';
import { writeTestCertificate } from './lib/test-cert.mjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '50' },
    rtt: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '3' },
  },
});

const EVENTS = 64;
const EVENT = `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(40) } })}\n\n`;

if (values.serve !== undefined) {
  // Upstream process: argv --serve DIR (cert.pem, key.pem there).
  const dir = values.serve;
  let connections = 0;
  const server = http2.createSecureServer({
    allowHTTP1: true,
    cert: readFileSync(join(dir, 'cert.pem')),
    key: readFileSync(join(dir, 'key.pem')),
    settings: { maxConcurrentStreams: 1000 },
  });
  server.on('secureConnection', () => connections++);
  server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const next = () => {
        if (i++ >= EVENTS || res.destroyed) return res.end();
        res.write(EVENT);
        setImmediate(next);
      };
      next();
    });
  });
  server.listen(0, '127.0.0.1', async () => {
    // Optional delay relay, in this process (its CPU is not the client's): every chunk waits rtt/2 in
    // each direction (order kept: same delay, FIFO timers).
    const rtt = Number(values.rtt);
    const upstreamPort = server.address().port;
    if (rtt <= 0) return process.send({ port: upstreamPort });
    const relay = net.createServer((client) => {
      const target = net.connect(upstreamPort, '127.0.0.1');
      const pipe = (from, to) =>
        from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), rtt / 2));
      pipe(client, target);
      pipe(target, client);
      const end = () => {
        client.destroy();
        target.destroy();
      };
      client.on('close', end).on('error', end);
      target.on('close', end).on('error', end);
    });
    relay.listen(0, '127.0.0.1', () => process.send({ port: relay.address().port }));
  });
  process.on('message', (m) => {
    if (m === 'count') process.send({ connections });
    if (m === 'reset') {
      connections = 0;
      process.send({ reset: true });
    }
  });
} else {
  const { UpstreamClient } = await import('../dist/upstream/client.js');
  const dir = mkdtempSync(join(tmpdir(), 'claudine-h2-'));
  writeTestCertificate(dir);
  const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const upstream = fork(new URL(import.meta.url).pathname, ['--serve', dir, '--rtt', values.rtt], {
    stdio: 'inherit',
  });
  const ask = (msg) =>
    new Promise((resolve) => {
      upstream.once('message', resolve);
      if (msg) upstream.send(msg);
    });
  const { port: upstreamPort } = await ask();

  const rtt = Number(values.rtt);
  const port = upstreamPort;

  const tokens = {
    current: async () => ({ 'x-api-key': 'sk-ant-test-bench' }),
    renew: async (c) => c,
    readiness: () => ({ ready: true }),
  };
  const body = JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const total = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

  async function run(http2On) {
    const client = new UpstreamClient(
      {
        baseUrl: `https://127.0.0.1:${port}/v1`,
        headersTimeout: 30_000,
        firstByteTimeout: 30_000,
        idleTimeout: 30_000,
        connections: 256,
        queueTimeout: 30_000,
        maxRetries: 0,
        retryDeadline: 0,
        deferToClientRetries: false,
        http2: http2On,
        tls: { ca },
      },
      tokens,
    );
    // Warm-up (connections opened, JIT), then the measured run.
    const once = async (sample) => {
      const t0 = performance.now();
      const res = await client.send({
        method: 'POST',
        path: '/messages',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body,
        stream: true,
      });
      const tHeaders = performance.now() - t0;
      let bytes = 0;
      for await (const chunk of res.body) bytes += chunk.length;
      if (res.statusCode !== 200 || bytes < EVENTS * EVENT.length)
        throw new Error(`bad answer ${res.statusCode} ${bytes}`);
      sample?.headers.push(tHeaders);
      sample?.total.push(performance.now() - t0);
    };
    const loop = async (count, sample) => {
      let left = count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) await once(sample);
        }),
      );
    };
    await ask('reset');
    await loop(Math.min(500, total));
    const sample = { headers: [], total: [] };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await loop(total, sample);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const { connections } = await ask('count');
    await client.close();
    sample.headers.sort((a, b) => a - b);
    sample.total.sort((a, b) => a - b);
    return {
      mode: http2On ? 'HTTP/2' : 'HTTP/1.1',
      rps: (total / wall) * 1000,
      headersP50: pct(sample.headers, 50),
      headersP99: pct(sample.headers, 99),
      totalP50: pct(sample.total, 50),
      totalP99: pct(sample.total, 99),
      cpuUsPerReq: (cpu.user + cpu.system) / total,
      connections,
    };
  }

  const rows = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    // Alternate which goes first, so drifts of a shared machine fall on both.
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const mode of order) rows.push(await run(mode));
  }
  console.log(
    `upstream client, ${total} streamed requests of ${EVENTS} events at ${concurrency} concurrent, rtt ${rtt} ms, Node ${process.version}`,
  );
  console.log(
    'mode      req/s   headers p50  p99      body end p50  p99      CPU µs/req  connections opened',
  );
  for (const r of rows)
    console.log(
      `${r.mode.padEnd(9)} ${r.rps.toFixed(0).padStart(5)}   ${r.headersP50.toFixed(2).padStart(7)} ${r.headersP99.toFixed(2).padStart(7)} ms   ${r.totalP50.toFixed(2).padStart(7)} ${r.totalP99.toFixed(2).padStart(7)} ms   ${r.cpuUsPerReq.toFixed(0).padStart(6)}      ${r.connections}`,
    );
  upstream.kill();
  rmSync(dir, { recursive: true, force: true });
}
