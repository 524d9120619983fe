/**
 * CLI comfort (issue 17): shortcuts for the port and host, "did you mean" for near misses, a short
 * `start --help` with the full list behind --help-all, and `claudine doctor` with a verdict per line —
 * checked against the simulated Claude, which accepts only the key it was given.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../src/cli/index.js';
import { settingSpecs, keyToFlag } from '../../src/config/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { Capture } from '../auth/helpers.js';
import { cleanEnv, runCli } from '../helpers/cli.js';

const FAKE_KEY = 'sk-ant-test-not-a-real-key';
const WRONG_KEY = 'sk-ant-test-wrong-not-real';

describe('near misses get a suggestion', () => {
  it.each([
    [['start', '--prot', '1'], 'unknown flag --prot (did you mean --port?)'],
    [['start', '--server--prot', '1'], 'unknown flag --server--prot (did you mean --server--port?)'],
    [['start', '-port', '1'], 'unknown flag -port (did you mean --port?)'],
    [['start', '--lgo-level', 'debug'], 'unknown flag --lgo-level (did you mean --log-level?)'],
    [['start', '--upstreem', 'demo'], 'unknown flag --upstreem (did you mean --upstream?)'],
    [['strat'], 'unknown command "strat" (did you mean "start"?)'],
    [['doctr'], 'unknown command "doctr" (did you mean "doctor"?)'],
    [['auth', 'statsu'], 'unknown command "auth statsu" (did you mean "auth status"?)'],
    [['auth', 'lgoin'], 'unknown command "auth lgoin" (did you mean "auth login"?)'],
  ])('%j', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toBe(`claudine: ${message}\n`);
  });

  it('suggests nothing for a word that is not close to anything', async () => {
    const { code, stderr } = await runCli(['start', '--completely-different', '1']);
    expect(code).toBe(2);
    expect(stderr).toBe('claudine: unknown flag --completely-different (see claudine --help)\n');
  });
});

describe('shortcuts and help', () => {
  it('-p/--port and --host set server.port and server.host', async () => {
    for (const args of [
      ['-p', '5005', '--host', '::1'],
      ['--port', '5005', '--host=::1'],
      ['--port=5005', '--host', '::1'],
    ]) {
      const { code, stdout } = await runCli(['config', 'show', ...args]);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toContain('server.port = 5005  # flag: --server--port');
      expect(stdout).toContain('server.host = "::1"  # flag: --server--host');
    }
  });

  it('start --help is short; --help-all lists every setting', async () => {
    const short = await runCli(['start', '--help']);
    expect(short.code).toBe(0);
    expect(short.stdout.split('\n').length).toBeLessThanOrEqual(25);
    expect(short.stdout).toContain('-p, --port PORT');
    expect(short.stdout).toContain('--host ADDRESS');
    expect(short.stdout).toContain('--help-all');
    const all = await runCli(['start', '--help-all']);
    expect(all.code).toBe(0);
    for (const spec of settingSpecs()) expect(all.stdout).toContain(keyToFlag(spec.key));
  });
});

describe('claudine doctor', () => {
  let simulator: Simulator;
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    simulator = await startSimulator({ acceptKey: (key) => key === FAKE_KEY });
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await simulator.close();
    await new Promise((resolve) => busy.close(resolve));
  });

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  /** `verdict name` for each check line. */
  const verdicts = (stdout: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const m = /^(ok|warn|FAIL|skip)\s+(\w+)\s/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) out[m[2]] = m[1];
    }
    return out;
  };

  it('passes when the credential is accepted, the port is free and the clock agrees', async () => {
    const env = cleanEnv({ ANTHROPIC_API_KEY: FAKE_KEY });
    const args = ['doctor', '--auth--storage', 'env', '--upstream--base-url', simulator.baseUrl];
    const { code, stdout } = await runCli([...args, '-p', String(await freePort())], env);
    expect(stdout).toContain('All checks passed.');
    expect(code).toBe(0);
    const v = verdicts(stdout);
    expect(v).toMatchObject({
      config: 'ok',
      upstream: 'ok',
      credential: 'ok',
      accepted: 'ok',
      port: 'ok',
      clock: 'ok',
    });
    expect(['ok', 'skip']).toContain(v['keyring']);
    expect(stdout).toContain('loaded from environment variable ANTHROPIC_API_KEY');
    expect(stdout).toMatch(/^ok\s+config\s+no config file; .*flags .*--upstream--base-url/m);
    expect(stdout).not.toContain(FAKE_KEY);
  });

  it('fails the lines that are wrong, and says what to do, never showing the key', async () => {
    const env = cleanEnv({ ANTHROPIC_API_KEY: WRONG_KEY });
    const args = ['doctor', '--auth--storage', 'env', '--upstream--base-url', simulator.baseUrl];
    const { code, stdout } = await runCli([...args, '-p', String(busyPort)], env);
    expect(code).toBe(1);
    const v = verdicts(stdout);
    expect(v).toMatchObject({ credential: 'ok', accepted: 'FAIL', port: 'FAIL' });
    expect(stdout).toMatch(/FAIL\s+accepted\s+rejected by the upstream \(HTTP 401/);
    expect(stdout).toContain(`127.0.0.1:${busyPort} is in use`);
    expect(stdout).toContain('2 checks failed.');
    expect(stdout).not.toContain(WRONG_KEY);
  });

  it('says when there is no credential and the keyring cannot be used', async () => {
    const stdout = new Capture();
    const refusing = () => ({
      getPassword: () => Promise.reject(new Error('AccessDenied')),
      setPassword: () => Promise.reject(new Error('AccessDenied')),
      deletePassword: () => Promise.reject(new Error('AccessDenied')),
    });
    const code = await runCliInProcess(['doctor', '-p', '0'], {
      env: cleanEnv(),
      stdin: process.stdin,
      stdout,
      stderr: new Capture(),
      signal: new AbortController().signal,
      keyring: refusing,
    });
    expect(code).toBe(1);
    const v = verdicts(stdout.text);
    expect(v).toMatchObject({ keyring: 'FAIL', accepted: 'skip', port: 'skip', clock: 'skip' });
    expect(stdout.text).toContain('claudine auth login --auth--storage file');
  });
});
