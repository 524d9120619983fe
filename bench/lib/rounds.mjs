// The interleaved rounds the one-connection phases share (ttfb.mjs, chunks.mjs): one keep-alive connection
// per row; each round sends one request to every row in turn, starting at a different row each round, so
// no row always follows the same neighbour. A row that fails three times in a row is dropped.
import { Client } from 'undici';

/** The rows with a client each, their error counters and the per-row records `fields()` makes. */
export function openRows(rows, fields) {
  return rows.map((r) => ({
    ...r,
    client: new Client(r.origin, { pipelining: 1, keepAliveTimeout: 60_000 }),
    errors: 0,
    consecutive: 0,
    firstError: null,
    dropped: false,
    ...fields(),
  }));
}

/** Runs `warmupRounds + rounds` rounds of `once(row, record)`; `record` is false while warming up. */
export async function runRounds(rows, { rounds, warmupRounds }, once) {
  const total = warmupRounds + rounds;
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(round + k) % rows.length];
      if (row.dropped) continue;
      try {
        await once(row, round >= warmupRounds);
        row.consecutive = 0;
      } catch (err) {
        row.errors++;
        row.consecutive++;
        row.firstError ??= String(err?.message ?? err);
        if (row.consecutive >= 3) row.dropped = true;
      }
    }
  }
}

/** Closes the clients; returns `{ id: { ...the named records, errors, firstError, dropped } }`. */
export async function closeRows(rows, keys) {
  const out = {};
  for (const r of rows) {
    const records = {};
    for (const key of keys) records[key] = r[key];
    out[r.id] = { ...records, errors: r.errors, firstError: r.firstError, dropped: r.dropped };
    await r.client.close();
  }
  return out;
}
