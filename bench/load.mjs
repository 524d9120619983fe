// A small load generator (its own process): keep-alive undici Pools, C concurrent loops, each request's body
// read to the end. Two modes:
//   {"mode":"count","count":N,...}    exactly N requests (bounded), rotating over `requests`
//   {"mode":"duration","seconds":S,...} as many as fit in S seconds (the throughput fallback when neither
//                                       wrk nor autocannon is there)
// Usage: node bench/load.mjs '<json config>'  → prints one JSON line with the results on stdout.
// Config: { mode, count?, seconds?, concurrency, requests: [{ origin, path, headers, body }] }
import { Pool } from 'undici';
import { performance } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
const { concurrency, requests } = config;
const pools = new Map();
for (const r of requests)
  if (!pools.has(r.origin))
    pools.set(r.origin, new Pool(r.origin, { connections: concurrency, pipelining: 1 }));

const HARD_LIMIT = 10_000_000; // no loop runs unbounded, whatever the config says
const limit = config.mode === 'count' ? Math.min(config.count, HARD_LIMIT) : HARD_LIMIT;
const deadline =
  config.mode === 'duration' ? performance.now() + config.seconds * 1000 : performance.now() + 600_000;

let issued = 0;
let completed = 0;
let errors = 0;
let statusErrors = 0;
let firstError = null;
let bytes = 0;
const latencies = [];

async function one(spec) {
  const started = performance.now();
  try {
    const { statusCode, body } = await pools.get(spec.origin).request({
      method: 'POST',
      path: spec.path,
      headers: spec.headers,
      body: spec.body,
    });
    let n = 0;
    for await (const chunk of body) n += chunk.length;
    bytes += n;
    if (statusCode !== 200) {
      statusErrors++;
      firstError ??= `HTTP ${statusCode} from ${spec.origin}${spec.path}`;
    } else if (n === 0) {
      errors++;
      firstError ??= `empty body from ${spec.origin}${spec.path}`;
    } else {
      completed++;
    }
  } catch (err) {
    errors++;
    firstError ??= String(err?.message ?? err);
  }
  latencies.push(performance.now() - started);
}

async function loop() {
  while (issued < limit && performance.now() < deadline) {
    const spec = requests[issued++ % requests.length];
    await one(spec);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, loop));
const durationMs = performance.now() - started;
latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length === 0
    ? NaN
    : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
process.stdout.write(
  JSON.stringify({
    requests: completed,
    errors,
    statusErrors,
    firstError,
    durationMs,
    rps: (completed / durationMs) * 1000,
    latencyMs: { p50: pct(50), p99: pct(99) },
    bytes,
  }) + '\n',
);
await Promise.all([...pools.values()].map((p) => p.close()));
