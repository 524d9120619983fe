import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigFlag } from '../../src/config/index.js';

const NO_FILE_ENV = { XDG_CONFIG_HOME: '/nonexistent-claudine-test-config' };

function tomlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'claudine-config-'));
  const path = join(dir, 'config.toml');
  writeFileSync(path, text);
  return path;
}

function load(env: NodeJS.ProcessEnv = {}, flags: ConfigFlag[] = [], configPath?: string) {
  return loadConfig({ env: { ...NO_FILE_ENV, ...env }, flags, configPath });
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration layers', () => {
  it('uses the documented defaults when nothing is set', () => {
    const { config, sources } = load();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 4000 });
    expect(config.log_level).toBe('info');
    expect(config.log_format).toBe('text');
    expect(config.shutdown).toEqual({ delay: 0, timeout: 10_000 });
    expect(config.upstream.base_url).toBe('https://api.anthropic.com/v1');
    expect(sources.get('server.port')?.kind).toBe('default');
  });

  it('lets the file override defaults, env override the file, and flags override env', () => {
    const file = tomlFile(
      'log_level = "warn"\n[server]\nport = 5001\nhost = "::1"\n[shutdown]\ndelay = "2s"\n',
    );
    const fileOnly = load({}, [], file);
    expect(fileOnly.config.server.port).toBe(5001);
    expect(fileOnly.config.server.host).toBe('::1');
    expect(fileOnly.config.shutdown.delay).toBe(2000);
    expect(fileOnly.sources.get('server.port')).toEqual({ kind: 'file', name: file });

    const withEnv = load({ CLAUDINE_SERVER__PORT: '5002', CLAUDINE_LOG_LEVEL: 'debug' }, [], file);
    expect(withEnv.config.server.port).toBe(5002);
    expect(withEnv.config.log_level).toBe('debug');
    expect(withEnv.sources.get('server.port')).toEqual({ kind: 'env', name: 'CLAUDINE_SERVER__PORT' });
    expect(withEnv.config.shutdown.delay).toBe(2000);

    const withFlag = load(
      { CLAUDINE_SERVER__PORT: '5002' },
      [{ flag: '--server--port', value: '5003' }],
      file,
    );
    expect(withFlag.config.server.port).toBe(5003);
    expect(withFlag.sources.get('server.port')).toEqual({ kind: 'flag', name: '--server--port' });
    expect(withFlag.config.log_level).toBe('warn');
  });

  it('reads the config path from CLAUDINE_CONFIG when -c is not given', () => {
    const file = tomlFile('[server]\nport = 6006\n');
    expect(load({ CLAUDINE_CONFIG: file }).config.server.port).toBe(6006);
  });

  it('nests env names with __ and flags with --, accepting dashes for underscores', () => {
    const { config } = load({ CLAUDINE_AUTH__OAUTH__CLIENT_ID: 'my-client' }, [
      { flag: '--log-format', value: 'json' },
      { flag: '--upstream--base-url', value: 'http://127.0.0.1:9/v1/' },
    ]);
    expect(config.auth.oauth.client_id).toBe('my-client');
    expect(config.log_format).toBe('json');
    expect(config.upstream.base_url).toBe('http://127.0.0.1:9/v1');
  });

  it('parses durations in ms, s, m and combined forms', () => {
    const d = (v: string) => load({ CLAUDINE_SHUTDOWN__TIMEOUT: v }).config.shutdown.timeout;
    expect(d('500ms')).toBe(500);
    expect(d('10s')).toBe(10_000);
    expect(d('2m')).toBe(120_000);
    expect(d('1m30s')).toBe(90_000);
    expect(d('0')).toBe(0);
  });

  it('expands ~ in paths', () => {
    expect(load({ CLAUDINE_AUTH__FILE: '~/x/auth.json' }).config.auth.file).toBe(
      join(homedir(), 'x/auth.json'),
    );
  });

  it('splits comma-separated lists from the environment', () => {
    expect(load({ CLAUDINE_SERVER__ALLOWED_HOSTS: 'a.local, b.local' }).config.server.allowed_hosts).toEqual([
      'a.local',
      'b.local',
    ]);
  });
});

describe('invalid values', () => {
  it('names the key, the env variable and what is allowed for a bad port', () => {
    expect(errorOf(() => load({ CLAUDINE_SERVER__PORT: 'abc' }))).toBe(
      'server.port from CLAUDINE_SERVER__PORT: "abc" is not a port (0-65535)',
    );
  });

  it('names the flag for a bad duration', () => {
    expect(errorOf(() => load({}, [{ flag: '--shutdown--delay', value: '5 minutes' }]))).toBe(
      'shutdown.delay from --shutdown--delay: "5 minutes" is not a duration such as 500ms, 10s or 2m',
    );
  });

  it('names the file for a bad log level', () => {
    const file = tomlFile('log_level = "loud"\n');
    expect(errorOf(() => load({}, [], file))).toBe(
      `log_level from ${file}: "loud" is not one of debug, info, warn, error`,
    );
  });

  it('refuses a bad log format, a bad URL and a bare number as a duration', () => {
    expect(errorOf(() => load({ CLAUDINE_LOG_FORMAT: 'xml' }))).toContain('is not one of text, json');
    expect(errorOf(() => load({ CLAUDINE_UPSTREAM__BASE_URL: 'ftp://x' }))).toContain(
      'is not an http(s) URL',
    );
    const file = tomlFile('[shutdown]\ntimeout = 5\n');
    expect(errorOf(() => load({}, [], file))).toContain('shutdown.timeout from');
  });

  it('refuses unknown settings in the file, the environment and flags', () => {
    const file = tomlFile('[server]\nprot = 1\n');
    expect(errorOf(() => load({}, [], file))).toBe(`server.prot from ${file}: unknown setting`);
    expect(errorOf(() => load({ CLAUDINE_SERVER__PROT: '1' }))).toContain(
      'CLAUDINE_SERVER__PROT: unknown setting',
    );
    expect(errorOf(() => load({}, [{ flag: '--server--prot', value: '1' }]))).toBe(
      '--server--prot: unknown flag',
    );
  });

  it('says when the config file is missing or not TOML', () => {
    expect(errorOf(() => load({}, [], '/nonexistent/claudine.toml'))).toContain('does not exist');
    const file = tomlFile('[server\nport=1');
    expect(errorOf(() => load({}, [], file))).toContain('invalid TOML');
  });
});
