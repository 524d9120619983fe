/**
 * The real Claude Code CLI (`@anthropic-ai/claude-code`, pinned, installed by test/helpers/pinned-client.ts
 * rather than as a devDependency: its native binary is ~400 MB) through claudine against the
 * simulated Claude: non-interactive (`-p`), telemetry, auto-update and other nonessential traffic off, a
 * placeholder key. It must finish a prompt that needs one tool call, and every request it sent (seen on the
 * wire by a TCP tap in front of the proxy) must reach the upstream unchanged but for the credential.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startHttpTap, type HttpTap } from '../helpers/http-tap.js';
import { FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';
import { ensurePinnedClient } from '../helpers/pinned-client.js';
import { run } from '../helpers/spawn.js';

const CLAUDE_CODE_VERSION = '2.1.332';

/** What Claude Code holds: a placeholder the proxy replaces with its own credential. */
const CLIENT_KEY = 'sk-ant-fake-claude-code';

/** A native executable, not the placeholder a package ships until its postinstall replaced it. */
function isNativeBinary(file: string): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    const hex = magic.toString('hex');
    // ELF, Mach-O (both byte orders, 64-bit), PE.
    return hex === '7f454c46' || hex === 'cffaedfe' || hex === 'feedfacf' || hex.startsWith('4d5a');
  } finally {
    closeSync(fd);
  }
}

/**
 * The CLI's native binary: the one its postinstall put in place, else the platform package's own (the
 * package's bin is a stub until the postinstall ran, e.g. when install scripts are blocked).
 */
function claudeBinary(installDir: string): string {
  const require = createRequire(join(installDir, 'node_modules', '.resolve-from-here.js'));
  const wrapperDir = dirname(require.resolve('@anthropic-ai/claude-code/package.json'));
  const installed = join(wrapperDir, 'bin', 'claude.exe');
  if (isNativeBinary(installed)) return installed;
  const platformPackage = `@anthropic-ai/claude-code-${process.platform}-${process.arch}`;
  const fromPlatform = join(dirname(require.resolve(`${platformPackage}/package.json`)), 'claude');
  if (isNativeBinary(fromPlatform)) return fromPlatform;
  throw new Error(`no Claude Code binary for ${process.platform}-${process.arch} (looked in ${installed})`);
}

/** Headers the proxy sets or drops on purpose: hop-by-hop framing, the credential, and correlation. */
const HOP_OR_CREDENTIAL = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  // claudine asks the upstream for identity encoding so it can see the bytes it passes on (usage, stream end).
  'accept-encoding',
  'x-api-key',
  'authorization',
]);
const ADDED_BY_PROXY = new Set(['traceparent', 'tracestate', 'x-request-id']);

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let sim: Simulator;
let proxy: RunningProxy;
let tap: HttpTap;
let work: string;

let claude = '';

beforeAll(async () => {
  const client = await ensurePinnedClient('@anthropic-ai/claude-code', CLAUDE_CODE_VERSION, {
    markerInPackage: 'package.json',
    // Its postinstall only copies the platform package's binary into place; claudeBinary() finds it there.
    ignoreScripts: true,
  });
  claude = claudeBinary(client.dir);
  sim = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: sim.baseUrl });
  tap = await startHttpTap({ host: '127.0.0.1', port: proxy.port });
  work = mkdtempSync(join(tmpdir(), 'claudine-claude-code-'));
}, 360_000);
afterAll(async () => {
  await tap.close();
  await proxy.close();
  await sim.close();
  rmSync(work, { recursive: true, force: true });
});

describe('Claude Code through claudine', () => {
  it('completes a prompt that needs one tool call; the upstream gets what Claude Code sent, less the credential', async () => {
    const project = join(work, 'project');
    const home = join(work, 'home');
    for (const dir of [project, home]) rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(project, { recursive: true });
    mkdirSync(home, { recursive: true });
    const secret = `pineapple-${randomBytes(4).toString('hex')}`;
    const note = join(project, 'note.txt');
    writeFileSync(note, `The secret word is ${secret}.\n`);

    // The simulated model calls the tool a prompt names (docs/simulator.md), then quotes its result.
    const prompt = `call tool Read with ${JSON.stringify({ file_path: note })}`;
    const result = await run(
      claude,
      ['-p', prompt, '--allowedTools', 'Read', '--output-format', 'json', '--max-turns', '4'],
      {
        cwd: project,
        timeoutMs: 90_000,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: home,
          CLAUDE_CONFIG_DIR: join(home, '.claude'),
          ANTHROPIC_BASE_URL: tap.url,
          ANTHROPIC_API_KEY: CLIENT_KEY,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          DISABLE_TELEMETRY: '1',
          DISABLE_AUTOUPDATER: '1',
          DISABLE_ERROR_REPORTING: '1',
          DISABLE_BUG_COMMAND: '1',
        },
      },
    );
    expect(result.code, `claude exited with ${result.code}: ${result.stderr.slice(-2000)}`).toBe(0);
    const output = JSON.parse(result.stdout) as {
      is_error: boolean;
      subtype: string;
      result: string;
      num_turns: number;
    };
    expect(output.is_error).toBe(false);
    expect(output.subtype).toBe('success');
    expect(output.num_turns).toBe(2);
    // The answer quotes the file, which only the Read tool could have seen.
    expect(output.result).toContain(secret);

    // What Claude Code put on the wire, and what reached the simulated upstream.
    const sent = tap.requests();
    const received = sim.requests;
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(received).toHaveLength(sent.length);
    const toolRound = received.filter((r) => r.body.includes(`"tool_use_id"`) && r.body.includes(secret));
    expect(toolRound.length, 'a request carrying the Read tool result').toBeGreaterThanOrEqual(1);

    for (const client of sent) {
      const digest = sha256(client.body);
      const upstream = received.find((r) => r.sha256 === digest);
      expect(
        upstream,
        `the upstream got the body of ${client.method} ${client.target} byte for byte`,
      ).toBeDefined();
      expect(upstream!.method).toBe(client.method);
      expect(upstream!.path).toBe(`${client.target}`);
      for (const [name, value] of Object.entries(client.headers)) {
        if (HOP_OR_CREDENTIAL.has(name)) continue;
        expect(upstream!.headers[name], `header ${name}`).toBe(value);
      }
      for (const name of Object.keys(upstream!.headers)) {
        if (HOP_OR_CREDENTIAL.has(name) || ADDED_BY_PROXY.has(name)) continue;
        expect(client.headers[name], `header ${name} appeared on the way`).toBeDefined();
      }
      // The credential: Claude Code's placeholder never reaches the upstream, the proxy's key does.
      expect(client.headers['x-api-key']).toBe(CLIENT_KEY);
      expect(upstream!.headers['x-api-key']).toBe(FAKE_API_KEY);
      expect(JSON.stringify(upstream!.headers)).not.toContain(CLIENT_KEY);
    }
  }, 120_000);
});
