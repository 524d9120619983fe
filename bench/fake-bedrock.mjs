// The benchmark's Bedrock upstream: a small node:http server speaking Bedrock's InvokeModel wire with the
// benchmark's fixed answer (bench/fixture.mjs), so the Bedrock rows differ from the Anthropic ones only in
// the provider framing claudine has to decode.
//   POST /model/{id}/invoke-with-response-stream → `application/vnd.amazon.eventstream`: one AWS event-stream
//        frame per Anthropic event (`:event-type chunk`, payload `{"bytes":"<base64 of the event JSON>"}`),
//        encoded by @smithy/eventstream-codec (prelude and message CRCs), each frame its own write with a
//        setImmediate between writes, like the Anthropic fake. A user turn with STAMP_MARKER gets the paced,
//        stamped stream (inter-chunk latency), framed the same way at the moment of writing.
//   POST /model/{id}/invoke → the JSON message.
// Requests are checked cheaply, not verified: a SigV4 Authorization header made with the benchmark's
// obviously fake access key id, and an InvokeModel body (anthropic_version, no model, no stream). The full
// signature check lives in the tests' fake (test/helpers/fake-bedrock.ts); here it would only add the fake's
// own CPU to every row.
// Usage: node bench/fake-bedrock.mjs ACCESS_KEY_ID
// Prints one JSON line `{"msg":"fake bedrock listening","url":…}` on stderr when ready.
import http from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { EVENTS, MESSAGE_JSON, PACE_MS, STAMP_MARKER, stampedEvents } from './fixture.mjs';

const accessKeyId = process.argv[2];
if (!accessKeyId) throw new Error('usage: fake-bedrock.mjs ACCESS_KEY_ID');
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const CHUNK_HEADERS = {
  ':message-type': { type: 'string', value: 'event' },
  ':event-type': { type: 'string', value: 'chunk' },
  ':content-type': { type: 'string', value: 'application/json' },
};

/** One chunk frame carrying one Anthropic event's JSON text. */
function chunkFrame(json) {
  const payload = JSON.stringify({ bytes: Buffer.from(json).toString('base64') });
  return codec.encode({ headers: CHUNK_HEADERS, body: fromUtf8(payload) });
}

const eventJson = (sse) => sse.toString('utf8').split('\ndata: ')[1].trimEnd();
const FRAMES = EVENTS.map((e) => chunkFrame(eventJson(e)));

function awsError(res, status, type, message) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
  res.end(JSON.stringify({ message }));
}

const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeFrames(res, frames, paced) {
  for (const f of frames) {
    if (res.destroyed) return;
    const bytes = typeof f === 'function' ? f() : f;
    if (!res.write(bytes)) await new Promise((resolve) => res.once('drain', resolve));
    await (paced ? sleep(PACE_MS) : yieldTurn());
  }
  res.end();
}

let n = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`) || !req.headers['x-amz-date'])
      return awsError(res, 403, 'UnrecognizedClientException', 'missing or foreign SigV4 signature');
    const m = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(req.url ?? '');
    if (m === null) return awsError(res, 404, 'UnknownOperationException', String(req.url));
    const text = Buffer.concat(chunks).toString('utf8');
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return awsError(res, 400, 'ValidationException', 'Malformed input request');
    }
    if (body.anthropic_version !== 'bedrock-2023-05-31' || 'model' in body || 'stream' in body)
      return awsError(res, 400, 'ValidationException', 'not an InvokeModel body');
    const id = `fake-bedrock-${++n}`;
    if (m[2] === 'invoke') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': id });
      res.end(MESSAGE_JSON);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': id });
    if (text.includes(STAMP_MARKER)) {
      // Each stamped event is serialised (its getter stamps the time) and framed right before its write.
      const frames = stampedEvents().map((e) => () => chunkFrame(JSON.stringify(e)));
      void writeFrames(res, frames, true);
    } else void writeFrames(res, FRAMES, false);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stderr.write(
    JSON.stringify({ msg: 'fake bedrock listening', url: `http://127.0.0.1:${port}` }) + '\n',
  );
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
