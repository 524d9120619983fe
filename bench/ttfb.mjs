// Time to first byte at one connection, interleaved: each round sends one request to every row in turn
// (starting at a different row each round, so no row always follows the same neighbour), one keep-alive
// connection per row. Records per request: ttfb (response headers in), first body bytes, whole response.
// Usage: node bench/ttfb.mjs '<json: { rounds, warmupRounds, rows: [{ id, origin, path, headers, body }] }>'
// Prints one JSON line: { rows: { id: { ttfb: [ms…], first: [ms…], total: [ms…], errors, firstError, dropped } } }
import { Client } from 'undici';
import { performance } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
const rows = config.rows.map((r) => ({
  ...r,
  client: new Client(r.origin, { pipelining: 1, keepAliveTimeout: 60_000 }),
  ttfb: [],
  first: [],
  total: [],
  errors: 0,
  consecutive: 0,
  firstError: null,
  dropped: false,
}));

async function once(row) {
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
  return { ttfb: tHeaders - t0, first: tFirst - t0, total: tEnd - t0 };
}

const total = config.warmupRounds + config.rounds;
for (let round = 0; round < total; round++) {
  for (let k = 0; k < rows.length; k++) {
    const row = rows[(round + k) % rows.length];
    if (row.dropped) continue;
    try {
      const t = await once(row);
      row.consecutive = 0;
      if (round >= config.warmupRounds) {
        row.ttfb.push(t.ttfb);
        row.first.push(t.first);
        row.total.push(t.total);
      }
    } catch (err) {
      row.errors++;
      row.consecutive++;
      row.firstError ??= String(err?.message ?? err);
      if (row.consecutive >= 3) row.dropped = true;
    }
  }
}

const out = {};
for (const r of rows) {
  out[r.id] = {
    ttfb: r.ttfb,
    first: r.first,
    total: r.total,
    errors: r.errors,
    firstError: r.firstError,
    dropped: r.dropped,
  };
  await r.client.close();
}
process.stdout.write(JSON.stringify({ rows: out }) + '\n');
