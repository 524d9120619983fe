// The answer the fake upstream gives and the requests the benchmark sends: one realistic assistant turn
// (~2 KB of text in ~50 deltas, then a tool call whose arguments stream in fragments).

const MODEL = 'claude-sonnet-4-5';
/** In the user turn: the benchmark upstream holds this stream open until released. */
export const HOLD_MARKER = '[bench:hold]';
/**
 * In the user turn: the benchmark upstream paces the stream (PACE_MS between events) and stamps each
 * text delta with the time it is written, on the machine's monotonic clock (process.hrtime.bigint(), shared
 * by every process), so a client in another process can tell how long each chunk spent on its way.
 */
export const STAMP_MARKER = '[bench:stamp]';
export const PACE_MS = 1;
// The stamp's form, `~t<nanoseconds>~`, is read by bench/lib/stamps.mjs.

const SENTENCE =
  'The forecast for the coming days shows mild temperatures with light winds from the west, ' +
  'occasional showers in the afternoon and clear skies at night; you may want an umbrella. ';

/** ~50 pieces of ~40 bytes each, cut on byte boundaries of plain ASCII text. */
function textPieces() {
  const pieces = [];
  let text = '';
  while (text.length < 50 * 40) text += SENTENCE;
  for (let i = 0; i < 50; i++) pieces.push(text.slice(i * 40, i * 40 + 40));
  return pieces;
}

export const TEXT_PIECES = textPieces();
export const TOOL_INPUT = { location: 'San Francisco, CA', unit: 'celsius', days: 3, include_hourly: false };
const TOOL_JSON = JSON.stringify(TOOL_INPUT);
/** The arguments in fragments of ~12 bytes, like the real API sends them. */
export const TOOL_FRAGMENTS = [];
for (let i = 0; i < TOOL_JSON.length; i += 12) TOOL_FRAGMENTS.push(TOOL_JSON.slice(i, i + 12));

const ID = 'msg_01BenchFakeUpstream0000';
const TOOL_ID = 'toolu_01BenchFakeUpstream000';
const usageStart = {
  input_tokens: 412,
  output_tokens: 1,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

function sse(type, data) {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

const events = [];
events.push(
  sse('message_start', {
    message: {
      id: ID,
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usageStart,
    },
  }),
);
events.push(sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
for (const text of TEXT_PIECES)
  events.push(sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
events.push(sse('content_block_stop', { index: 0 }));
events.push(
  sse('content_block_start', {
    index: 1,
    content_block: { type: 'tool_use', id: TOOL_ID, name: 'get_weather', input: {} },
  }),
);
for (const partial_json of TOOL_FRAGMENTS)
  events.push(sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json } }));
events.push(sse('content_block_stop', { index: 1 }));
events.push(
  sse('message_delta', {
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: { output_tokens: 187 },
  }),
);
events.push(sse('message_stop', {}));

/**
 * The same stream as objects, with each text delta's `text` a getter that stamps the moment the
 * simulator serialises the event, right before it writes it. Same event count; the text differs.
 */
export function stampedEvents() {
  const out = events.map((b) => JSON.parse(b.toString('utf8').split('\ndata: ')[1]));
  for (const e of out) {
    if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') {
      const filler = e.delta.text.slice(0, 16);
      Object.defineProperty(e.delta, 'text', {
        enumerable: true,
        get: () => `~t${process.hrtime.bigint()}~ ${filler}`,
      });
    }
  }
  return out;
}

/** Every SSE event of one streamed answer, pre-encoded. */
export const EVENTS = events;
/** Upstream events per streamed answer: the unit of "CPU time per chunk". */
export const EVENTS_PER_STREAM = events.length;
export const STREAM_BYTES = events.reduce((n, b) => n + b.length, 0);

/** The same answer as one JSON message (non-streaming). */
export const MESSAGE_JSON = Buffer.from(
  JSON.stringify({
    id: ID,
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [
      { type: 'text', text: TEXT_PIECES.join('') },
      { type: 'tool_use', id: TOOL_ID, name: 'get_weather', input: TOOL_INPUT },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: 412,
      output_tokens: 187,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  }),
);

const weatherToolAnthropic = {
  name: 'get_weather',
  description: 'Get the weather forecast for a location',
  input_schema: {
    type: 'object',
    properties: {
      location: { type: 'string' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer' },
      include_hourly: { type: 'boolean' },
    },
    required: ['location'],
  },
};

const SYSTEM = 'You are a helpful assistant. Answer briefly and call tools when they help.';
const USER =
  'What will the weather be like in San Francisco for the next three days? Should I bring an umbrella?';

/** A native Anthropic Messages request body. */
const userTurn = (hold, stamp) => `${USER}${hold ? ` ${HOLD_MARKER}` : ''}${stamp ? ` ${STAMP_MARKER}` : ''}`;

export function anthropicBody({ stream, model = MODEL, hold = false, stamp = false }) {
  return JSON.stringify({
    model,
    max_tokens: 1024,
    system: SYSTEM,
    messages: [{ role: 'user', content: userTurn(hold, stamp) }],
    tools: [weatherToolAnthropic],
    stream,
  });
}

/** The same request as a Bedrock InvokeModel body (no model, no stream: those are in the path). */
export function bedrockBody({ stamp = false } = {}) {
  const { model: _model, stream: _stream, ...rest } = JSON.parse(anthropicBody({ stream: true, stamp }));
  return JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', ...rest });
}

/** An OpenAI Chat Completions request body asking for the same thing. */
export function openaiBody({ stream, model = MODEL, hold = false, stamp = false }) {
  return JSON.stringify({
    model,
    max_tokens: 1024,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: userTurn(hold, stamp) },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: weatherToolAnthropic.name,
          description: weatherToolAnthropic.description,
          parameters: weatherToolAnthropic.input_schema,
        },
      },
    ],
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });
}
