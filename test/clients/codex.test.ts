/**
 * OpenAI's Codex CLI (which speaks only the Responses API) against the running proxy and the simulated
 * Claude: `codex exec` with a custom provider whose base URL is the proxy, through a throwaway CODEX_HOME.
 * One task needs no tool; one makes Codex run a shell command and send its output back.
 *
 * Codex is not a devDependency: its binary package is 424 MB, which every `npm ci` would fetch. The pinned
 * version is installed once into node_modules/.cache (test/helpers/pinned-client.ts) and reused.
 */
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { cleanClientEnv, ensurePinnedClient } from '../helpers/pinned-client.js';
import { run } from '../helpers/spawn.js';

const CODEX_VERSION = '0.171.0';
let CODEX_DIR = '';
let CODEX_WRAPPER = '';

/**
 * The native binary the npm wrapper would start, run directly so that a timeout's SIGKILL reaches it (the
 * node wrapper's child would outlive the wrapper and keep the pipes open); the wrapper where none is found.
 */
function codexBinary(): string {
  const scope = join(CODEX_DIR, 'node_modules', '@openai');
  for (const pkg of readdirSync(scope)) {
    if (!pkg.startsWith('codex-')) continue;
    const vendor = join(scope, pkg, 'vendor');
    if (!existsSync(vendor)) continue;
    for (const triple of readdirSync(vendor)) {
      const bin = join(vendor, triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
      if (existsSync(bin)) return bin;
    }
  }
  return CODEX_WRAPPER;
}
let CODEX_BIN = CODEX_WRAPPER;
const MODEL = 'claude-sonnet-4-6';

async function ensureCodex(): Promise<void> {
  const client = await ensurePinnedClient('@openai/codex', CODEX_VERSION, {
    markerInPackage: 'package.json',
  });
  CODEX_DIR = client.dir;
  CODEX_WRAPPER = join(CODEX_DIR, 'node_modules', '.bin', 'codex');
}

let upstream: Simulator;
let proxy: RunningProxy;
let home: string;

beforeAll(async () => {
  await ensureCodex();
  CODEX_BIN = codexBinary();
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
      // A refused request fails the task at once instead of being retried until the test times out.
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
}, 360_000);

afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

function codexExec(prompt: string, extraArgs: readonly string[] = []): ReturnType<typeof run> {
  return run(CODEX_BIN, ['exec', '--skip-git-repo-check', ...extraArgs, '-C', join(home, 'work'), prompt], {
    env: cleanClientEnv({ CODEX_HOME: join(home, 'codex'), HOME: home }),
    timeoutMs: 60_000,
  });
}

interface SeenBody {
  tools?: { name: string }[];
  messages: {
    role: string;
    content: { type: string; signature?: string; content?: { type: string; text?: string }[] }[];
  }[];
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

  it("keeps a thinking model's signed reasoning across the tool call (reasoning items carry it)", async () => {
    upstream.reset();
    // claude-sonnet-5-5 always thinks; the simulator refuses a tool_result turn whose assistant turn does
    // not start with the signed thinking it issued, so this passes only if Codex sent it back intact.
    const result = await codexExec('call tool exec_command with {"cmd":"echo thought-$((6*7))"}', [
      '-m',
      'claude-sonnet-5-5',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('thought-42');
    const last = messageBodies().at(-1)!;
    const assistant = last.messages.at(-2)!;
    expect(assistant.role).toBe('assistant');
    expect(assistant.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(assistant.content[0]?.signature).toBeTruthy();
  }, 180_000);
});
