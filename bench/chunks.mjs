// Inter-chunk latency: how long each streamed chunk spends between the upstream writing it and the client
// reading it, per row. The upstream paces the stream (fixture.mjs PACE_MS between events, so each chunk
// travels alone: this is latency, not throughput) and stamps every text delta with the moment it writes
// it, as nanoseconds of the machine's monotonic clock (process.hrtime.bigint(): CLOCK_MONOTONIC, the same
// clock in every process). This process reads the same clock when a body chunk arrives and finds the
// stamps in it; residence = arrival − stamp. The stamps travel inside the text, so they survive the
// translation to chat completion chunks and Bedrock's event-stream framing alike.
// Rows take turns, one stream at a time (round-robin, starting at a different row each round).
// Also recorded: the gap between consecutive stamped chunks at the client (what a reader sees) minus the
// gap between their stamps (what the upstream meant), i.e. the jitter the hop adds to the cadence.
// Usage: node bench/chunks.mjs '<json: { rounds, warmupRounds, rows: [{ id, origin, path, headers, body }] }>'
// Prints one JSON line: { pacingMs, rows: { id: { residenceUs: [...], gapAddedUs: [...], chunks, errors, firstError } } }
import { Client } from 'undici';
import { stampScanner } from './lib/stamps.mjs';

const config = JSON.parse(process.argv[2]);
const rows = config.rows.map((r) => ({
  ...r,
  client: new Client(r.origin, { pipelining: 1, keepAliveTimeout: 60_000 }),
  residenceUs: [],
  gapAddedUs: [],
  reads: 0,
  errors: 0,
  consecutive: 0,
  firstError: null,
  dropped: false,
}));

async function once(row, record) {
  const { statusCode, body } = await row.client.request({
    method: 'POST',
    path: row.path,
    headers: row.headers,
    body: row.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const scan = stampScanner({ bedrock: row.decode === 'bedrock' });
  let stamps = 0;
  let prevArrival = null;
  let prevStamp = null;
  for await (const chunk of body) {
    const arrival = process.hrtime.bigint();
    for (const stamp of scan(chunk)) {
      stamps++;
      if (record) {
        row.residenceUs.push(Number(arrival - stamp) / 1000);
        if (prevArrival !== null)
          row.gapAddedUs.push(Number(arrival - prevArrival - (stamp - prevStamp)) / 1000);
      }
      prevArrival = arrival;
      prevStamp = stamp;
    }
    if (record) row.reads++;
  }
  if (statusCode !== 200 || stamps === 0) throw new Error(`HTTP ${statusCode}, ${stamps} stamped chunks`);
}

const total = config.warmupRounds + config.rounds;
for (let round = 0; round < total; round++) {
  for (let k = 0; k < rows.length; k++) {
    const row = rows[(round + k) % rows.length];
    if (row.dropped) continue;
    try {
      await once(row, round >= config.warmupRounds);
      row.consecutive = 0;
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
    residenceUs: r.residenceUs,
    gapAddedUs: r.gapAddedUs,
    reads: r.reads,
    errors: r.errors,
    firstError: r.firstError,
    dropped: r.dropped,
  };
  await r.client.close();
}
process.stdout.write(JSON.stringify({ rows: out }) + '\n');
