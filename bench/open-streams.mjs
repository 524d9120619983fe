// Opens N concurrent streaming requests (one connection each) and keeps reading them. Started with an IPC
// channel by run.mjs: sends {type:'open', opened, errors} once every stream has delivered its first body
// bytes (or after openTimeoutMs), then {type:'done', finished, errors} once they have all ended (the
// harness releases them at the fake upstream) or after doneTimeoutMs; then exits.
// Usage: node bench/open-streams.mjs '<json: { origin, path, headers, body, count, openTimeoutMs, doneTimeoutMs }>'
import { Pool } from 'undici';

const config = JSON.parse(process.argv[2]);
const pool = new Pool(config.origin, {
  connections: config.count,
  pipelining: 1,
  bodyTimeout: 120_000,
  headersTimeout: 120_000,
});

let opened = 0;
let finished = 0;
let errors = 0;
let firstError = null;
let openSent = false;
const send = (m) => (process.send ? process.send(m) : process.stdout.write(JSON.stringify(m) + '\n'));

function maybeOpen(force = false) {
  if (openSent) return;
  if (force || opened + errors >= config.count) {
    openSent = true;
    send({ type: 'open', opened, errors, firstError });
  }
}

async function one() {
  try {
    const { statusCode, body } = await pool.request({
      method: 'POST',
      path: config.path,
      headers: config.headers,
      body: config.body,
    });
    if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`);
    let first = true;
    for await (const chunk of body) {
      if (first && chunk.length > 0) {
        first = false;
        opened++;
        maybeOpen();
      }
    }
    finished++;
  } catch (err) {
    errors++;
    firstError ??= String(err?.message ?? err);
    maybeOpen();
  }
}

const openTimer = setTimeout(() => maybeOpen(true), config.openTimeoutMs ?? 30_000);
const all = Promise.all(Array.from({ length: config.count }, one));
const doneTimer = setTimeout(() => {
  send({ type: 'done', finished, errors, firstError, timedOut: true });
  process.exit(0);
}, config.doneTimeoutMs ?? 60_000);
await all;
clearTimeout(openTimer);
clearTimeout(doneTimer);
maybeOpen(true);
send({ type: 'done', finished, errors, firstError, timedOut: false });
await pool.destroy();
process.exit(0);
