// The bare pass-through: node:http in, undici Pool out, no logic at all (no parsing, no header rewriting
// beyond dropping hop-by-hop headers, no logging). The practical floor for any Node proxy.
// Usage: node bench/bare-proxy.mjs UPSTREAM_ORIGIN [--buffered]
//   default      the request body is streamed into undici as it arrives (chunked to the upstream)
//   --buffered   the (small) request body is read whole first, then sent as one Buffer with a
//                content-length: fewer writes and no chunked framing, the fastest honest hop for small
//                JSON bodies (issue 18)
// Prints one JSON line `{"msg":"bare proxy listening","url":…}` on stderr when ready.
import http from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: bare-proxy.mjs UPSTREAM_ORIGIN [--buffered]');
const buffered = process.argv.includes('--buffered');
const pool = new Pool(upstream, { connections: 2048, pipelining: 1, keepAliveTimeout: 30_000 });

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function forward(req, res, body) {
  const headers = {};
  for (const name in req.headers) if (!HOP.has(name)) headers[name] = req.headers[name];
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  pool.request({ method: req.method, path: req.url, headers, body }).then(
    (up) => {
      const out = {};
      for (const name in up.headers) if (!HOP.has(name)) out[name] = up.headers[name];
      res.writeHead(up.statusCode, out);
      pipeline(up.body, res, () => {});
    },
    () => {
      res.writeHead(502).end();
    },
  );
}

const server = http.createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  if (!hasBody) return forward(req, res, null);
  if (!buffered) return forward(req, res, req);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => forward(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  req.on('error', () => res.destroy());
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stderr.write(
    JSON.stringify({ msg: 'bare proxy listening', url: `http://127.0.0.1:${port}` }) + '\n',
  );
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
