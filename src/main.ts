#!/usr/bin/env node
/**
 * Process entry: runs the CLI, turns the first SIGTERM/SIGINT into one AbortSignal (graceful shutdown) and
 * a second one into an immediate exit.
 */
import module from 'node:module';

// V8's code cache for claudine's own modules and its dependencies, kept in the OS temp directory, on Node
// 22.1 and later (it skips recompiling them at every start; NODE_DISABLE_COMPILE_CACHE=1 turns it off). The
// system Node 20 has no such call: nothing happens there. Before the CLI is imported, so it covers it.
// (A dynamic import, not top-level await: the single-executable build bundles this file as CommonJS.)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

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

import('./cli/index.js')
  .then(({ runCli }) =>
    runCli(process.argv.slice(2), {
      env: process.env,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      signal: controller.signal,
    }),
  )
  .then(
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
