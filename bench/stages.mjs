// Where a request's time goes inside claudine, per route: starts the bench's fake upstream and claudine
// with `log_stages` on, sends requests one at a time on one connection, and prints the median time of
// each stage (from the access log's `stages_ms`), as time since arrival and as the step from the stage
// before it. Usage: npm run build && node bench/stages.mjs [requests per route=400]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { anthropicBody, openaiBody } from './fixture.mjs';
import { claudineStartArgs, startServer, killAll, freePort, stop } from './lib/procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const count = Number(process.argv[2] ?? 400);
const WARMUP = 100;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'claudine-stages-'));
process.on('exit', killAll);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

try {
  const upstream = await startServer(
    'fake upstream',
    process.execPath,
    [path.join(HERE, 'fake-upstream.mjs')],
    {
      readyMsg: /fake upstream listening/,
      ipc: true,
    },
  );
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLAUDINE_')));
  const child = spawn(
    process.execPath,
    claudineStartArgs(ROOT, port, upstream.url, 'info', ['--log-stages', 'true']),
    {
      env: { ...env, ANTHROPIC_API_KEY: 'sk-ant-test-fake-key', XDG_CONFIG_HOME: tmp, HOME: tmp },
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const lines = [];
  let buffered = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    buffered += text;
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const client = new Client(origin);
      await client.request({ method: 'GET', path: '/health/readiness' }).then((r) => r.body.dump());
      await client.close();
      break;
    } catch {
      if (i > 200) throw new Error('claudine did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const routes = [
    ['/v1/messages stream', '/v1/messages', anthropicBody({ stream: true }), true],
    ['/v1/messages json', '/v1/messages', anthropicBody({ stream: false }), true],
    ['/v1/chat/completions stream', '/v1/chat/completions', openaiBody({ stream: true }), false],
    ['/v1/chat/completions json', '/v1/chat/completions', openaiBody({ stream: false }), false],
  ];
  const client = new Client(origin, { pipelining: 1 });
  for (const [label, urlPath, body, anthropic] of routes) {
    const headers = anthropic
      ? {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'x-api-key': 'sk-ant-test-fake-key',
        }
      : { 'content-type': 'application/json' };
    const from = lines.length;
    for (let i = 0; i < WARMUP + count; i++) {
      const r = await client.request({ method: 'POST', path: urlPath, headers, body });
      await r.body.dump();
      if (r.statusCode !== 200) throw new Error(`${label}: HTTP ${r.statusCode}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    const records = lines
      .slice(from)
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return null;
        }
      })
      .filter((r) => r?.msg === 'request' && r.stages_ms !== undefined)
      .slice(WARMUP);
    const names = [];
    for (const r of records) for (const n of Object.keys(r.stages_ms)) if (!names.includes(n)) names.push(n);
    names.push('end');
    console.log(
      `\n${label}: ${records.length} requests, median ms since arrival (step from the stage before)`,
    );
    let before = 0;
    for (const name of names) {
      const at = median(
        records
          .map((r) => (name === 'end' ? r.duration_ms : r.stages_ms[name]))
          .filter((x) => x !== undefined),
      );
      console.log(`  ${name.padEnd(22)} ${at.toFixed(3).padStart(8)}  (+${(at - before).toFixed(3)})`);
      before = at;
    }
  }
  await client.close();
  await stop(child);
} finally {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
}
