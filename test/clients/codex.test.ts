/**
 * OpenAI's Codex CLI (which speaks only the Responses API) against the running proxy and the simulated
 * Claude: `codex exec` with a custom provider whose base URL is the proxy, through a throwaway CODEX_HOME.
 * One task needs no tool; one makes Codex run a shell command and send its output back.
 *
 * Codex is not a devDependency: its binary package is 424 MB, which every `npm ci` would fetch. This file
 * installs the pinned version once into node_modules/.cache (from the npm registry, or npm's cache) and
 * reuses it.
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { run } from '../helpers/spawn.js';

const CODEX_VERSION = '0.171.0';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CODEX_DIR = join(ROOT, 'node_modules', '.cache', `codex-${CODEX_VERSION}`);
const CODEX_BIN = join(CODEX_DIR, 'node_modules', '.bin', 'codex');
const MODEL = 'claude-sonnet-4-6';

/** The environment without npm's and the test runner's own variables. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|CLAUDINE_|ANTHROPIC_|OPENAI_|CODEX_|OTEL_|INIT_CWD|VITEST)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function ensureCodex(): Promise<void> {
  if (existsSync(CODEX_BIN)) return;
  mkdirSync(CODEX_DIR, { recursive: true });
  const result = await run(
    'npm',
    [
      'install',
      '--prefix',
      CODEX_DIR,
      '--no-save',
      '--no-package-lock',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      `@openai/codex@${CODEX_VERSION}`,
    ],
    { env: cleanEnv({}), timeoutMs: 300_000 },
  );
  if (result.code !== 0 || !existsSync(CODEX_BIN)) {
    throw new Error(`installing @openai/codex@${CODEX_VERSION} failed:\n${result.stderr}`);
  }
}

let upstream: Simulator;
let proxy: RunningProxy;
let home: string;

beforeAll(async () => {
  await ensureCodex();
  upstream = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--upstream--max-retries': '0' } });
  home = mkdtempSync(join(tmpdir(), 'claudine-codex-'));
  mkdirSync(join(home, 'codex'));
  mkdirSync(join(home, 'work'));
  writeFileSync(
    join(home, 'codex', 'config.toml'),
    [
      `model = "${MODEL}"`,
      'model_provider = "claudine"',
      '',
      '[model_providers.claudine]',
      'name = "claudine"',
      `base_url = "${proxy.url}/v1"`,
      'wire_api = "responses"',
      '',
    ].join('\n'),
  );
}, 360_000);

afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

function codexExec(prompt: string): ReturnType<typeof run> {
  return run(CODEX_BIN, ['exec', '--skip-git-repo-check', '-C', join(home, 'work'), prompt], {
    env: cleanEnv({ CODEX_HOME: join(home, 'codex'), HOME: home }),
    timeoutMs: 120_000,
  });
}

interface SeenBody {
  tools?: { name: string }[];
  messages: { role: string; content: { type: string; content?: { type: string; text?: string }[] }[] }[];
}

function messageBodies(): SeenBody[] {
  return upstream.requests.filter((r) => r.path === '/v1/messages').map((r) => r.json as SeenBody);
}

describe('the Codex CLI with claudine as a custom Responses provider', () => {
  it('completes a task that needs no tool', async () => {
    upstream.reset();
    const result = await codexExec('Reply to this: say "claudine codex ok"');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('claudine codex ok');
    const [first] = messageBodies();
    // Codex offers its tools on every request; they arrived as Claude tools.
    expect(first?.tools?.map((t) => t.name)).toContain('exec_command');
    const served = proxy.logs.filter((l) => l['msg'] === 'request' && l['route'] === '/v1/responses');
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((l) => l['status'] === 200)).toBe(true);
  }, 180_000);

  it('runs one shell command and sends its output back', async () => {
    upstream.reset();
    const result = await codexExec('call tool exec_command with {"cmd":"echo claudine-shell-$((40+2))"}');
    expect(result.code, result.stderr).toBe(0);
    // The shell computed 42: the command really ran, and its output went back to the model.
    const bodies = messageBodies();
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    const results = bodies
      .at(-1)!
      .messages.at(-1)!
      .content.filter((b) => b.type === 'tool_result')
      .flatMap((b) => b.content ?? [])
      .map((c) => c.text ?? '')
      .join('\n');
    expect(results).toContain('claudine-shell-42');
    expect(result.stdout).toContain('exec_command returned');
    expect(result.stdout).toContain('claudine-shell-42');
  }, 180_000);
});
