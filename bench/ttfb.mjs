// Time to first byte at one connection, interleaved: each round sends one request to every row in turn
// (starting at a different row each round, so no row always follows the same neighbour), one keep-alive
// connection per row. Records per request: ttfb (response headers in), first body bytes, whole response.
// Usage: node bench/ttfb.mjs '<json: { rounds, warmupRounds, rows: [{ id, origin, path, headers, body }] }>'
// Prints one JSON line: { rows: { id: { ttfb: [ms…], first: [ms…], total: [ms…], errors, firstError, dropped } } }
import { performance } from 'node:perf_hooks';
import { closeRows, openRows, runRounds } from './lib/rounds.mjs';

const config = JSON.parse(process.argv[2]);
const rows = openRows(config.rows, () => ({ ttfb: [], first: [], total: [] }));

async function once(row, record) {
  const t0 = performance.now();
  const { statusCode, body } = await row.client.request({
    method: 'POST',
    path: row.path,
    headers: row.headers,
    body: row.body,
  });
  const tHeaders = performance.now();
  let tFirst = NaN;
  let n = 0;
  for await (const chunk of body) {
    if (n === 0 && chunk.length > 0) tFirst = performance.now();
    n += chunk.length;
  }
  const tEnd = performance.now();
  if (statusCode !== 200 || n === 0) throw new Error(`HTTP ${statusCode}, ${n} body bytes`);
  if (record) {
    row.ttfb.push(tHeaders - t0);
    row.first.push(tFirst - t0);
    row.total.push(tEnd - t0);
  }
}

await runRounds(rows, config, once);
const out = await closeRows(rows, ['ttfb', 'first', 'total']);
process.stdout.write(JSON.stringify({ rows: out }) + '\n');
