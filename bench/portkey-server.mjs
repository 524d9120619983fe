// Starts the Portkey AI gateway (@portkey-ai/gateway, a Hono app on @hono/node-server) as its own process,
// bound to 127.0.0.1 on a free port. Its start script listens on every interface on `--port=N` (8787 by
// default) and prints a spinner; we patch net.Server#listen to force loopback and an OS-chosen port, then
// import the published start script unchanged.
// Prints one JSON line `{"msg":"portkey listening","url":…}` on stderr when ready.
import net from 'node:net';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const callback = args.find((a) => typeof a === 'function');
    args = [0, '127.0.0.1', ...(callback ? [callback] : [])];
  } else if (args[0] !== null && typeof args[0] === 'object') {
    args[0] = { ...args[0], port: 0, host: '127.0.0.1' };
  }
  this.once('listening', () => {
    const address = this.address();
    if (address && typeof address === 'object')
      process.stderr.write(
        JSON.stringify({ msg: 'portkey listening', url: `http://127.0.0.1:${address.port}` }) + '\n',
      );
  });
  return listen.apply(this, args);
};

// The start script reads its flags from process.argv: no UI, no log streaming page.
process.argv = [process.argv[0], 'start-server.js', '--headless'];
// `console.clear()` and the start-up banner go to stdout, which the harness ignores.

// Resolved from the project (where it is a pinned dev dependency) or from BENCH_DEPS_DIR (a side install,
// `npm install --prefix DIR @portkey-ai/gateway`, for trying the bench without touching package.json).
let pkgJson;
for (const base of [
  import.meta.url,
  process.env.BENCH_DEPS_DIR && pathToFileURL(path.join(process.env.BENCH_DEPS_DIR, 'x.js')).href,
]) {
  if (!base) continue;
  try {
    pkgJson = createRequire(base).resolve('@portkey-ai/gateway/package.json');
    break;
  } catch {
    // try the next place
  }
}
if (pkgJson === undefined) {
  process.stderr.write(
    JSON.stringify({ msg: 'portkey not installed', error: '@portkey-ai/gateway not found' }) + '\n',
  );
  process.exit(3);
}
const entry = path.join(path.dirname(pkgJson), 'build', 'start-server.js');
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
await import(pathToFileURL(entry).href);
