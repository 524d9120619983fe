// A fake Anthropic Messages API on loopback, for the benchmark only.
//
// POST …/messages with `"stream": true` answers a realistic SSE stream: message_start, a text block of
// ~50 deltas of ~40 bytes, a tool_use block whose arguments arrive as input_json_delta fragments,
// message_delta with usage, message_stop. Without stream it answers the equivalent JSON message.
// Each event is its own write, with a setImmediate between writes, so a proxy sees events arrive in
// separate reads (as from a real provider) rather than one coalesced buffer, without any wall-clock delay.
//
// A request whose body names the model `claude-bench-hold` gets the first part of the stream and is then
// held open until `POST /__bench/release` (used to measure memory per open stream). Held streams are also
// released after HOLD_LIMIT_MS so nothing can hang forever.
//
// Prints one JSON line `{"msg":"fake upstream listening","url":…}` on stderr when ready.
import http from 'node:http';
import { EVENTS, MESSAGE_JSON } from './fixture.mjs';

const HOLD_LIMIT_MS = 60_000;
const port = Number(process.env.PORT ?? 0);

const held = new Set();
let requests = 0;

/** Writes events[from..to) one per turn of the event loop; resolves when done or the socket is gone. */
function writeEvents(res, from, to) {
  return new Promise((resolve) => {
    let i = from;
    const next = () => {
      if (res.destroyed) return resolve(false);
      if (i >= to) return resolve(true);
      const ok = res.write(EVENTS[i++]);
      if (ok) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  });
}

const HOLD_AT = 8; // message_start, content_block_start, 6 text deltas, then hold

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url === '/__bench/release') {
    const n = held.size;
    for (const release of held) release();
    held.clear();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ released: n }));
    return;
  }
  if (req.method === 'GET' && url === '/__bench/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, held: held.size }));
    return;
  }
  if (req.method !== 'POST' || !url.split('?')[0].endsWith('/messages')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"type":"error","error":{"type":"not_found_error","message":"not found"}}');
    return;
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    requests++;
    const body = Buffer.concat(parts).toString('utf8');
    const stream = /"stream"\s*:\s*true/.test(body);
    const headers = {
      'request-id': 'req_bench_0001',
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': '3999',
    };
    if (!stream) {
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/json',
        'content-length': MESSAGE_JSON.length,
      });
      res.end(MESSAGE_JSON);
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    const hold = body.includes('claude-bench-hold');
    void (async () => {
      if (!hold) {
        if (await writeEvents(res, 0, EVENTS.length)) res.end();
        return;
      }
      if (!(await writeEvents(res, 0, HOLD_AT))) return;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, HOLD_LIMIT_MS);
        const release = () => {
          clearTimeout(timer);
          held.delete(release);
          resolve();
        };
        held.add(release);
        res.once('close', release);
      });
      if (await writeEvents(res, HOLD_AT, EVENTS.length)) res.end();
    })();
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.maxRequestsPerSocket = 0;

server.listen(port, '127.0.0.1', () => {
  const { port: p } = server.address();
  process.stderr.write(
    JSON.stringify({ msg: 'fake upstream listening', url: `http://127.0.0.1:${p}` }) + '\n',
  );
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
