import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../helpers/cli.js';

describe('the claudine command', () => {
  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^claudine \d+\.\d+\.\d+\n$/);
  });

  it('has help for every command', async () => {
    for (const args of [['--help'], ['start', '--help'], ['config', 'show', '--help'], ['auth', '--help']]) {
      const { code, stdout } = await runCli(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout, args.join(' ')).toContain('Usage');
    }
    expect((await runCli(['start', '--help'])).stdout).toContain('CLAUDINE_SERVER__PORT');
  });

  it('fails with one line naming an unknown command', async () => {
    const { code, stderr } = await runCli(['serve']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('unknown command "serve"');
  });

  it('fails with one line naming an unknown flag', async () => {
    const { code, stderr } = await runCli(['start', '--server--prot', '1']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('unknown flag --server--prot');
  });

  it('fails at start-up with the key, its source and what is allowed', async () => {
    const { code, stderr } = await runCli(['start'], cleanEnv({ CLAUDINE_SERVER__PORT: 'abc' }));
    expect(code).toBe(2);
    expect(stderr).toContain('server.port from CLAUDINE_SERVER__PORT: "abc" is not a port');
  });

  it('shows the resolved configuration with the source of every value across all four layers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claudine-cli-'));
    const file = join(dir, 'config.toml');
    writeFileSync(
      file,
      'log_level = "warn"\n[server]\nport = 5001\n[shutdown]\ndelay = "1s"\ntimeout = "3s"\n',
    );
    const env = cleanEnv({ CLAUDINE_SERVER__PORT: '5002', CLAUDINE_SHUTDOWN__DELAY: '2s' });
    const { code, stdout } = await runCli(['config', 'show', '-c', file, '--server--port', '5003'], env);
    expect(code).toBe(0);
    expect(stdout).toContain('server.port = 5003  # flag: --server--port');
    expect(stdout).toContain('shutdown.delay = "2000ms"  # env: CLAUDINE_SHUTDOWN__DELAY');
    expect(stdout).toContain(`shutdown.timeout = "3000ms"  # file: ${file}`);
    expect(stdout).toContain(`log_level = "warn"  # file: ${file}`);
    expect(stdout).toContain('server.host = "127.0.0.1"  # default');
  });

  it('redacts secrets in config show', async () => {
    const env = cleanEnv({
      CLAUDINE_SERVER__API_KEYS: 'client-key-not-real-1,client-key-not-real-2',
      CLAUDINE_AUTH__OAUTH__CLIENT_SECRET: 'oauth-secret-not-real',
    });
    const { code, stdout } = await runCli(['config', 'show'], env);
    expect(code).toBe(0);
    expect(stdout).toContain('server.api_keys = "<redacted>"  # env: CLAUDINE_SERVER__API_KEYS');
    expect(stdout).toContain('auth.oauth.client_secret = "<redacted>"');
    expect(stdout).not.toContain('not-real');
  });
});
