/**
 * Child processes for tests, never left behind: every process started here is recorded and killed when the
 * test file ends (test/setup.ts) or the test runner exits, even when an assertion failed half-way.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';

const live = new Set<ChildProcess>();

/** Kills every process a test started and that is still running. */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
process.once('exit', killAllChildren);

export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('close', () => live.delete(child));
  return child;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** The process is killed (and the result says so in stderr) after this long; 30 s by default. */
  readonly timeoutMs?: number;
}

/** Runs a command to its end and collects its output; bounded in time. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env }));
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n[test] ${command} ${args.join(' ')}: killed after ${options.timeoutMs ?? 30_000} ms\n`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface StartedCommand {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** stderr lines so far (the log). */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  kill(): void;
}

/**
 * Starts a `claudine start … --log-format json` command line and resolves once it logs the URL it listens
 * on; rejects (and kills it) when it exits first or takes longer than timeoutMs.
 */
export function startCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<StartedCommand> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env }));
    const lines: string[] = [];
    let buffered = '';
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${command} did not start listening:\n${lines.join('\n')}`));
    }, options.timeoutMs ?? 15_000);
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
            resolve({ child, url: record.url, lines, exited, kill });
          }
        } catch {
          // Not JSON: the test that cares will see it in `lines`.
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
}
