// A TLS upstream that speaks HTTP/2 and HTTP/1.1 (ALPN), for the rows that compare claudine's upstream
// HTTP/1.1 pool with its opt-in HTTP/2 (`upstream.http2`): node:http2's secure server with allowHTTP1, which
// hands every request, whichever protocol it came in, to the benchmark's fake upstream over a keep-alive
// HTTP/1.1 pool. Both claudine rows pay this same front, so their difference is the upstream protocol.
// Certificate: made at run time by run.mjs (TEST ONLY).
// Usage: node bench/h2-front.mjs UPSTREAM_ORIGIN CERT_FILE KEY_FILE
// Prints one JSON line `{"msg":"h2 front listening","url":"https://127.0.0.1:PORT"}` on stderr when ready.
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const [upstream, certFile, keyFile] = process.argv.slice(2);
if (!upstream || !certFile || !keyFile)
  throw new Error('usage: h2-front.mjs UPSTREAM_ORIGIN CERT_FILE KEY_FILE');
const pool = new Pool(upstream, { connections: 2048, pipelining: 1, keepAliveTimeout: 30_000 });
const DROP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'content-length',
  'http2-settings',
]);
const protocols = { h2: 0, 'http/1.1': 0 };

const server = http2.createSecureServer(
  {
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    allowHTTP1: true,
    settings: { maxConcurrentStreams: 1000 },
  },
  (req, res) => {
    protocols[req.httpVersion === '2.0' ? 'h2' : 'http/1.1']++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const headers = {};
      for (const name in req.headers)
        if (!name.startsWith(':') && !DROP.has(name)) headers[name] = req.headers[name];
      const body = chunks.length > 0 ? Buffer.concat(chunks) : null;
      if (body) headers['content-length'] = String(body.length);
      pool.request({ method: req.method, path: req.url, headers, body }).then(
        (up) => {
          const out = {};
          for (const name in up.headers) if (!DROP.has(name)) out[name] = up.headers[name];
          res.writeHead(up.statusCode, out);
          pipeline(up.body, res, () => {});
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  },
);
server.on('sessionError', () => {});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stderr.write(
    JSON.stringify({ msg: 'h2 front listening', url: `https://127.0.0.1:${port}` }) + '\n',
  );
});
// run.mjs asks, at the end, which protocols the requests came in on (proof that the HTTP/2 row used h2).
process.on('message', (m) => {
  if (m === 'protocols') process.send?.({ protocols });
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
