// CPU profile of one of claudine's routes: starts the fake upstream and claudine under `node --cpu-prof`,
// sends a fixed number of requests (load.mjs, its own process), stops claudine (SIGTERM, so the profile is
// written) and prints the functions with the most self time.
// Usage: npm run build && node bench/profile.mjs [requests=3000] [mode=stream|json] [route=chat|messages|responses]
//        [concurrency=16]
// For where the time of a single request goes stage by stage, see bench/stages.mjs (the `log_stages` timer).
// The .cpuprofile lands in bench/results/profiles/ (open it in Chrome DevTools or speedscope for more).
import { mkdirSync, readdirSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { anthropicBody, openaiBody } from './fixture.mjs';
import { claudineStartArgs, startServer, runTool, stop, killAll, freePort } from './lib/procs.mjs';
import { topFunctions } from './profile-top.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const count = Number(process.argv[2] ?? 3000);
const mode = process.argv[3] ?? 'stream';
const route = process.argv[4] ?? 'chat';
const concurrency = Number(process.argv[5] ?? 16);
const ROUTES = {
  chat: () => ({
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: openaiBody({ stream: mode === 'stream' }),
  }),
  messages: () => ({
    path: '/v1/messages',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test-fake-key',
    },
    body: anthropicBody({ stream: mode === 'stream' }),
  }),
  responses: () => ({
    path: '/v1/responses',
    headers: { 'content-type': 'application/json' },
    // The chat fixture's conversation as a Responses request (instructions, one user input, one tool).
    body: (() => {
      const chat = JSON.parse(openaiBody({ stream: mode === 'stream' }));
      return JSON.stringify({
        model: chat.model,
        instructions: chat.messages.find((m) => m.role === 'system')?.content,
        input: chat.messages.filter((m) => m.role !== 'system'),
        tools: (chat.tools ?? []).map((t) => ({ type: 'function', ...t.function })),
        stream: mode === 'stream',
      });
    })(),
  }),
};
if (!(route in ROUTES)) throw new Error(`route must be one of ${Object.keys(ROUTES).join(', ')}`);
const outDir = path.join(HERE, 'results', 'profiles');
mkdirSync(outDir, { recursive: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'claudine-profile-'));
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

try {
  const upstream = await startServer(
    'fake upstream',
    process.execPath,
    [path.join(HERE, 'fake-upstream.mjs')],
    { readyMsg: /fake upstream listening/, ipc: true },
  );
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLAUDINE_')));
  const claudine = await startServer(
    'claudine',
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', outDir, ...claudineStartArgs(ROOT, port, upstream.url, 'warn')],
    {
      env: { ...env, ANTHROPIC_API_KEY: 'sk-ant-test-fake-key', XDG_CONFIG_HOME: tmp, HOME: tmp },
      readyMsg: /claudine is listening/,
      pollUrl: `http://127.0.0.1:${port}/health/readiness`,
      cwd: tmp,
    },
  );
  const before = new Set(readdirSync(outDir));
  const request = { origin: claudine.url, ...ROUTES[route]() };
  const out = await runTool(
    'load',
    process.execPath,
    [path.join(HERE, 'load.mjs'), JSON.stringify({ mode: 'count', count, concurrency, requests: [request] })],
    { timeoutMs: 300_000 },
  ).done;
  console.log(`load: ${out.trim()}`);
  await stop(claudine.child, 10_000);
  await stop(upstream.child);
  const written = readdirSync(outDir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (written.length === 0)
    throw new Error('claudine wrote no .cpuprofile (did it exit cleanly on SIGTERM?)');
  const file = path.join(
    outDir,
    written.sort(
      (a, b) => statSync(path.join(outDir, b)).mtimeMs - statSync(path.join(outDir, a)).mtimeMs,
    )[0],
  );
  const { totalMs, rows } = topFunctions(JSON.parse(readFileSync(file, 'utf8')), 30);
  console.log(
    `\n${path.relative(ROOT, file)}: ${totalMs.toFixed(0)} ms sampled over ${count} ${mode} requests to ${request.path} (${concurrency} at a time)`,
  );
  console.log('  self%   self ms  function');
  for (const r of rows)
    console.log(`${(r.share * 100).toFixed(1).padStart(6)}%  ${r.selfMs.toFixed(1).padStart(8)}  ${r.fn}`);
} finally {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
}
