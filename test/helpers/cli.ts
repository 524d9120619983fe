/**
 * Runs the built CLI (`dist/main.js`, built by `npm test` before the tests) as a real process.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './spawn.js';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A clean environment: no CLAUDINE_* or ANTHROPIC_* leaking in from the developer's shell. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CLAUDINE_') && !k.startsWith('ANTHROPIC_') && !k.startsWith('OTEL_')) env[k] = v;
  }
  // Keep a developer's own ~/.config/claudine/config.toml out of the tests.
  env['XDG_CONFIG_HOME'] = '/nonexistent-claudine-test-config';
  // Nor the developer's stored credential: a keyring service of the test's own.
  env['CLAUDINE_AUTH__KEYRING_SERVICE'] = `claudine-test-${process.pid}`;
  return { ...env, ...extra };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [MAIN, ...args], { env }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** stderr lines so far (the log). */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

/** Starts `claudine start` on port 0 and resolves once it logs the URL it listens on. */
export function startServerProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [MAIN, 'start', '--server--port', '0', '--log-format', 'json', ...args], {
        env,
      }),
    );
    const lines: string[] = [];
    let buffered = '';
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${lines.join('\n')}`)), 10_000);
    child.stderr.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        try {
          const record = JSON.parse(line) as { url?: string; msg?: string };
          if (record.msg === 'claudine is listening' && record.url !== undefined) {
            clearTimeout(timer);
            resolve({ child, url: record.url, lines, exited });
          }
        } catch {
          // Not JSON: the test that cares will see it in `lines`.
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
}
