/**
 * The container image, as far as it can be tested without a container engine (there is none on the CI
 * machine): the Dockerfile's settings are read from the file itself, and the image's own command line
 * (ENTRYPOINT + CMD, /app/dist/main.js mapped to this checkout's dist/main.js) runs with the image's ENV.
 * The HEALTHCHECK command runs as written. Not covered: the build itself, the base image, file ownership.
 *
 * The server these tests start listens on loopback: the image's 0.0.0.0 is replaced by 127.0.0.1 after
 * checking that, with 0.0.0.0 and no client keys, claudine refuses to start at all.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { cleanEnv, MAIN } from '../helpers/cli.js';
import { run, startCommand } from '../helpers/spawn.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT_KEY = 'client-key-not-real';

interface Instruction {
  readonly name: string;
  readonly args: string;
}

/** The Dockerfile's instructions of the final stage, continuation lines joined, comments dropped. */
function finalStage(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const all = joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { name: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
  const from = all.map((i) => i.name).lastIndexOf('FROM');
  return all.slice(from);
}

function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, args } of stage) {
    if (name !== 'ENV') continue;
    for (const m of args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g))
      env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

const exec = (stage: Instruction[], name: string): string[] => {
  const found = stage.find((i) => i.name === name);
  if (found === undefined) throw new Error(`no ${name} in the Dockerfile`);
  return JSON.parse(found.args) as string[];
};

describe('the container image', () => {
  const stage = finalStage(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const imageEnv = envOf(stage);
  let home: string;
  let port: number;

  /** The image's environment on this machine: its ENV, HOME and config dir in a temp dir, PATH for node. */
  const containerEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...cleanEnv(),
    ...imageEnv,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    CLAUDINE_AUTH__KEYRING_SERVICE: `claudine-test-${process.pid}`,
    ...extra,
  });

  /** ENTRYPOINT + CMD, with the image's /app/dist/main.js mapped to this checkout's build. */
  const commandLine = (): [string, string[]] => {
    const [node, ...args] = [...exec(stage, 'ENTRYPOINT'), ...exec(stage, 'CMD')];
    expect(node).toBe('node');
    return [process.execPath, args.map((a) => (a === '/app/dist/main.js' ? MAIN : a))];
  };

  const healthcheck = (env: NodeJS.ProcessEnv): Promise<{ code: number | null }> => {
    const health = stage.find((i) => i.name === 'HEALTHCHECK');
    const cmd = /CMD\s+(\[.*\])\s*$/.exec(health?.args ?? '');
    const [node, ...args] = JSON.parse(cmd?.[1] ?? '[]') as string[];
    expect(node).toBe('node');
    return run(process.execPath, args, { env, timeoutMs: 10_000 });
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'claudine-container-'));
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('runs as a non-root user, listens on all interfaces, has a readiness health check and a volume for the credential', () => {
    const user = stage.find((i) => i.name === 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(imageEnv['CLAUDINE_SERVER__HOST']).toBe('0.0.0.0');
    expect(stage.find((i) => i.name === 'HEALTHCHECK')?.args).toContain('/health/readiness');
    expect(stage.find((i) => i.name === 'EXPOSE')?.args).toBe(imageEnv['CLAUDINE_SERVER__PORT']);
    // Every CLAUDINE_* the image sets is a real setting with a valid value, and the volume is where the file
    // store writes.
    const { config } = loadConfig({ env: { ...imageEnv }, flags: [] });
    expect(config.auth.storage).toBe('file');
    const volume = JSON.parse(stage.find((i) => i.name === 'VOLUME')?.args ?? '[]') as string[];
    expect(volume).toContain(join(imageEnv['XDG_CONFIG_HOME'] ?? '', 'claudine'));
    expect(config.auth.file).toBe(join(volume[0] ?? '', 'auth.json'));
  });

  it('refuses to start on all interfaces without client keys', async () => {
    const [node, args] = commandLine();
    const result = await run(node, args, {
      env: containerEnv({ ANTHROPIC_API_KEY: 'sk-ant-test-not-a-real-key' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without client keys');
  });

  it('with client keys: serves only clients that present one, and the health check follows readiness', async () => {
    const [node, args] = commandLine();
    const env = containerEnv({
      CLAUDINE_SERVER__HOST: '127.0.0.1',
      CLAUDINE_SERVER__PORT: String(port),
      CLAUDINE_SERVER__API_KEYS: CLIENT_KEY,
    });

    // No credential yet (nothing in the volume, no ANTHROPIC_API_KEY): up, but not ready — unhealthy.
    const waiting = await startCommand(node, args, { env });
    try {
      expect(waiting.url).toBe(`http://127.0.0.1:${port}`);
      expect((await healthcheck(env)).code).toBe(1);
    } finally {
      waiting.kill();
      await waiting.exited;
    }

    // The demo upstream stands in for Claude: ready, healthy, and /v1 needs a client key.
    const demoEnv = { ...env, CLAUDINE_UPSTREAM__DEMO: 'true' };
    const server = await startCommand(node, args, { env: demoEnv });
    try {
      expect((await healthcheck(demoEnv)).code).toBe(0);
      const ask = (key: string | null): Promise<Response> =>
        fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
          },
          body: JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] }),
        });
      expect((await ask(null)).status).toBe(401);
      expect((await ask('client-key-wrong')).status).toBe(401);
      expect((await ask(CLIENT_KEY)).status).toBe(200);
      // SIGTERM (docker stop) drains and exits 0.
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.kill();
    }
  });

  it('the compose example passes the client keys and the upstream key, and mounts the credential volume', () => {
    const compose = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
    expect(compose).toContain('CLAUDINE_SERVER__API_KEYS: ${CLAUDINE_CLIENT_KEYS:?');
    expect(compose).toContain('ANTHROPIC_API_KEY: ${ANTHROPIC_API_KEY:-}');
    expect(compose).toContain(`claudine-config:${join(imageEnv['XDG_CONFIG_HOME'] ?? '', 'claudine')}`);
    expect(compose).toContain("'127.0.0.1:4000:4000'");
  });
});
