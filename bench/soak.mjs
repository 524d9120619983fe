// The soak (issue 13): many concurrent streams for a while against the built proxy (dist/, a child process)
// and the simulated Claude (src/simulator, in this process) injecting upstream faults, with fast and slow
// readers. Not part of CI: `npm run soak` (defaults: 200 streams, 60 s, 5 % faults, 20 % slow readers).
//
//   node bench/soak.mjs [--concurrency 200] [--duration 60] [--fault-rate 0.05] [--slow-rate 0.2]
//
// Every request is checked:
// - hung: no answer or no end within HANG_MS;
// - wrong status: a 500 the proxy made itself ("internal error in claudine"), a status outside what the
//   injected fault can explain, a body that is not the route's JSON error envelope, or a 200 stream that
//   ends without its terminal marker (`data: [DONE]` on chat, `message_stop` or an `error` event natively);
// - the proxy's RSS is sampled every 2 s; growth is the last sample minus the first sample after warm-up.
// Prints a human summary and one JSON line (for docs/performance.md).
import { request } from 'undici';
import { readFileSync } from 'node:fs';
import { startSimulator } from '../dist/simulator/index.js';
import { freePort, killAll, startServer, stop } from './lib/procs.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg, i, all) => (arg.startsWith('--') ? [arg.slice(2), all[i + 1]] : null))
    .filter((pair) => pair !== null),
);
const CONCURRENCY = Number(args.concurrency ?? 200);
const DURATION_MS = Number(args.duration ?? 60) * 1000;
const FAULT_RATE = Number(args['fault-rate'] ?? 0.05);
const SLOW_RATE = Number(args['slow-rate'] ?? 0.2);
const HANG_MS = 30_000;
const WARMUP_MS = Math.min(10_000, DURATION_MS / 4);
const KEY = 'sk-ant-test-not-a-real-key';

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

// Upstream faults, one picked at random for FAULT_RATE of the requests.
const FAULTS = [
  { name: 'overloaded 529', fault: { kind: 'error', status: 529, type: 'overloaded_error', retryAfter: 0 } },
  { name: 'api error 500', fault: { kind: 'error', status: 500, type: 'api_error' } },
  { name: 'reset before headers', fault: { kind: 'reset', afterEvents: -1 } },
  { name: 'reset after headers', fault: { kind: 'reset', afterEvents: 0 } },
  { name: 'reset mid-stream', fault: { kind: 'reset', afterEvents: 4 } },
  { name: 'truncated stream', fault: { kind: 'truncate', afterEvents: 4 } },
  {
    name: 'overloaded error event',
    fault: { kind: 'stream-error', afterEvents: 0, type: 'overloaded_error' },
  },
  { name: 'mid-stream error event', fault: { kind: 'stream-error', afterEvents: 3, type: 'api_error' } },
  { name: 'stall (idle timeout)', fault: { kind: 'stall', afterEvents: 3, ms: 4_000 } },
];
const injected = Object.fromEntries(FAULTS.map((f) => [f.name, 0]));

const simulator = await startSimulator({
  recordLimit: 0,
  respond: ({ path }) => {
    if (path !== '/v1/messages') return undefined;
    if (Math.random() < FAULT_RATE) {
      const pick = FAULTS[Math.floor(Math.random() * FAULTS.length)];
      injected[pick.name]++;
      return pick.fault;
    }
    // A generation that takes a while: ~15 ms between events.
    return { kind: 'slow', ms: 15 };
  },
});

const port = await freePort();
const proxy = await startServer(
  'claudine',
  process.execPath,
  [
    'dist/main.js',
    'start',
    '--server--port',
    String(port),
    '--upstream--base-url',
    simulator.baseUrl,
    '--auth--storage',
    'env',
    '--upstream--idle-timeout',
    '2s',
    '--server--client-stall-timeout',
    '10s',
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ],
  {
    env: { ...process.env, ANTHROPIC_API_KEY: KEY },
    readyMsg: /claudine is listening/,
    pollUrl: `http://127.0.0.1:${port}/health/readiness`,
  },
);
const base = `http://127.0.0.1:${port}`;

const rssOf = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const stats = {
  requests: 0,
  ok: 0,
  errorsInDialect: 0,
  hung: 0,
  wrong: 0,
  statuses: {},
  wrongSamples: [],
  rss: [],
};

const MODEL = 'claude-sonnet-4-5';
const ROUTES = [
  {
    name: 'chat stream',
    path: '/v1/chat/completions',
    body: { model: MODEL, stream: true, messages: [{ role: 'user', content: 'Tell me a story.' }] },
    stream: true,
    dialect: 'openai',
  },
  {
    name: 'native stream',
    path: '/v1/messages',
    body: {
      model: MODEL,
      stream: true,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Tell me a story.' }],
    },
    stream: true,
    dialect: 'anthropic',
  },
  {
    name: 'chat',
    path: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content: 'Hi.' }] },
    stream: false,
    dialect: 'openai',
  },
  {
    name: 'native',
    path: '/v1/messages',
    body: { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hi.' }] },
    stream: false,
    dialect: 'anthropic',
  },
];
/** What an injected fault can make the proxy answer, besides 200. */
const ERROR_STATUSES = new Set([500, 502, 503, 504, 529]);

function wrong(route, why) {
  stats.wrong++;
  if (stats.wrongSamples.length < 10) stats.wrongSamples.push(`${route.name}: ${why}`);
}

async function readSlowly(body) {
  const chunks = [];
  for await (const chunk of body) {
    chunks.push(chunk);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function one(slow) {
  const route =
    ROUTES[Math.random() < 0.8 ? Math.floor(Math.random() * 2) : 2 + Math.floor(Math.random() * 2)];
  stats.requests++;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('hung')), HANG_MS);
  try {
    const res = await request(`${base}${route.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(route.body),
      signal: controller.signal,
      headersTimeout: HANG_MS,
      bodyTimeout: HANG_MS,
    });
    const text = slow ? await readSlowly(res.body) : await res.body.text();
    const status = res.statusCode;
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    if (status === 200) {
      if (route.stream) {
        const ended =
          route.dialect === 'openai'
            ? text.trimEnd().endsWith('data: [DONE]')
            : text.includes('event: message_stop') || text.includes('event: error');
        if (!ended) wrong(route, 'a 200 stream without its terminal marker');
        else if (text.includes('"error"')) stats.errorsInDialect++;
        else stats.ok++;
      } else {
        stats.ok++;
      }
      return;
    }
    if (!ERROR_STATUSES.has(status)) return wrong(route, `status ${status}`);
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      return wrong(route, `status ${status} with a body that is not JSON`);
    }
    const message = parsed?.error?.message ?? '';
    if (message.includes('internal error in claudine')) return wrong(route, `status ${status}: ${message}`);
    const envelopeOk =
      route.dialect === 'openai' ? typeof parsed?.error?.type === 'string' : parsed?.type === 'error';
    if (!envelopeOk) return wrong(route, `status ${status} not in the ${route.dialect} error envelope`);
    stats.errorsInDialect++;
  } catch (err) {
    if (controller.signal.aborted) stats.hung++;
    else wrong(route, `transport error: ${err.code ?? err.message}`);
  } finally {
    clearTimeout(timer);
  }
}

const started = Date.now();
const deadline = started + DURATION_MS;
const heap = [];
const sampler = setInterval(() => {
  stats.rss.push({
    at: Math.round((Date.now() - started) / 1000),
    mb: Math.round(rssOf(proxy.pid) * 10) / 10,
  });
  // The JS heap in use, from the proxy's own process metrics: RSS alone cannot tell a leak from a heap
  // that V8 has not shrunk back yet.
  void fetch(`${base}/metrics`)
    .then((r) => r.text())
    .then((text) => {
      const used = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
      if (used !== undefined) heap.push(Math.round(Number(used) / 1024 / 1024));
    })
    .catch(() => undefined);
}, 2000);
process.stderr.write(
  `soak: ${CONCURRENCY} concurrent clients for ${DURATION_MS / 1000} s, ${FAULT_RATE * 100} % upstream faults, ${SLOW_RATE * 100} % slow readers\n`,
);
await Promise.all(
  Array.from({ length: CONCURRENCY }, async (_, i) => {
    const slow = i < CONCURRENCY * SLOW_RATE;
    while (Date.now() < deadline) await one(slow);
  }),
);
clearInterval(sampler);

const metrics = await (await fetch(`${base}/metrics`)).text();
const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
const afterWarmup = stats.rss.find((s) => s.at * 1000 >= WARMUP_MS) ?? stats.rss[0];
const last = stats.rss.at(-1);
const summary = {
  concurrency: CONCURRENCY,
  duration_s: DURATION_MS / 1000,
  fault_rate: FAULT_RATE,
  slow_rate: SLOW_RATE,
  requests: stats.requests,
  ok: stats.ok,
  errors_in_dialect: stats.errorsInDialect,
  hung: stats.hung,
  wrong_status: stats.wrong,
  wrong_samples: stats.wrongSamples,
  statuses: stats.statuses,
  faults_injected: injected,
  rss_mb: {
    after_warmup: afterWarmup?.mb,
    max: Math.max(...stats.rss.map((s) => s.mb)),
    last: last?.mb,
    growth: Math.round(((last?.mb ?? 0) - (afterWarmup?.mb ?? 0)) * 10) / 10,
    samples: stats.rss.map((s) => s.mb),
  },
  heap_used_mb_samples: heap,
  upstream_connections_in_use_at_end: gauge('claudine_upstream_connections_in_use'),
  upstream_queue_timeouts: gauge('claudine_upstream_queue_timeouts_total'),
};

await stop(proxy.child);
await simulator.close();

process.stderr.write(
  [
    `requests: ${summary.requests} (ok ${summary.ok}, errors in the client's dialect ${summary.errors_in_dialect})`,
    `hung: ${summary.hung}   wrong statuses: ${summary.wrong_status}`,
    `statuses: ${JSON.stringify(summary.statuses)}`,
    `proxy RSS: ${summary.rss_mb.after_warmup} MB after warm-up, max ${summary.rss_mb.max} MB, last ${summary.rss_mb.last} MB (growth ${summary.rss_mb.growth} MB)`,
    ...summary.wrong_samples.map((s) => `  wrong: ${s}`),
    '',
  ].join('\n'),
);
process.stdout.write(JSON.stringify(summary) + '\n');
process.exit(summary.hung === 0 && summary.wrong_status === 0 ? 0 : 1);
