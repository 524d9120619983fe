// The benchmark's upstream: claudine's simulated Claude (src/simulator, from dist/ — `npm run bench` builds
// first) on loopback, so every request the proxies send is checked against the real API's rules, answered
// with the fixed benchmark answer (bench/fixture.mjs) instead of the simulator's own text, so that figures
// stay comparable between runs and against the baselines.
//
// POST …/messages with `"stream": true` answers a realistic SSE stream: message_start, a text block of
// ~50 deltas of ~40 bytes, a tool_use block whose arguments arrive as input_json_delta fragments,
// message_delta with usage, message_stop. Without stream it answers the equivalent JSON message.
// Each event is its own write, with a setImmediate between writes, so a proxy sees events arrive in
// separate reads (as from a real provider) rather than one coalesced buffer, without any wall-clock delay.
//
// A request whose user turn carries STAMP_MARKER gets the same stream paced (PACE_MS between events), each
// text delta stamped with the moment it is written on the machine's monotonic clock (inter-chunk latency).
//
// A request whose user turn carries HOLD_MARKER gets the first part of the stream and is then held open
// until `POST /__bench/release` (used to measure memory per open stream). Held streams are also released
// after HOLD_LIMIT_MS so nothing can hang forever. `GET /__bench/stats` counts requests and held streams.
//
// Prints one JSON line `{"msg":"fake upstream listening","url":…}` on stderr when ready.
import { startSimulator } from '../dist/simulator/index.js';
import { EVENTS, HOLD_MARKER, MESSAGE_JSON, PACE_MS, STAMP_MARKER, stampedEvents } from './fixture.mjs';

const HOLD_LIMIT_MS = 60_000;
const HOLD_AT = 8; // message_start, content_block_start, 6 text deltas, then hold
const port = Number(process.env.PORT ?? 0);

let requests = 0;
let held = 0;
/** Settles when the benchmark asks for the held streams to finish. */
let release;
let released = new Promise((resolve) => (release = resolve));

const headers = {
  'anthropic-ratelimit-requests-limit': '4000',
  'anthropic-ratelimit-requests-remaining': '3999',
};

function json(res, body) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const simulator = await startSimulator({
  port,
  recordLimit: 0,
  yieldBetweenEvents: true,
  extraRoutes: {
    '/__bench/release': (res) => {
      const n = held;
      release();
      released = new Promise((resolve) => (release = resolve));
      json(res, { released: n });
    },
    '/__bench/stats': (res) => json(res, { requests, held }),
  },
  respond: ({ path, body }) => {
    if (path !== '/v1/messages') return undefined;
    requests++;
    if (!/"stream"\s*:\s*true/.test(body)) return { kind: 'reply', message: MESSAGE_JSON, headers };
    if (body.includes(STAMP_MARKER))
      return { kind: 'reply', events: stampedEvents(), headers, fault: { kind: 'slow', ms: PACE_MS } };
    if (!body.includes(HOLD_MARKER)) return { kind: 'reply', events: EVENTS, headers };
    held++;
    const until = released.then(() => held--);
    return {
      kind: 'reply',
      events: EVENTS,
      headers,
      fault: { kind: 'stall', afterEvents: HOLD_AT, ms: HOLD_LIMIT_MS, until },
    };
  },
});

process.stderr.write(JSON.stringify({ msg: 'fake upstream listening', url: simulator.url }) + '\n');

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
