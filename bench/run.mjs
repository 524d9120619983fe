// claudine benchmark: `npm run bench` (builds first), or `node bench/run.mjs` after `npm run build`.
//
// Starts, each as its own process on 127.0.0.1: a fake Anthropic upstream, a bare node:http + undici
// pass-through, claudine twice (one process for /v1/messages, one for /v1/chat/completions, so RSS and CPU
// are separable), and the Portkey AI gateway; then measures, in one run:
//   1. added time to first byte at 1 connection, interleaved round-robin against the upstream direct;
//   2. requests/s and p99 at 50 connections (wrk, else autocannon, else bench/load.mjs);
//   3. RSS per open stream with 1,000 concurrent streams held open by the upstream;
//   4. CPU time per streamed chunk, from /proc/PID/stat, over a fixed number of streams;
//   5. a leak check: claudine's RSS over 100,000 requests (20,000 with BENCH_QUICK=1).
// Prints a table and PASS/MISS lines; writes bench/results/latest.json. Exits 0 when every target could
// be measured (met or missed), 1 when one could not be measured because something failed.
//
// Environment: BENCH_QUICK=1 (smaller counts), BENCH_DEPS_DIR=DIR (where to find @portkey-ai/gateway and
// autocannon when they are not installed in the project), BENCH_LOAD=wrk|autocannon|node (force a load
// tool). For CPU profiles of the chat-completions streaming path, see bench/profile.mjs.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, request } from 'undici';
import { performance } from 'node:perf_hooks';
import { anthropicBody, bedrockBody, openaiBody, EVENTS_PER_STREAM, PACE_MS } from './fixture.mjs';
import {
  claudineStartArgs,
  startServer,
  runTool,
  stop,
  killAll,
  rssOf,
  cpuPreciseSecondsOf,
  procAvailable,
  freePort,
} from './lib/procs.mjs';
import { writeTestCertificate } from './lib/test-cert.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const QUICK = process.env.BENCH_QUICK === '1';
/** The phases to run: BENCH_PHASES=ttfb,cpu,… (default all); targets of the others print SKIPPED. */
const ALL_PHASES = ['memory', 'ttfb', 'chunks', 'cpu', 'throughput', 'leak', 'cold'];
const PHASES = new Set(
  process.env.BENCH_PHASES ? process.env.BENCH_PHASES.split(',').map((p) => p.trim()) : ALL_PHASES,
);
for (const p of PHASES)
  if (!ALL_PHASES.includes(p)) {
    process.stderr.write(`BENCH_PHASES: unknown phase ${p} (known: ${ALL_PHASES.join(', ')})\n`);
    process.exit(1);
  }
/** The rows to run besides the floors and bare hops: BENCH_ROWS=messages,chat,… (default all). */
const ONLY_ROWS = process.env.BENCH_ROWS
  ? new Set(process.env.BENCH_ROWS.split(',').map((r) => r.trim()))
  : null;
/** Another checkout to compare with, side by side in the same run: BENCH_BASELINE=DIR (its dist/ built). */
const BASELINE = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : null;
if (BASELINE && !existsSync(path.join(BASELINE, 'dist', 'main.js'))) {
  process.stderr.write(
    `BENCH_BASELINE=${BASELINE} has no dist/main.js: build it first (cd ${BASELINE} && npm ci && npm run build)\n`,
  );
  process.exit(1);
}
const API_KEY = 'sk-ant-test-fake-key';
// Obviously fake AWS credentials for the Bedrock rows (the bench's fake Bedrock checks the key id only).
const AWS_KEY_ID = 'AKIABENCHNOTAREALKEY';
const AWS_SECRET = 'bench-secret-not-a-real-aws-key';
const BEDROCK_REGION = 'us-east-1';
/** What claudine's catalogue maps the fixture's model (claude-sonnet-4-5) to: an InvokeModel (event-stream) model. */
const BEDROCK_MODEL_ID = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
const S = {
  warmupPerRow: 200, // requests per row before anything is measured (the JIT warms up)
  ttfbRounds: QUICK ? 200 : 500,
  ttfbWarmup: 30,
  thrConnections: 50,
  thrSeconds: 1,
  thrPasses: QUICK ? 2 : 3,
  thrWarmSeconds: 0, // no warm-up run per row: the warm-up phase has warmed every row, and passes are best-of
  streams: 1000,
  cpuStreams: QUICK ? 200 : 500,
  cpuJson: QUICK ? 400 : 1000,
  cpuPasses: QUICK ? 3 : 5,
  chunkRounds: QUICK ? 12 : 20, // paced streams per row (~80 ms each), 50 stamped chunks per stream
  chunkWarmup: 2,
  coldRuns: QUICK ? 3 : 7,
  coldRttMs: 20,
  coldSettleMs: 300,
  leakRequests: QUICK ? 20_000 : 100_000,
  leakWarmup: QUICK ? 2_000 : 5_000,
  leakCheckpoints: 10, // load.mjs batches (without wrk)
  leakWarmupSeconds: 4,
  leakBatchSeconds: 3, // wrk batches
  leakMaxSeconds: QUICK ? 30 : 120,
  leakMaxGrowthBytes: 10 * 1024 * 1024,
};

// The whole run is bounded even if a phase hangs (a full run: ~5 min); BENCH_WATCHDOG_S overrides.
const WATCHDOG_MS = (Number(process.env.BENCH_WATCHDOG_S) || 15 * 60) * 1000;
const started = Date.now();
const log = (msg) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------- cleanup
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    killAll();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  log(`watchdog: run exceeded ${WATCHDOG_MS / 1000}s, giving up`);
  killAll();
  // What was measured before the hang is still worth reading (later phases print UNMEASURED).
  try {
    results.notes.push(`watchdog: the run exceeded ${WATCHDOG_MS / 1000} s and was stopped`);
    evaluate();
    report();
  } catch (err) {
    log(`could not report: ${err?.message ?? err}`);
  }
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

// ------------------------------------------------------------------------------------------ utilities
function resolveFrom(spec) {
  const bases = [pathToFileURL(path.join(ROOT, 'package.json')).href];
  if (process.env.BENCH_DEPS_DIR)
    bases.push(pathToFileURL(path.join(path.resolve(process.env.BENCH_DEPS_DIR), 'package.json')).href);
  for (const base of bases) {
    try {
      return createRequire(base).resolve(spec);
    } catch {
      // next
    }
  }
  return null;
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const sortNum = (a) => [...a].sort((x, y) => x - y);
const median = (a) => pct(sortNum(a), 50);

async function sampleRss(pid, n = 5, gapMs = 100) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    xs.push(rssOf(pid));
    if (i < n - 1) await sleep(gapMs);
  }
  return median(xs);
}

function runLoad(name, config, timeoutMs = 180_000) {
  return runTool(name, process.execPath, [path.join(HERE, 'load.mjs'), JSON.stringify(config)], {
    timeoutMs,
  }).done.then((out) => JSON.parse(out.trim().split('\n').pop()));
}

function gitCommit(dir) {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null; // not a git checkout
  }
}

function machine() {
  const cpus = os.cpus();
  let wrkVersion = null;
  const w = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (!w.error) wrkVersion = (w.stdout + w.stderr).split('\n')[0].trim();
  const commit = gitCommit(ROOT);
  return {
    nproc: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    wrk: wrkVersion,
    commit,
    baseline: BASELINE ? { dir: BASELINE, commit: gitCommit(BASELINE) } : null,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

// ------------------------------------------------------------------------------------------ load tools
function pickLoadTool() {
  const forced = process.env.BENCH_LOAD;
  const hasWrk = !spawnSync('wrk', ['-v']).error;
  const autocannon = resolveFrom('autocannon/autocannon.js');
  if (forced === 'wrk' && hasWrk) return { kind: 'wrk' };
  if (forced === 'autocannon' && autocannon) return { kind: 'autocannon', bin: autocannon };
  if (forced === 'node') return { kind: 'node' };
  if (hasWrk) return { kind: 'wrk' };
  if (autocannon) return { kind: 'autocannon', bin: autocannon };
  return { kind: 'node' };
}

async function throughput(tool, spec, seconds, tmp) {
  if (tool.kind === 'wrk') {
    const bodyFile = path.join(tmp, 'body');
    const headersFile = path.join(tmp, 'headers');
    writeFileSync(bodyFile, spec.body);
    writeFileSync(
      headersFile,
      Object.entries(spec.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n') + '\n',
    );
    const out = await runTool(
      'wrk',
      'wrk',
      [
        '-t1',
        `-c${S.thrConnections}`,
        `-d${seconds}s`,
        '--timeout',
        '10s',
        '-s',
        path.join(HERE, 'wrk.lua'),
        spec.origin + spec.path,
      ],
      {
        env: { ...process.env, WRK_BODY_FILE: bodyFile, WRK_HEADERS_FILE: headersFile },
        timeoutMs: (seconds + 20) * 1000,
      },
    ).done;
    const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no summary:\n${out}`);
    const r = JSON.parse(line);
    const errs = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
    return {
      rps: (r.requests - r.errors.status) / (r.duration_us / 1e6),
      p50Ms: r.latency_us.p50 / 1000,
      p99Ms: r.latency_us.p99 / 1000,
      requests: r.requests,
      errors: errs,
      tool: 'wrk',
    };
  }
  if (tool.kind === 'autocannon') {
    const args = [
      tool.bin,
      '-j',
      '-c',
      String(S.thrConnections),
      '-d',
      String(seconds),
      '-m',
      'POST',
      '-b',
      spec.body,
    ];
    for (const [k, v] of Object.entries(spec.headers)) args.push('-H', `${k}=${v}`);
    args.push(spec.origin + spec.path);
    const out = await runTool('autocannon', process.execPath, args, { timeoutMs: (seconds + 30) * 1000 })
      .done;
    const r = JSON.parse(out.trim().split('\n').pop());
    return {
      rps: (r.requests.total - r.non2xx) / r.duration,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      requests: r.requests.total,
      errors: r.errors + r.non2xx + r.timeouts,
      tool: 'autocannon',
    };
  }
  const r = await runLoad(
    'load(duration)',
    { mode: 'duration', seconds, concurrency: S.thrConnections, requests: [spec] },
    (seconds + 60) * 1000,
  );
  return {
    rps: r.rps,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    requests: r.requests,
    errors: r.errors + r.statusErrors,
    tool: 'node',
  };
}

// ------------------------------------------------------------------------------------------ the run
const results = {
  startedAt: new Date().toISOString(),
  quick: QUICK,
  settings: S,
  machine: machine(),
  eventsPerStream: EVENTS_PER_STREAM,
  processes: {},
  rows: {},
  memory: {},
  cpu: {},
  leak: null,
  targets: [],
  notes: [],
};
let harnessFailed = false;
const fail = (what, err) => {
  harnessFailed = true;
  const msg = `${what}: ${err?.message ?? err}`;
  results.notes.push(msg);
  log(`ERROR ${msg}`);
};

const tmp = mkdtempSync(path.join(os.tmpdir(), 'claudine-bench-'));
const configHome = path.join(tmp, 'config'); // an empty config dir: no user config.toml leaks into the run
mkdirSync(configHome);

const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLAUDINE_')));
/** claudine's environment: an empty config dir, the fake key, obviously fake AWS keys (Bedrock rows only). */
function baseEnvClaudine() {
  const env = {
    ...baseEnv,
    ANTHROPIC_API_KEY: API_KEY,
    XDG_CONFIG_HOME: configHome,
    HOME: tmp,
    // Read by the AWS credential chain of the Bedrock process only (environment first; no instance metadata).
    AWS_ACCESS_KEY_ID: AWS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK', 'NODE_EXTRA_CA_CERTS'])
    delete env[k];
  return env;
}
const servers = {};

/**
 * claudine's command line for the benchmark. `lean` switches off everything that is not the proxy itself:
 * metrics, the status page (fed by the access-log record) and logging below `error` — claudine has no
 * "off" log level; at `error` a successful request logs nothing.
 */
function claudineArgs(root, port, { lean = false, bedrock = false, tls = null } = {}) {
  return claudineStartArgs(
    root,
    port,
    tls ? servers.h2front.url : servers.upstream.url,
    // No access log line per request (the ready line is below this level too, hence the readiness poll).
    lean ? 'error' : (process.env.BENCH_CLAUDINE_LOG_LEVEL ?? 'warn'),
    [
      ...(tls ? ['--upstream--http2', tls === 'h2' ? 'true' : 'false'] : []),
      // 1,000 streams held open at once need 1,000 upstream connections (the default pool is 256).
      '--upstream--connections',
      String(S.streams + 100),
      ...(lean ? ['--metrics--enabled', 'false', '--ui--enabled', 'false'] : []),
      ...(bedrock
        ? [
            '--upstream--provider',
            'bedrock',
            '--upstream--bedrock--region',
            BEDROCK_REGION,
            '--upstream--bedrock--endpoint',
            servers.bedrockUp.url,
          ]
        : []),
    ],
  );
}

async function startAll() {
  servers.upstream = await startServer(
    'fake upstream',
    process.execPath,
    [path.join(HERE, 'fake-upstream.mjs')],
    {
      readyMsg: /fake upstream listening/,
      ipc: true,
    },
  );
  const up = servers.upstream.url;
  const claudineEnv = baseEnvClaudine();
  if (needed('bedrock'))
    try {
      servers.bedrockUp = await startServer(
        'fake bedrock',
        process.execPath,
        [path.join(HERE, 'fake-bedrock.mjs'), AWS_KEY_ID],
        { readyMsg: /fake bedrock listening/, ipc: true },
      );
    } catch (err) {
      fail('could not start the fake Bedrock', err);
    }
  const claudine = (label, root, opts) => async () => {
    const port = await freePort();
    return startServer(label, process.execPath, claudineArgs(root, port, opts), {
      env: opts?.tls ? { ...claudineEnv, NODE_EXTRA_CA_CERTS: testOnlyCertificate().cert } : claudineEnv,
      readyMsg: /claudine is listening/,
      pollUrl: `http://127.0.0.1:${port}/health/readiness`,
      cwd: tmp,
    });
  };
  // The certificate is made with node:crypto (lib/test-cert.mjs): no openssl needed.
  const haveCert = needed('tlsH1') || needed('tlsH2');
  if (haveCert)
    try {
      const { cert, key } = testOnlyCertificate();
      servers.h2front = await startServer(
        'TLS upstream front (HTTP/2 and HTTP/1.1)',
        process.execPath,
        [path.join(HERE, 'h2-front.mjs'), up, cert, key],
        { readyMsg: /h2 front listening/, ipc: true },
      );
    } catch (err) {
      fail('could not start the TLS front for the HTTP/2 rows', err);
    }
  const bare = (label, extra) => () =>
    startServer(label, process.execPath, [path.join(HERE, 'bare-proxy.mjs'), up, ...extra], {
      readyMsg: /bare proxy listening/,
      ipc: true,
    });
  const starts = {
    bare: bare('bare pass-through (streamed body)', []),
    bareBuf: bare('bare pass-through (buffered body)', ['--buffered']),
    messages: claudine('claudine (/v1/messages)', ROOT),
    chat: claudine('claudine (/v1/chat/completions)', ROOT),
    lean: claudine('claudine (lean: metrics, status page and logging off)', ROOT, { lean: true }),
    ...(servers.bedrockUp
      ? { bedrock: claudine('claudine (Bedrock upstream)', ROOT, { bedrock: true }) }
      : {}),
    ...(servers.h2front
      ? {
          tlsH1: claudine('claudine (TLS upstream, HTTP/1.1)', ROOT, { tls: 'h1' }),
          tlsH2: claudine('claudine (TLS upstream, HTTP/2)', ROOT, { tls: 'h2' }),
        }
      : {}),
    ...(BASELINE
      ? {
          baseMessages: claudine('claudine@baseline (/v1/messages)', BASELINE),
          baseChat: claudine('claudine@baseline (/v1/chat/completions)', BASELINE),
        }
      : {}),
    portkey: () =>
      startServer('portkey', process.execPath, [path.join(HERE, 'portkey-server.mjs')], {
        readyMsg: /portkey listening/,
        ipc: true,
        env: { ...baseEnv, HOME: tmp },
      }),
  };
  // Started one after another: claudine's start-up is CPU-bound, and in parallel they slow each other.
  // Only the processes some row of this run uses (BENCH_QUICK leaves rows out).
  for (const [name, start] of Object.entries(starts)) {
    if (!needed(name)) continue;
    try {
      servers[name] = await start();
    } catch (err) {
      fail(`could not start ${name}`, err);
    }
  }
  for (const [name, s] of Object.entries(servers)) results.processes[name] = { pid: s.pid, url: s.url };
}

/**
 * Every row of the table. `kind` says what a row is compared as: the floor (direct), a bare hop (the
 * ratios use the faster of the two bare variants, per mode and per figure), claudine, or Portkey.
 * `memory` marks the targets whose RSS per open stream is measured (each costs ~5 s; 'full': not with
 * BENCH_QUICK); `quick: false` rows are left out with BENCH_QUICK; `modes` (default both)
 * and `floor` (default direct: the row added times are measured against) are per row.
 */
const TARGETS = {
  direct: {
    label: 'direct (floor)',
    kind: 'direct',
    server: 'upstream',
    dialect: 'anthropic',
    path: '/v1/messages',
  },
  bare: {
    label: 'bare, streamed body',
    kind: 'bare',
    server: 'bare',
    dialect: 'anthropic',
    path: '/v1/messages',
    memory: 'full',
  },
  bareBuf: {
    label: 'bare, buffered body',
    kind: 'bare',
    server: 'bareBuf',
    dialect: 'anthropic',
    path: '/v1/messages',
    memory: 'full',
  },
  messages: {
    label: 'claudine /v1/messages',
    kind: 'claudine',
    route: 'messages',
    server: 'messages',
    dialect: 'anthropic',
    path: '/v1/messages',
    memory: true,
  },
  chat: {
    label: 'claudine /v1/chat/completions',
    kind: 'claudine',
    route: 'chat',
    server: 'chat',
    dialect: 'openai',
    path: '/v1/chat/completions',
    memory: true,
  },
  leanMessages: {
    label: 'claudine lean /v1/messages',
    kind: 'claudine',
    route: 'messages',
    server: 'lean',
    dialect: 'anthropic',
    path: '/v1/messages',
    quick: false,
  },
  leanChat: {
    label: 'claudine lean /v1/chat/completions',
    kind: 'claudine',
    route: 'chat',
    server: 'lean',
    dialect: 'openai',
    path: '/v1/chat/completions',
    quick: false,
  },
  ...(BASELINE
    ? {
        baseMessages: {
          label: 'claudine@baseline /v1/messages',
          kind: 'claudine',
          route: 'messages',
          server: 'baseMessages',
          dialect: 'anthropic',
          path: '/v1/messages',
          memory: true,
        },
        baseChat: {
          label: 'claudine@baseline /v1/chat/completions',
          kind: 'claudine',
          route: 'chat',
          server: 'baseChat',
          dialect: 'openai',
          path: '/v1/chat/completions',
          memory: true,
        },
      }
    : {}),
  directBedrock: {
    label: 'direct Bedrock (floor)',
    kind: 'direct',
    server: 'bedrockUp',
    dialect: 'bedrock',
    path: `/model/${encodeURIComponent(BEDROCK_MODEL_ID)}/invoke-with-response-stream`,
    modes: ['stream'],
    quick: false,
  },
  bedrockMessages: {
    label: 'claudine Bedrock /v1/messages',
    kind: 'claudine',
    route: 'messages',
    server: 'bedrock',
    dialect: 'anthropic',
    path: '/v1/messages',
    modes: ['stream'],
    floor: 'directBedrock',
    quick: false,
  },
  bedrockChat: {
    label: 'claudine Bedrock /v1/chat/completions',
    kind: 'claudine',
    route: 'chat',
    server: 'bedrock',
    dialect: 'openai',
    path: '/v1/chat/completions',
    modes: ['stream'],
    floor: 'directBedrock',
    quick: false,
  },
  tlsH1Messages: {
    label: 'claudine TLS-h1 /v1/messages',
    kind: 'claudine',
    route: 'messages',
    server: 'tlsH1',
    dialect: 'anthropic',
    path: '/v1/messages',
    quick: false,
  },
  tlsH2Messages: {
    label: 'claudine TLS-h2 /v1/messages',
    kind: 'claudine',
    route: 'messages',
    server: 'tlsH2',
    dialect: 'anthropic',
    path: '/v1/messages',
    quick: false,
  },
  portkey: {
    label: 'portkey /v1/chat/completions',
    kind: 'portkey',
    server: 'portkey',
    dialect: 'openai',
    path: '/v1/chat/completions',
    memory: true,
  },
};
/** With BENCH_QUICK, rows marked `quick: false` (no target is checked on them) are left out altogether. */
const inQuick = (target) => !QUICK || TARGETS[target].quick !== false;
for (const target of Object.keys(TARGETS)) if (!inQuick(target)) delete TARGETS[target];
if (ONLY_ROWS) {
  for (const r of ONLY_ROWS)
    if (!TARGETS[r]) {
      process.stderr.write(`BENCH_ROWS: unknown row ${r} (known: ${Object.keys(TARGETS).join(', ')})\n`);
      process.exit(1);
    }
  for (const target of Object.keys(TARGETS)) {
    const t = TARGETS[target];
    if (t.kind !== 'direct' && t.kind !== 'bare' && !ONLY_ROWS.has(target)) delete TARGETS[target];
  }
  // A floor no row of this run is measured against is left out too.
  for (const target of Object.keys(TARGETS))
    if (
      TARGETS[target].kind === 'direct' &&
      target !== 'direct' &&
      !Object.values(TARGETS).some((t) => t.floor === target)
    )
      delete TARGETS[target];
}
/** Whether any row of this run is served by this process (the others are not started). */
const needed = (server) => Object.values(TARGETS).some((t) => t.server === server);
const MODES = ['stream', 'json'];
const modesOf = (target) => TARGETS[target].modes ?? MODES;
/** The row a row's added time is measured against: the direct request to its own upstream. */
const floorRow = (target, mode) => rowId(TARGETS[target].floor ?? 'direct', mode);
const rowId = (target, mode) => `${target}/${mode}`;

function spec(target, mode, { hold = false, stamp = false } = {}) {
  const t = TARGETS[target];
  const s = servers[t.server];
  const stream = mode === 'stream';
  const headers = { 'content-type': 'application/json' };
  if (t.dialect === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  if (t.kind === 'direct' || t.kind === 'bare') headers['x-api-key'] = API_KEY;
  if (target === 'portkey') {
    headers['x-portkey-provider'] = 'anthropic';
    headers['x-portkey-custom-host'] = `${servers.upstream.url}/v1`;
    headers['authorization'] = `Bearer ${API_KEY}`;
  }
  if (t.dialect === 'bedrock') {
    // A direct request to the fake Bedrock: a SigV4-shaped header with the fake key id is all it checks.
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    headers['x-amz-date'] = amzDate;
    headers['authorization'] =
      `AWS4-HMAC-SHA256 Credential=${AWS_KEY_ID}/${amzDate.slice(0, 8)}/${BEDROCK_REGION}/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
    headers['accept'] = 'application/vnd.amazon.eventstream';
    return { origin: s.url, path: t.path, headers, body: bedrockBody({ stamp }), decode: 'bedrock' };
  }
  const body =
    t.dialect === 'anthropic' ? anthropicBody({ stream, hold, stamp }) : openaiBody({ stream, hold, stamp });
  return { origin: s.url, path: t.path, headers, body };
}

/** One request per row; a row whose answer is not what a client expects is marked failed with the reason. */
async function smoke() {
  for (const target of Object.keys(TARGETS)) {
    for (const mode of modesOf(target)) {
      const id = rowId(target, mode);
      const row = (results.rows[id] = { target, mode, label: TARGETS[target].label, ok: false });
      if (!servers[TARGETS[target].server]) {
        row.error = 'process did not start';
        continue;
      }
      const s = spec(target, mode);
      try {
        const res = await request(s.origin + s.path, {
          method: 'POST',
          headers: s.headers,
          body: s.body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const text = await res.body.text();
        const expect =
          TARGETS[target].dialect === 'bedrock'
            ? [':event-type', 'chunk', '"bytes"']
            : TARGETS[target].dialect === 'anthropic'
              ? mode === 'stream'
                ? ['event: message_stop', 'input_json_delta']
                : ['"tool_use"', '"San Francisco, CA"']
              : mode === 'stream'
                ? ['chat.completion.chunk', 'tool_calls', '[DONE]']
                : ['"chat.completion"', 'tool_calls'];
        const missing = expect.filter((e) => !text.includes(e));
        if (res.statusCode !== 200 || missing.length > 0) {
          row.error = `HTTP ${res.statusCode}${missing.length ? `, missing ${missing.join(', ')}` : ''}: ${text.slice(0, 300)}`;
          const tail = servers[TARGETS[target].server].stderrTail().trim().split('\n').slice(-12).join('\n');
          if (tail) row.stderr = tail;
        } else {
          row.ok = true;
        }
      } catch (err) {
        row.error = String(err?.message ?? err);
      }
      if (!row.ok)
        log(
          `row ${id} does not work: ${row.error}${row.stderr ? `\n    ${row.stderr.replace(/\n/g, '\n    ')}` : ''}`,
        );
    }
  }
}

/** The HTTP/2 rows count only if their requests reached the TLS front as HTTP/2 (no silent fallback). */
async function checkHttp2() {
  const front = servers.h2front;
  if (!front) return;
  const answer = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 3000);
    front.child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    front.child.send('protocols');
  });
  results.h2front = answer?.protocols ?? null;
  if (answer?.protocols?.h2 > 0) return;
  for (const mode of MODES) {
    const row = results.rows[rowId('tlsH2Messages', mode)];
    if (row?.ok) {
      row.ok = false;
      row.error = `the TLS upstream saw no HTTP/2 request (${JSON.stringify(answer?.protocols ?? 'no answer')})`;
      log(`row ${rowId('tlsH2Messages', mode)} does not work: ${row.error}`);
    }
  }
}

const okRows = () =>
  Object.entries(results.rows)
    .filter(([, r]) => r.ok)
    .map(([id]) => id);
const proxyTargets = Object.keys(TARGETS).filter((t) => TARGETS[t].kind !== 'direct');

async function warmUp() {
  const requests = okRows()
    .filter((id) => TARGETS[results.rows[id].target].kind !== 'direct')
    .map((id) => spec(results.rows[id].target, results.rows[id].mode));
  if (requests.length === 0) return;
  await runLoad('warm-up', {
    mode: 'count',
    count: S.warmupPerRow * requests.length,
    concurrency: 8,
    requests,
  });
}

async function memoryPhase() {
  const measured = (t) => TARGETS[t].memory === true || (TARGETS[t].memory === 'full' && !QUICK);
  for (const target of proxyTargets.filter(measured)) {
    const server = servers[TARGETS[target].server];
    if (!results.rows[rowId(target, 'stream')]?.ok) {
      results.memory[target] = { error: 'streaming does not work through this target' };
      continue;
    }
    const pid = server.pid;
    await sleep(300);
    const idle = await sampleRss(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      const r = rssOf(pid);
      if (r > peak) peak = r;
    }, 25);
    let openMsg = null;
    let doneMsg = null;
    let openedAt = 0;
    let heldAtUpstream = null;
    const s = spec(target, 'stream', { hold: true });
    const tool = runTool(
      'open-streams',
      process.execPath,
      [
        path.join(HERE, 'open-streams.mjs'),
        JSON.stringify({ ...s, count: S.streams, openTimeoutMs: 30_000, doneTimeoutMs: 60_000 }),
      ],
      {
        ipc: true,
        timeoutMs: 120_000,
        onMessage: (m) => {
          if (m.type === 'open') {
            openMsg = m;
            openedAt = Date.now();
          }
          if (m.type === 'done') doneMsg = m;
        },
      },
    );
    try {
      const deadline = Date.now() + 45_000;
      while (openMsg === null && Date.now() < deadline) await sleep(20);
      if (openMsg === null) throw new Error('streams did not open within 45 s');
      // Hold them open a moment while the sampler watches RSS, then let the upstream finish them.
      while (Date.now() - openedAt < 600) await sleep(25);
      const stats = await request(`${servers.upstream.url}/__bench/stats`);
      heldAtUpstream = (await stats.body.json()).held;
      const atOpen = rssOf(pid);
      if (atOpen > peak) peak = atOpen;
      clearInterval(sampler);
      await (await request(`${servers.upstream.url}/__bench/release`, { method: 'POST' })).body.text();
      await tool.done;
      results.memory[target] = {
        idleRss: idle,
        peakRss: peak,
        opened: openMsg.opened,
        heldAtUpstream,
        errors: openMsg.errors + (doneMsg?.errors ?? 0),
        firstError: openMsg.firstError ?? doneMsg?.firstError ?? null,
        finished: doneMsg?.finished ?? null,
        perStreamBytes: (peak - idle) / S.streams,
      };
      if (openMsg.opened < S.streams)
        results.memory[target].warning = `only ${openMsg.opened} of ${S.streams} streams opened`;
      log(
        `memory ${target}: idle ${mb(idle)} MB, peak ${mb(peak)} MB with ${openMsg.opened} open streams (${heldAtUpstream} held upstream) → ${kb((peak - idle) / S.streams)} KB/stream`,
      );
    } catch (err) {
      clearInterval(sampler);
      await request(`${servers.upstream.url}/__bench/release`, { method: 'POST' })
        .then((r) => r.body.text())
        .catch(() => {});
      await tool.done.catch(() => {});
      results.memory[target] = { error: String(err?.message ?? err) };
      if (target !== 'portkey') fail(`memory ${target}`, err);
    }
  }
}

async function ttfbPhase() {
  const ids = okRows();
  const rows = ids.map((id) => ({ id, ...spec(results.rows[id].target, results.rows[id].mode) }));
  const out = await runTool(
    'ttfb',
    process.execPath,
    [path.join(HERE, 'ttfb.mjs'), JSON.stringify({ rounds: S.ttfbRounds, warmupRounds: S.ttfbWarmup, rows })],
    { timeoutMs: 150_000 },
  ).done;
  const data = JSON.parse(out.trim().split('\n').pop()).rows;
  for (const id of ids) {
    const d = data[id];
    const row = results.rows[id];
    const ttfb = sortNum(d.ttfb);
    const first = sortNum(d.first.filter((x) => Number.isFinite(x)));
    const total = sortNum(d.total);
    row.ttfb = {
      samples: ttfb.length,
      errors: d.errors,
      firstError: d.firstError,
      p50: pct(ttfb, 50),
      p99: pct(ttfb, 99),
      firstBodyP50: pct(first, 50),
      firstBodyP99: pct(first, 99),
      totalP50: pct(total, 50),
    };
    if (d.dropped) {
      row.ttfb.error = `dropped after 3 consecutive errors: ${d.firstError}`;
      if (row.target !== 'portkey') fail(`ttfb ${id}`, row.ttfb.error);
    }
  }
  // Added time is paired per round (target's sample minus direct's sample of the same mode in the same
  // round), so slow drifts of the machine cancel out; p50/p99 are taken over those differences.
  // "Time to first byte" is the first BODY byte (what a client can use): a proxy that sent its headers
  // early and its first chunk late would look fast by the headers alone. The headers' figure is kept too.
  for (const id of ids) {
    const row = results.rows[id];
    const floorId = floorRow(row.target, row.mode);
    const d = data[id];
    const f = data[floorId];
    if (!row.ttfb || !f || d.ttfb.length === 0 || d.ttfb.length !== f.ttfb.length) continue;
    const addedHeaders = sortNum(d.ttfb.map((x, i) => x - f.ttfb[i]));
    const added = sortNum(d.first.map((x, i) => x - f.first[i]).filter((x) => Number.isFinite(x)));
    row.ttfb.addedP50 = pct(added, 50);
    row.ttfb.addedP99 = pct(added, 99);
    row.ttfb.addedHeadersP50 = pct(addedHeaders, 50);
    row.ttfb.addedHeadersP99 = pct(addedHeaders, 99);
  }
}

/**
 * Inter-chunk latency of every streaming row (bench/chunks.mjs): residence of each stamped chunk between
 * the upstream's write and the client's read, on the machine's monotonic clock; "added" = the row's
 * percentile minus direct's same percentile (different streams cannot be paired chunk by chunk).
 */
async function chunksPhase() {
  const ids = okRows().filter((id) => results.rows[id].mode === 'stream');
  const rows = ids.map((id) => ({ id, ...spec(results.rows[id].target, 'stream', { stamp: true }) }));
  const out = await runTool(
    'chunks',
    process.execPath,
    [
      path.join(HERE, 'chunks.mjs'),
      JSON.stringify({ rounds: S.chunkRounds, warmupRounds: S.chunkWarmup, rows }),
    ],
    { timeoutMs: 120_000 },
  ).done;
  const data = JSON.parse(out.trim().split('\n').pop()).rows;
  for (const id of ids) {
    const d = data[id];
    const res = sortNum(d.residenceUs);
    const gap = sortNum(d.gapAddedUs);
    results.rows[id].chunks = {
      samples: res.length,
      reads: d.reads,
      errors: d.errors,
      firstError: d.firstError,
      residenceP50Us: pct(res, 50),
      residenceP99Us: pct(res, 99),
      gapAddedP50Us: pct(gap, 50),
      gapAddedP99Us: pct(gap, 99),
    };
    if (d.dropped) {
      results.rows[id].chunks.error = `dropped after 3 consecutive errors: ${d.firstError}`;
      if (results.rows[id].target !== 'portkey') fail(`chunks ${id}`, d.firstError);
    }
  }
  for (const id of ids) {
    const c = results.rows[id].chunks;
    const direct = results.rows[floorRow(results.rows[id].target, 'stream')]?.chunks;
    if (!direct || !c || TARGETS[results.rows[id].target].kind === 'direct') continue;
    // Only the median is subtracted: a p99 minus another stream's p99 says little (one slow stream of
    // direct's would make every row look faster); p99s are compared as they are.
    c.addedP50Us = c.residenceP50Us - direct.residenceP50Us;
  }
  for (const id of ids) {
    const c = results.rows[id].chunks;
    log(
      `chunks ${id}: residence p50 ${fmt(c.residenceP50Us, 0)} µs, p99 ${fmt(c.residenceP99Us, 0)} µs over ${c.samples} chunks`,
    );
  }
}

/**
 * Every row gets a warm-up run, then THR_PASSES short runs, the rows taking turns pass after pass, so a
 * burst of background load on the machine hits all rows alike instead of one row's single long run.
 * A row's figures are those of its best pass.
 */
async function throughputPhase(tool) {
  const ids = okRows();
  const passes = {};
  for (const id of ids) {
    const row = results.rows[id];
    try {
      if (S.thrWarmSeconds > 0) await throughput(tool, spec(row.target, row.mode), S.thrWarmSeconds, tmp);
      passes[id] = [];
    } catch (err) {
      row.throughput = { error: String(err?.message ?? err) };
      if (row.target !== 'portkey') fail(`throughput ${id}`, err);
    }
  }
  for (let pass = 0; pass < S.thrPasses; pass++) {
    for (const id of ids) {
      if (!passes[id]) continue;
      const row = results.rows[id];
      try {
        passes[id].push(await throughput(tool, spec(row.target, row.mode), S.thrSeconds, tmp));
      } catch (err) {
        row.throughput = { error: String(err?.message ?? err) };
        delete passes[id];
        if (row.target !== 'portkey') fail(`throughput ${id}`, err);
      }
    }
  }
  for (const id of ids) {
    const ps = passes[id];
    if (!ps || ps.length === 0) continue;
    // Background load on the machine only ever slows a run down, so the best pass is the least disturbed.
    const best = ps.reduce((a, b) => (b.rps > a.rps ? b : a));
    const r = {
      rps: best.rps,
      p50Ms: best.p50Ms,
      p99Ms: best.p99Ms,
      passesRps: ps.map((p) => Math.round(p.rps)),
      requests: ps.reduce((n, p) => n + p.requests, 0),
      errors: ps.reduce((n, p) => n + p.errors, 0),
      tool: ps[0].tool,
    };
    if (r.errors > 0) r.warning = `${r.errors} errors during the runs`;
    results.rows[id].throughput = r;
    log(
      `throughput ${id}: ${r.rps.toFixed(0)} req/s (passes ${r.passesRps.join(', ')}), p99 ${r.p99Ms.toFixed(2)} ms (${r.tool}${r.errors ? `, ${r.errors} errors` : ''})`,
    );
  }
}

/**
 * CPU time of each proxy process per request and per upstream chunk. The rows take turns, pass after
 * pass (like the throughput phase), so background load hits them alike; CPU is read at nanosecond
 * resolution (/proc/PID/task/TID/schedstat) before and after each batch, and a row's figure is the median
 * over its passes of CPU / requests (or chunks) served in the pass.
 */
async function cpuPhase() {
  const ids = okRows().filter((id) => TARGETS[results.rows[id].target].kind !== 'direct');
  const acc = Object.fromEntries(ids.map((id) => [id, { cpu: 0, requests: 0, errors: 0, perPassUs: [] }]));
  for (let pass = 0; pass < S.cpuPasses; pass++) {
    for (const id of ids) {
      if (!acc[id]) continue;
      const row = results.rows[id];
      const server = servers[TARGETS[row.target].server];
      const count = Math.ceil((row.mode === 'stream' ? S.cpuStreams : S.cpuJson) / S.cpuPasses);
      try {
        await sleep(50);
        const before = cpuPreciseSecondsOf(server.pid);
        const r = await runLoad(`cpu ${id}`, {
          mode: 'count',
          count,
          concurrency: 8,
          requests: [spec(row.target, row.mode)],
        });
        await sleep(50);
        const cpu = cpuPreciseSecondsOf(server.pid) - before;
        acc[id].cpu += cpu;
        acc[id].perPassUs.push((cpu / r.requests) * 1e6);
        acc[id].requests += r.requests;
        acc[id].errors += r.errors + r.statusErrors;
      } catch (err) {
        row.cpu = { error: String(err?.message ?? err) };
        delete acc[id];
        if (row.target !== 'portkey') fail(`cpu ${id}`, err);
      }
    }
  }
  for (const [id, a] of Object.entries(acc)) {
    const row = results.rows[id];
    // The median pass, not the total: one pass disturbed by other work on the machine does not move it.
    const perRequestUs = median(a.perPassUs);
    const entry = {
      requests: a.requests,
      errors: a.errors,
      cpuSeconds: a.cpu,
      perRequestUs,
      perRequestUsPasses: a.perPassUs.map((x) => Math.round(x)),
      ...(row.mode === 'stream'
        ? { chunks: a.requests * EVENTS_PER_STREAM, perChunkUs: perRequestUs / EVENTS_PER_STREAM }
        : {}),
    };
    row.cpu = entry;
    log(
      `cpu ${id}: ${entry.perRequestUs.toFixed(0)} µs/request${entry.perChunkUs !== undefined ? `, ${entry.perChunkUs.toFixed(2)} µs/chunk` : ''}`,
    );
  }
}

/** A self-signed certificate for 127.0.0.1, made for this run only (TEST ONLY; deleted with the run's temp dir). */
let certificate = null;
function testOnlyCertificate() {
  certificate ??= writeTestCertificate(path.join(tmp, 'tls-test-only'));
  return certificate;
}

/** Time from `request()` to the first body byte, on a new connection (a new undici Client), in ms. */
async function firstByteMs(origin, s, connect) {
  const client = new Client(origin, { connect, pipelining: 1 });
  try {
    const t0 = performance.now();
    const res = await client.request({
      method: 'POST',
      path: s.path,
      headers: s.headers,
      body: s.body,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    let first = NaN;
    let text = '';
    for await (const chunk of res.body) {
      if (Number.isNaN(first)) first = performance.now() - t0;
      if (text.length < 4096) text += chunk.toString('utf8');
    }
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    return first;
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * Cold paths (issue 18): (a) process start → ready, i.e. spawn → the "claudine is listening" line (said once
 * the credential is loaded), for `start --upstream demo` and for a real-upstream configuration; (b) the
 * first request after start through claudine against a COLD direct request (new TCP and TLS connection) to
 * a TLS upstream RTT ms away (bench/tls-relay.mjs). claudine is asked SETTLE ms after it said it is ready
 * (a person does not type within microseconds), on a new loopback connection; the direct client opens its
 * own TLS connection. Each of the COLD_RUNS starts a fresh claudine; the direct requests are interleaved.
 */
async function coldPhase() {
  const cold = (results.cold = { runs: S.coldRuns, rttMs: S.coldRttMs, settleMs: S.coldSettleMs });
  const env = { ...baseEnvClaudine() };
  const startOnce = async (label, args, extraEnv = {}) => {
    const port = await freePort();
    const t0 = performance.now();
    const server = await startServer(
      label,
      process.execPath,
      [
        path.join(ROOT, 'dist', 'main.js'),
        'start',
        '--server--port',
        String(port),
        '--log-format',
        'json',
        ...args,
      ],
      { env: { ...env, ...extraEnv }, readyMsg: /claudine is listening/, cwd: tmp, timeoutMs: 30_000 },
    );
    return { server, readyMs: performance.now() - t0 };
  };
  // (a) demo
  const demo = [];
  for (let i = 0; i < S.coldRuns; i++) {
    const { server, readyMs } = await startOnce('claudine --upstream demo', ['--upstream', 'demo']);
    demo.push(readyMs);
    await stop(server.child, 5000);
  }
  cold.demoReadyMs = demo;
  log(
    `cold: start → ready with --upstream demo: median ${fmt(median(demo), 0)} ms (${demo.map((x) => x.toFixed(0)).join(', ')})`,
  );
  // (b) a TLS upstream RTT ms away
  const { cert, key } = testOnlyCertificate();
  const relay = await startServer(
    'tls relay',
    process.execPath,
    [path.join(HERE, 'tls-relay.mjs'), servers.upstream.url, String(S.coldRttMs), cert, key],
    { readyMsg: /tls relay listening/, ipc: true },
  );
  servers.tlsRelay = relay;
  const ca = readFileSync(cert);
  const real = [];
  const viaFirst = [];
  const viaSecond = [];
  const direct = [];
  // The request of the /v1/messages streaming row (built here: BENCH_ROWS may have left that row out).
  const messages = {
    path: '/v1/messages',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: anthropicBody({ stream: true }),
  };
  const directSpec = { ...messages, headers: { ...messages.headers, 'x-api-key': API_KEY } };
  // One direct request first, not counted: the direct client's own TLS code is then warm (in its favour).
  await firstByteMs(relay.url, directSpec, { ca });
  for (let i = 0; i < S.coldRuns; i++) {
    direct.push(await firstByteMs(relay.url, directSpec, { ca }));
    const { server, readyMs } = await startOnce(
      'claudine (TLS upstream)',
      ['--upstream--base-url', `${relay.url}/v1`, '--auth--storage', 'env'],
      { NODE_EXTRA_CA_CERTS: cert },
    );
    real.push(readyMs);
    await sleep(S.coldSettleMs);
    viaFirst.push(await firstByteMs(server.url, messages));
    viaSecond.push(await firstByteMs(server.url, messages));
    await stop(server.child, 5000);
  }
  await stop(relay.child, 2000);
  delete servers.tlsRelay;
  Object.assign(cold, {
    realReadyMs: real,
    directColdMs: direct,
    viaFirstMs: viaFirst,
    viaSecondMs: viaSecond,
  });
  log(
    `cold: start → ready with a TLS upstream ${S.coldRttMs} ms away: median ${fmt(median(real), 0)} ms; first request through claudine ${fmt(median(viaFirst), 1)} ms (second ${fmt(median(viaSecond), 1)} ms) vs a cold direct request ${fmt(median(direct), 1)} ms`,
  );
}

/**
 * One bounded batch of the leak loop: with wrk, `seconds` of load rotating over `requests` (wrk cannot stop
 * at a count, so the loop is bounded by time per batch and by count overall); otherwise exactly `count`
 * requests through load.mjs.
 */
async function leakBatch(tool, requests, count, seconds, concurrency) {
  if (tool.kind !== 'wrk') {
    const r = await runLoad('leak', { mode: 'count', count, concurrency, requests });
    return { requests: r.requests, errors: r.errors + r.statusErrors, firstError: r.firstError };
  }
  const dir = mkdtempSync(path.join(tmp, 'wrk-'));
  requests.forEach((r, k) => {
    writeFileSync(path.join(dir, `${k + 1}.path`), r.path);
    writeFileSync(path.join(dir, `${k + 1}.body`), r.body);
    writeFileSync(
      path.join(dir, `${k + 1}.headers`),
      Object.entries(r.headers)
        .map(([h, v]) => `${h}: ${v}`)
        .join('\n') + '\n',
    );
  });
  const out = await runTool(
    'wrk (leak)',
    'wrk',
    [
      '-t1',
      `-c${concurrency}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      path.join(HERE, 'wrk-mix.lua'),
      requests[0].origin,
    ],
    {
      env: { ...process.env, WRK_REQ_DIR: dir, WRK_REQ_COUNT: String(requests.length) },
      timeoutMs: (seconds + 30) * 1000,
    },
  ).done;
  rmSync(dir, { recursive: true, force: true });
  const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  const r = JSON.parse(line);
  const errors = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
  return {
    requests: r.requests - r.errors.status,
    errors,
    firstError: errors ? JSON.stringify(r.errors) : null,
  };
}

/** claudine's JS heap in use, from its Prometheus metrics (NaN when metrics are off or unreadable). */
async function heapUsed(origin) {
  try {
    const res = await request(`${origin}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
    const text = await res.body.text();
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Least-squares line through (x, y): the slope. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * RSS moves in a sawtooth with the garbage collector, so one sample before and one after say little. The
 * check samples RSS after every batch and fits a line through (requests so far, RSS), from the first
 * batch's end on: growth = slope × requests. A leak of 100 bytes per request shows as 10 MB over 100,000 requests.
 */
async function leakPhase(tool) {
  const server = servers.chat;
  if (!server) return;
  const origin = server.url;
  // Both routes on one claudine process, streaming and not: what a day of mixed traffic looks like.
  const requests = [
    spec('chat', 'stream'),
    spec('chat', 'json'),
    { ...spec('messages', 'stream'), origin },
    { ...spec('messages', 'json'), origin },
  ];
  const per = Math.ceil(S.leakRequests / S.leakCheckpoints);
  try {
    const w = await leakBatch(tool, requests, S.leakWarmup, S.leakWarmupSeconds, 50);
    if (w.errors > 0) throw new Error(`warm-up errors: ${w.firstError}`);
    await sleep(300);
    const afterWarmup = await sampleRss(server.pid, 3);
    const heap = [await heapUsed(origin)];
    const xs = [0];
    const series = [afterWarmup];
    let done = 0;
    let errors = 0;
    let firstError = null;
    const t0 = Date.now();
    const deadline = t0 + S.leakMaxSeconds * 1000;
    // Bounded twice: by the request count and by leakMaxSeconds.
    for (let batch = 0; batch < 1000 && done < S.leakRequests && Date.now() < deadline; batch++) {
      const r = await leakBatch(tool, requests, Math.min(per, S.leakRequests - done), S.leakBatchSeconds, 50);
      done += r.requests;
      errors += r.errors;
      firstError ??= r.firstError;
      await sleep(100);
      xs.push(done);
      series.push(rssOf(server.pid));
      heap.push(await heapUsed(origin));
    }
    await sleep(300);
    const final = await sampleRss(server.pid, 3);
    // The first batch still settles the heap (it often shrinks RSS left high by the memory phase), so the
    // line is fitted from the end of the first batch on.
    const fitted = xs.length >= 3 ? slope(xs.slice(1), series.slice(1)) * done : series.at(-1) - series[0];
    results.leak = {
      requests: done,
      errors,
      firstError,
      seconds: (Date.now() - t0) / 1000,
      rssAfterWarmup: afterWarmup,
      rssAfter: final,
      growthBytes: fitted,
      rawGrowthBytes: final - afterWarmup,
      bytesPerRequest: fitted / done,
      maxRss: Math.max(...series, final),
      series,
      seriesRequests: xs,
      heapSeries: heap,
      // The JS heap (claudine's own /metrics) after each batch: what the process keeps, without the
      // allocator's and V8's reserves that make RSS move in steps. Informational; the target is on RSS.
      heapGrowthBytes:
        heap.every(Number.isFinite) && xs.length >= 3 ? slope(xs.slice(1), heap.slice(1)) * done : NaN,
    };
    log(
      `leak: ${done} requests in ${results.leak.seconds.toFixed(1)} s, RSS ${mb(afterWarmup)} → ${mb(final)} MB, fitted growth ${mb(fitted)} MB`,
    );
    if (errors > 0) results.leak.warning = `${errors} requests failed (${firstError})`;
    if (done < S.leakRequests)
      results.leak.warning = `only ${done} of ${S.leakRequests} requests fitted in ${S.leakMaxSeconds} s`;
  } catch (err) {
    results.leak = { error: String(err?.message ?? err) };
    fail('leak check', err);
  }
}

// ------------------------------------------------------------------------------------------ report
const mb = (b) => (b / 2 ** 20).toFixed(1);
const kb = (b) => (b / 1024).toFixed(1);
const fmt = (x, d = 3) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);

/**
 * The bare floor of one figure in one mode: the FASTER of the two bare variants (streamed or buffered
 * request body), per figure — lowest added TTFB p50, lowest added p99, highest req/s, lowest CPU per chunk.
 * `better` is 'min' or 'max'; returns { value, id } or { value: NaN }.
 */
function bareFloor(mode, get, better = 'min') {
  let best = { value: NaN, id: null };
  for (const target of Object.keys(TARGETS)) {
    if (TARGETS[target].kind !== 'bare') continue;
    const id = rowId(target, mode);
    const r = results.rows[id];
    const v = r?.ok ? get(r) : undefined;
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!Number.isFinite(best.value) || (better === 'min' ? v < best.value : v > best.value))
      best = { value: v, id };
  }
  return best;
}
// A bare proxy adds so little that noise can make its figure tiny or negative; ratios use at least 0.01 ms.
const ttfbFloor = (mode, key) => {
  const b = bareFloor(mode, (r) => r.ttfb?.[key]);
  return { ...b, value: Number.isFinite(b.value) ? Math.max(b.value, 0.01) : NaN };
};
const rpsFloor = (mode) => bareFloor(mode, (r) => r.throughput?.rps, 'max');
const cpuFloor = (mode) =>
  bareFloor(mode, (r) => (mode === 'stream' ? r.cpu?.perChunkUs : r.cpu?.perRequestUs));
const bareName = (id) => (id ? TARGETS[results.rows[id].target].label : 'bare');

/** Issue 18's targets, measured on claudine's default rows (the lean rows are printed for comparison). */
function evaluate() {
  const R = results.rows;
  const t = [];
  // Which phase and rows the targets added next depend on: left out by BENCH_PHASES/BENCH_ROWS → SKIPPED.
  let needs = { phase: null, targets: [] };
  const add = (name, value, limit, pass, detail) => {
    const skipped =
      (needs.phase !== null && !PHASES.has(needs.phase)) || needs.targets.some((k) => !TARGETS[k]);
    t.push({
      name,
      value,
      limit,
      status: skipped
        ? 'SKIPPED'
        : value === undefined || !Number.isFinite(value)
          ? 'UNMEASURED'
          : pass
            ? 'PASS'
            : 'MISS',
      detail: skipped ? `left out of this run (BENCH_PHASES / BENCH_ROWS)` : detail,
    });
  };
  const routes = [
    ['messages', 'stream', '/v1/messages streaming', 1.3],
    ['messages', 'json', '/v1/messages non-streaming', 1.3],
    ['chat', 'stream', 'chat completions streaming', 1.6],
    ['chat', 'json', 'chat completions non-streaming', 1.6],
  ];
  for (const [target, mode, name, limit] of routes) {
    needs = { phase: 'ttfb', targets: [target] };
    const v = R[rowId(target, mode)]?.ttfb?.addedP50;
    const b = ttfbFloor(mode, 'addedP50');
    const r = ratio(v, b.value);
    add(
      `${name}: added TTFB p50 at 1 connection ≤ ${limit}× the fastest bare hop`,
      r,
      limit,
      r <= limit,
      `${fmt(v)} ms vs ${fmt(b.value)} ms (${bareName(b.id)}) = ${fmt(r, 2)}×`,
    );
  }
  for (const [target, mode, name] of routes) {
    needs = { phase: 'ttfb', targets: [target] };
    const v = R[rowId(target, mode)]?.ttfb?.addedP99;
    const b = ttfbFloor(mode, 'addedP99');
    const r = ratio(v, b.value);
    add(
      `${name}: added TTFB p99 ≤ 2× the fastest bare hop's p99`,
      r,
      2,
      r <= 2,
      `${fmt(v)} ms vs ${fmt(b.value)} ms (${bareName(b.id)}) = ${fmt(r, 2)}×`,
    );
  }
  for (const target of ['messages', 'chat']) {
    needs = { phase: 'cpu', targets: [target] };
    const v = R[rowId(target, 'stream')]?.cpu?.perChunkUs;
    const b = cpuFloor('stream');
    const r = ratio(v, b.value);
    add(
      `${TARGETS[target]?.label ?? `claudine ${target}`} streaming: CPU per chunk ≤ 1.5× the bare hop's per forwarded chunk`,
      r,
      1.5,
      r <= 1.5,
      `${fmt(v, 2)} µs vs ${fmt(b.value, 2)} µs (${bareName(b.id)}) = ${fmt(r, 2)}×`,
    );
  }
  for (const [target, mode, name] of routes) {
    needs = { phase: 'throughput', targets: [target] };
    const v = R[rowId(target, mode)]?.throughput?.rps;
    const b = rpsFloor(mode);
    const r = ratio(v, b.value);
    add(
      `${name}: throughput at ${S.thrConnections} connections ≥ 85% of the bare hop's`,
      r,
      0.85,
      r >= 0.85,
      `${fmt(v, 0)} vs ${fmt(b.value, 0)} req/s (${bareName(b.id)}) = ${fmt(r * 100, 0)}%`,
    );
  }
  for (const target of ['messages', 'chat']) {
    needs = { phase: 'memory', targets: [target] };
    const m = results.memory[target];
    const v = m?.perStreamBytes;
    add(
      `${TARGETS[target]?.label ?? `claudine ${target}`}: RSS per open stream ≤ 64 KB`,
      v === undefined ? undefined : v / 1024,
      64,
      v / 1024 <= 64,
      m?.error ?? `${kb(v)} KB (${m?.opened} streams)`,
    );
  }
  needs = { phase: 'leak', targets: ['chat', 'messages'] };
  const g = results.leak?.growthBytes;
  add(
    `no RSS growth over ${(results.leak?.requests ?? S.leakRequests).toLocaleString('en')} requests (≤ ${mb(S.leakMaxGrowthBytes)} MB)`,
    g === undefined ? undefined : g / 2 ** 20,
    S.leakMaxGrowthBytes / 2 ** 20,
    g <= S.leakMaxGrowthBytes,
    results.leak?.error ??
      `fitted ${mb(results.leak?.growthBytes)} MB (${fmt(results.leak?.bytesPerRequest, 1)} B/request); RSS ${mb(results.leak?.rssAfterWarmup)} → ${mb(results.leak?.rssAfter)} MB`,
  );
  needs = { phase: 'throughput', targets: ['chat', 'portkey'] };
  const r6 = ratio(R['chat/json']?.throughput?.rps, R['portkey/json']?.throughput?.rps);
  add(
    'chat completions non-streaming throughput ≥ 3× Portkey',
    r6,
    3,
    r6 >= 3,
    `${fmt(R['chat/json']?.throughput?.rps, 0)} vs ${fmt(R['portkey/json']?.throughput?.rps, 0)} req/s`,
  );
  needs = { phase: 'cold', targets: [] };
  for (const extra of extraTargets) extra(add);
  results.targets = t;
}
/** Targets of the cold-path phase. Each is (add) => void. */
const extraTargets = [
  (add) => {
    const c = results.cold;
    for (const [key, what] of [
      ['demoReadyMs', '`start --upstream demo`'],
      ['realReadyMs', 'a real-upstream configuration'],
    ]) {
      const v = c?.[key] ? median(c[key]) / 1000 : undefined;
      add(
        `process start → ready ≤ 0.3 s, ${what} (median of ${S.coldRuns})`,
        v,
        0.3,
        v <= 0.3,
        c?.[key]
          ? `${fmt(v, 3)} s (${c[key].map((x) => x.toFixed(0)).join(', ')} ms)`
          : (c?.error ?? 'not measured'),
      );
    }
    const via = c?.viaFirstMs ? median(c.viaFirstMs) : undefined;
    const direct = c?.directColdMs ? median(c.directColdMs) : NaN;
    add(
      `first request after start through claudine faster than a cold direct request, TLS upstream ${S.coldRttMs} ms away`,
      via === undefined ? undefined : ratio(via, direct),
      1,
      via < direct,
      via === undefined
        ? 'not measured'
        : `${fmt(via, 1)} ms vs ${fmt(direct, 1)} ms to the first body byte (medians; claudine's second request ${fmt(median(c.viaSecondMs), 1)} ms)`,
    );
  },
];

function table() {
  const R = results.rows;
  const header = [
    'target',
    'mode',
    '+TTFB p50',
    '×bare',
    '+TTFB p99',
    '×bare',
    'req/s@50',
    'p99@50',
    '×bare',
    '×portkey',
    'KB/stream',
    'CPU µs/chunk',
    '×bare',
    'CPU µs/req',
  ];
  const lines = [header];
  for (const target of Object.keys(TARGETS)) {
    for (const mode of modesOf(target)) {
      const r = R[rowId(target, mode)];
      if (!r) continue;
      if (!r.ok) {
        lines.push([TARGETS[target].label, mode, `FAILED: ${String(r.error).split('\n')[0].slice(0, 90)}`]);
        continue;
      }
      const kind = TARGETS[target].kind;
      const pk = R[rowId('portkey', mode)];
      const isDirect = kind === 'direct';
      const compared = kind === 'claudine' || kind === 'portkey';
      const mem = mode === 'stream' ? results.memory[target] : undefined;
      const cpuFig = mode === 'stream' ? r.cpu?.perChunkUs : undefined;
      lines.push([
        TARGETS[target].label,
        mode,
        isDirect ? `(${fmt(r.ttfb?.firstBodyP50)} ms)` : `${fmt(r.ttfb?.addedP50)} ms`,
        compared ? fmt(ratio(r.ttfb?.addedP50, ttfbFloor(mode, 'addedP50').value), 2) : '',
        isDirect ? `(${fmt(r.ttfb?.firstBodyP99)} ms)` : `${fmt(r.ttfb?.addedP99)} ms`,
        compared ? fmt(ratio(r.ttfb?.addedP99, ttfbFloor(mode, 'addedP99').value), 2) : '',
        fmt(r.throughput?.rps, 0),
        r.throughput?.p99Ms !== undefined ? `${fmt(r.throughput.p99Ms, 2)} ms` : '—',
        compared ? fmt(ratio(r.throughput?.rps, rpsFloor(mode).value), 2) : '',
        kind === 'claudine' && pk?.ok ? fmt(ratio(r.throughput?.rps, pk?.throughput?.rps), 2) : '',
        mem?.perStreamBytes !== undefined ? kb(mem.perStreamBytes) : '',
        cpuFig !== undefined ? fmt(cpuFig, 2) : '',
        compared && cpuFig !== undefined ? fmt(ratio(cpuFig, cpuFloor('stream').value), 2) : '',
        r.cpu?.perRequestUs !== undefined ? fmt(r.cpu.perRequestUs, 0) : '',
      ]);
    }
  }
  const widths = header.map((_, i) =>
    Math.max(...lines.filter((l) => l.length > 3).map((l) => String(l[i] ?? '').length)),
  );
  const render = (l) =>
    l.length <= 3
      ? `${String(l[0]).padEnd(widths[0])}  ${String(l[1]).padEnd(widths[1])}  ${l[2]}`
      : l.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [render(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(render)].join(
    '\n',
  );
}

function chunkTable() {
  const header = ['target', 'chunk p50', '+p50', '×bare', 'chunk p99', '×bare', '+gap p50', '+gap p99'];
  const lines = [header];
  const floor50 = bareFloor('stream', (r) => r.chunks?.addedP50Us);
  const floor99 = bareFloor('stream', (r) => r.chunks?.residenceP99Us);
  // Like TTFB, a bare hop's added latency can be tiny; the ratio uses at least 1 µs.
  const at1 = (v) => (Number.isFinite(v) ? Math.max(v, 1) : NaN);
  for (const target of Object.keys(TARGETS)) {
    const r = results.rows[rowId(target, 'stream')];
    const c = r?.chunks;
    if (!r?.ok || !c) continue;
    const compared = TARGETS[target].kind === 'claudine' || TARGETS[target].kind === 'portkey';
    lines.push([
      TARGETS[target].label,
      `${fmt(c.residenceP50Us, 0)} µs`,
      c.addedP50Us === undefined ? '' : `${fmt(c.addedP50Us, 0)} µs`,
      compared ? fmt(ratio(c.addedP50Us, at1(floor50.value)), 2) : '',
      `${fmt(c.residenceP99Us, 0)} µs`,
      compared ? fmt(ratio(c.residenceP99Us, floor99.value), 2) : '',
      `${fmt(c.gapAddedP50Us, 0)} µs`,
      `${fmt(c.gapAddedP99Us, 0)} µs`,
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => String(l[i] ?? '').length)));
  const render = (l) =>
    l.map((c, i) => (i < 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [render(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(render)].join(
    '\n',
  );
}

function report() {
  const m = results.machine;
  const out = [];
  out.push('');
  out.push(
    `claudine benchmark — ${m.nproc} CPU × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}${m.commit ? `, commit ${m.commit}` : ''}${m.baseline ? `, baseline ${m.baseline.commit ?? '?'} (${m.baseline.dir})` : ''}${QUICK ? ' (BENCH_QUICK)' : ''}`,
  );
  out.push(
    `load average (1, 5, 15 min): ${m.loadAverageAtStart.join(' ')} at the start, ${results.loadAverageAtEnd?.join(' ') ?? '?'} at the end — other work on the machine shows up as noise`,
  );
  out.push(
    `TTFB (first body byte): ${S.ttfbRounds} interleaved rounds at 1 connection; added = target − direct in the same round and mode, p50/p99 over rounds; ×bare = against the faster bare variant per figure. Throughput: ${S.thrConnections} connections, best of ${S.thrPasses} interleaved ${S.thrSeconds} s runs (${results.loadTool}). Memory: ${S.streams} open streams. CPU: /proc schedstat over ${S.cpuStreams} streams (${EVENTS_PER_STREAM} upstream events each) or ${S.cpuJson} requests, in ${S.cpuPasses} interleaved passes.`,
  );
  out.push('');
  out.push(table());
  out.push('');
  if (PHASES.has('chunks')) {
    out.push(
      `Inter-chunk latency (streams paced at ${PACE_MS} ms per event, ${S.chunkRounds} per row): residence of each text chunk from the upstream's write to the client's read, on the shared monotonic clock; +p50 = minus direct's p50; ×bare = against the faster bare variant (p99: residence against residence); +gap = client-side gap between consecutive chunks minus the upstream's gap between them.`,
    );
    out.push(chunkTable());
    out.push('');
  }
  if (results.leak && !results.leak.error)
    out.push(
      `leak check: ${results.leak.requests.toLocaleString('en')} requests to claudine in ${results.leak.seconds.toFixed(1)} s; RSS after warm-up ${mb(results.leak.rssAfterWarmup)} MB → after ${mb(results.leak.rssAfter)} MB (max ${mb(results.leak.maxRss)} MB), line fitted through the samples: ${mb(results.leak.growthBytes)} MB (${fmt(results.leak.bytesPerRequest, 1)} B/request); RSS MB after each batch: ${results.leak.series.map(mb).join(' ')}; JS heap in use (from /metrics) MB: ${results.leak.heapSeries.map(mb).join(' ')}, fitted growth ${mb(results.leak.heapGrowthBytes)} MB`,
    );
  const c = results.cold;
  if (c?.demoReadyMs)
    out.push(
      `cold paths (${c.runs} fresh starts each): start → ready ${fmt(median(c.demoReadyMs), 0)} ms with --upstream demo${c.realReadyMs ? `, ${fmt(median(c.realReadyMs), 0)} ms with a TLS upstream ${c.rttMs} ms away` : ''}${c.viaFirstMs ? `; first request to the first body byte, ${c.settleMs} ms after ready: through claudine ${fmt(median(c.viaFirstMs), 1)} ms (its second ${fmt(median(c.viaSecondMs), 1)} ms), direct on a new TLS connection ${fmt(median(c.directColdMs), 1)} ms (medians)` : ''}`,
    );
  if (c?.error) out.push(`cold paths: not measured (${c.error})`);
  for (const [target, mem] of Object.entries(results.memory))
    out.push(
      mem.error
        ? `memory ${target}: not measured (${mem.error})`
        : `memory ${target}: idle ${mb(mem.idleRss)} MB, peak ${mb(mem.peakRss)} MB with ${mem.opened}/${S.streams} streams open${mem.errors ? ` (${mem.errors} errors: ${mem.firstError})` : ''}`,
    );
  for (const [id, r] of Object.entries(results.rows))
    if (!r.ok)
      out.push(`${id}: FAILED — ${r.error}${r.stderr ? `\n    ${r.stderr.replace(/\n/g, '\n    ')}` : ''}`);
  for (const n of results.notes) out.push(`note: ${n}`);
  if (results.leak?.warning) out.push(`leak check warning: ${results.leak.warning}`);
  out.push('');
  for (const t of results.targets) out.push(`${t.status.padEnd(10)} ${t.name} — ${t.detail}`);
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
}

// ------------------------------------------------------------------------------------------ main
async function main() {
  if (!procAvailable()) throw new Error('this benchmark reads RSS and CPU from /proc (Linux only)');
  const tool = pickLoadTool();
  results.loadTool = tool.kind;
  log(`load tool: ${tool.kind}; starting processes`);
  await startAll();
  if (!servers.upstream) throw new Error('the fake upstream did not start');
  await smoke();
  await checkHttp2();
  log(`rows working: ${okRows().join(', ')}`);
  await warmUp();
  if (PHASES.has('memory')) {
    log('memory: 1,000 open streams per target');
    await memoryPhase();
  }
  if (PHASES.has('ttfb')) {
    log(`ttfb: ${S.ttfbRounds} interleaved rounds`);
    await ttfbPhase().catch((err) => fail('ttfb', err));
  }
  if (PHASES.has('chunks')) {
    log(`inter-chunk latency: ${S.chunkRounds} paced streams per row`);
    await chunksPhase().catch((err) => fail('chunks', err));
  }
  // CPU before throughput: every row then comes to it with the same history (warm-up, TTFB and inter-chunk
  // rounds), whereas the throughput phase leaves out some rows with BENCH_QUICK (they would be less warm).
  if (PHASES.has('cpu')) {
    log('cpu per chunk');
    await cpuPhase();
  }
  if (PHASES.has('throughput')) {
    log(`throughput: ${S.thrConnections} connections, ${S.thrSeconds} s per row`);
    await throughputPhase(tool);
  }
  if (PHASES.has('leak')) {
    log(`leak check: ${S.leakRequests} requests`);
    await leakPhase(tool);
  }
  if (PHASES.has('cold')) {
    log(`cold paths: ${S.coldRuns} starts each`);
    await coldPhase().catch((err) => {
      results.cold = { ...results.cold, error: String(err?.message ?? err) };
      fail('cold paths', err);
    });
  }
  results.loadAverageAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  evaluate();
  report();
  for (const t of results.targets) if (t.status === 'UNMEASURED') harnessFailed = true;
  results.phases = [...PHASES];
  results.finishedAt = new Date().toISOString();
  results.seconds = (Date.now() - started) / 1000;
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  writeFileSync(path.join(HERE, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  log(`wrote bench/results/latest.json (${results.seconds.toFixed(0)} s)`);
}

try {
  await main();
} catch (err) {
  fail('harness', err);
  log(err?.stack ?? String(err));
} finally {
  // Stop servers politely, then make sure nothing is left.
  await Promise.all(Object.values(servers).map((s) => stop(s.child, 5000)));
  killAll();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(harnessFailed ? 1 : 0);
