#!/usr/bin/env node
/**
 * Process entry: runs the CLI, turns the first SIGTERM/SIGINT into one AbortSignal (graceful shutdown) and
 * a second one into an immediate exit.
 */
import { runCli } from './cli/index.js';

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) {
      process.stderr.write(`claudine: second ${signal}, exiting now\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    controller.abort();
  });
}

runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
    // Commands that finished have nothing left to do; don't wait for stray handles (stdin, timers).
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`claudine: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
