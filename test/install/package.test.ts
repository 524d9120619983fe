/**
 * The install paths a new user takes, for real: a fresh clone of this repository, the README's install
 * command (`npm ci`, which builds through `prepare`), `npx claudine` in the clone, `npm pack`, a global
 * install of the tarball into a temporary prefix, and the installed command starting a server.
 *
 * Offline-ish: npm resolves everything from its cache (--prefer-offline) and only asks the npm registry for
 * what the cache lacks. The clone is of the committed HEAD, so uncommitted changes are not what is tested.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startCommand, type StartedCommand } from '../helpers/spawn.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** npm and the tests' own variables must not leak into the nested npm runs (npm test sets npm_* for scripts). */
function installEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|CLAUDINE_|ANTHROPIC_|OTEL_|INIT_CWD)/i.test(k)) continue;
    env[k] = v;
  }
  // The user's npm cache keeps this offline-ish; their config dir and keyring are not touched.
  env['npm_config_cache'] = process.env['npm_config_cache'] ?? join(process.env['HOME'] ?? home, '.npm');
  env['XDG_CONFIG_HOME'] = join(home, 'config');
  env['CLAUDINE_AUTH__KEYRING_SERVICE'] = `claudine-test-${process.pid}`;
  env['npm_config_update_notifier'] = 'false';
  env['npm_config_prefer_offline'] = 'true';
  env['npm_config_fund'] = 'false';
  env['npm_config_audit'] = 'false';
  return env;
}

describe('installing claudine', () => {
  let dir: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;
  const servers: StartedCommand[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'claudine-install-'));
    clone = join(dir, 'clone');
    env = installEnv(dir);
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { stdio: 'pipe' });
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) server.kill();
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("from a clone: the README install command builds, and npx claudine runs the clone's own command", async () => {
    const ci = await run('npm', ['ci', '--prefer-offline'], { cwd: clone, env, timeoutMs: 420_000 });
    expect(ci.code, ci.stderr).toBe(0);
    for (const npx of [['claudine'], ['--no-install', 'claudine']]) {
      const version = await run('npx', [...npx, '--version'], { cwd: clone, env, timeoutMs: 90_000 });
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout).toMatch(/^claudine \d+\.\d+\.\d+\n$/);
    }
  }, 540_000);

  it('as a single executable: one npm script builds it, and it runs on its own', async () => {
    const sea = await run('npm', ['run', 'build:sea'], { cwd: clone, env, timeoutMs: 180_000 });
    expect(sea.code, sea.stderr).toBe(0);
    const bin = join(clone, 'build', 'sea', 'claudine');
    expect(readdirSync(join(clone, 'build', 'sea')).sort()).toEqual(['claudine', 'keyring.node']);
    // Run from elsewhere, with no node_modules or package.json in reach.
    const version = await run(bin, ['--version'], { cwd: dir, env, timeoutMs: 30_000 });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^claudine \d+\.\d+\.\d+\n$/);
    expect(version.stderr).toBe('');
    const server = await startCommand(
      bin,
      ['start', '--upstream', 'demo', '-p', '0', '--log-format', 'json'],
      {
        cwd: dir,
        env,
      },
    );
    servers.push(server);
    expect((await fetch(`${server.url}/health/readiness`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 240_000);

  it('from a tarball: npm pack ships the built code, and a global install gives a working claudine', async () => {
    const pack = await run('npm', ['pack', '--pack-destination', dir], {
      cwd: clone,
      env,
      timeoutMs: 60_000,
    });
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = readdirSync(dir).find((f) => /^claudine-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    const listing = execFileSync('tar', ['tzf', join(dir, tarball ?? '')], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/main.js');
    expect(listing).toContain('package/dist/cli/index.js');
    expect(listing).not.toMatch(/package\/(src|test)\//);
    expect(listing).not.toContain('.map');

    const prefix = join(dir, 'prefix');
    const install = await run(
      'npm',
      ['install', '--global', '--prefer-offline', '--prefix', prefix, join(dir, tarball ?? '')],
      { cwd: dir, env, timeoutMs: 180_000 },
    );
    expect(install.code, install.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'claudine');
    const version = await run(bin, ['--version'], { cwd: dir, env, timeoutMs: 30_000 });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^claudine \d+\.\d+\.\d+\n$/);

    // The installed command, the way the README's quick start runs it: the demo upstream, no key.
    const server = await startCommand(
      bin,
      ['start', '--upstream', 'demo', '-p', '0', '--log-format', 'json'],
      {
        cwd: dir,
        env,
      },
    );
    servers.push(server);
    expect((await fetch(`${server.url}/health/readiness`)).status).toBe(200);
    const answer = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toContain('claudine demo');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 300_000);
});
