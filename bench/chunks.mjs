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
import { closeRows, openRows, runRounds } from './lib/rounds.mjs';
import { stampScanner } from './lib/stamps.mjs';

const config = JSON.parse(process.argv[2]);
const rows = openRows(config.rows, () => ({ residenceUs: [], gapAddedUs: [], reads: 0 }));

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

await runRounds(rows, config, once);
const out = await closeRows(rows, ['residenceUs', 'gapAddedUs', 'reads']);
process.stdout.write(JSON.stringify({ rows: out }) + '\n');
