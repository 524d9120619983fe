/**
 * Property tests of the stream state machine (createChunkTranslator): fed any sequence of well-typed
 * upstream events — out of order, repeated, unknown types — it never throws and never emits anything a client
 * could choke on; fed a well-formed stream, what it emits adds up to exactly what the upstream said.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createChunkTranslator, type OpenAIStreamPayload } from '../../src/adapter/index.js';
import type { AnthropicStreamEvent, ChatCompletionChunk } from '../../src/wire/index.js';
import {
  messageEnd,
  messageStart,
  redactedThinkingBlock,
  textBlock,
  thinkingBlock,
  toolUseBlock,
  type StreamEvent,
} from '../helpers/anthropic-streams.js';

const JSON_TOOL = 'json_response';

function isChunk(payload: OpenAIStreamPayload): payload is ChatCompletionChunk {
  return !('error' in payload);
}

// ---------------------------------------------------------------- plausible events, any order

const text = fc.oneof(
  fc.constantFrom('', ' ', 'Hello', 'é世界🎉', '{"a":', '1}'),
  fc.string({ maxLength: 8 }),
);
const index = fc.oneof({ weight: 5, arbitrary: fc.nat(4) }, fc.constantFrom(-1, 1.5, 1e9, Number.NaN));
const usage = fc.record(
  {
    input_tokens: fc.oneof(fc.nat(10_000), fc.constant(null)),
    output_tokens: fc.nat(10_000),
    cache_read_input_tokens: fc.oneof(fc.nat(1000), fc.constant(null)),
    cache_creation_input_tokens: fc.oneof(fc.nat(1000), fc.constant(null)),
  },
  { requiredKeys: ['output_tokens'] },
);
const stopReason = fc.constantFrom(
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
  'something_new',
  null,
);
const contentBlock = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({
    type: fc.constant('tool_use'),
    id: fc.constantFrom('toolu_1', 'toolu_2'),
    name: fc.constantFrom('get_weather', JSON_TOOL),
    input: fc.constant({}),
  }),
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.constantFrom('', 'sig') }),
  fc.record({ type: fc.constant('redacted_thinking'), data: fc.constantFrom('opaque') }),
  fc.record({
    type: fc.constantFrom('server_tool_use', 'web_search_tool_result', 'future_block'),
    id: fc.constant('x'),
  }),
);
const delta = fc.oneof(
  fc.record({ type: fc.constant('text_delta'), text }),
  fc.record({ type: fc.constant('input_json_delta'), partial_json: text }),
  fc.record({ type: fc.constant('thinking_delta'), thinking: text }),
  fc.record({ type: fc.constant('signature_delta'), signature: fc.constantFrom('sig_a', '') }),
  fc.record({ type: fc.constantFrom('citations_delta', 'future_delta'), citation: fc.constant({}) }),
);
const event: fc.Arbitrary<StreamEvent> = fc.oneof(
  fc.record({
    type: fc.constant('message_start'),
    message: fc
      .record({ id: fc.constantFrom('msg_1', 'msg_2'), usage })
      .map((m) => ({ ...(messageStart().message as object), ...m })),
  }),
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('content_block_start'), index, content_block: contentBlock }),
  },
  { weight: 5, arbitrary: fc.record({ type: fc.constant('content_block_delta'), index, delta }) },
  fc.record({ type: fc.constant('content_block_stop'), index }),
  fc.record({
    type: fc.constant('message_delta'),
    delta: fc.record({ stop_reason: stopReason, stop_sequence: fc.constant(null) }),
    usage,
  }),
  fc.constant({ type: 'message_stop' }),
  fc.constant({ type: 'ping' }),
  fc.record({
    type: fc.constant('error'),
    error: fc.record({
      type: fc.constantFrom(
        'overloaded_error',
        'api_error',
        'rate_limit_error',
        'invalid_request_error',
        'new_error',
      ),
      message: text,
    }),
  }),
  fc.record({
    type: fc.constantFrom('future_event', 'message', 'content_block'),
    data: fc.jsonValue({ maxDepth: 1 }),
  }),
);

describe('the chunk translator on plausible events in any order', () => {
  it('never throws, emits only well-formed payloads, and stops for good at message_stop or error', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 30 }),
        fc.boolean(),
        fc.constantFrom(undefined, 'chatcmpl-fixed'),
        fc.constantFrom(null, JSON_TOOL),
        (events, includeUsage, id, jsonTool) => {
          const t = createChunkTranslator({ created: 1, model: 'claude-test', includeUsage, id, jsonTool });
          let toolCallsAnnounced = 0;
          let finishChunks = 0;
          let errors = 0;
          for (const e of events) {
            const wasDone = t.done;
            const out = t.step(e as AnthropicStreamEvent);
            if (wasDone) expect(out).toEqual([]);
            for (const payload of out) {
              // What the route writes must survive JSON.
              expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
              if (!isChunk(payload)) {
                errors++;
                expect(typeof payload.error.message).toBe('string');
                expect(payload.error.message.length).toBeGreaterThan(0);
                expect(t.done).toBe(true);
                expect(t.error?.body).toEqual(payload);
                continue;
              }
              expect(payload.object).toBe('chat.completion.chunk');
              expect(payload.model).toBe('claude-test');
              if (id !== undefined) expect(payload.id).toBe(id);
              expect(payload.choices.length).toBeLessThanOrEqual(1);
              const choice = payload.choices[0];
              if (choice === undefined) {
                expect(includeUsage && payload.usage !== undefined).toBe(true);
                continue;
              }
              if (choice.finish_reason !== null) finishChunks++;
              for (const call of choice.delta.tool_calls ?? []) {
                if (call.id !== undefined) {
                  // A new call is announced with the next index, in order.
                  expect(call.index).toBe(toolCallsAnnounced++);
                  if (jsonTool !== null) expect(call.function?.name).not.toBe(jsonTool);
                } else {
                  expect(call.index).toBeLessThan(toolCallsAnnounced);
                  expect((call.function?.arguments ?? '').length).toBeGreaterThan(0);
                }
              }
              if (choice.delta.content !== undefined)
                expect((choice.delta.content ?? '').length).toBeGreaterThan(0);
            }
          }
          expect(finishChunks + errors).toBeLessThanOrEqual(1);
          expect(finishChunks + errors === 1).toBe(t.done);
          const tail = t.end();
          if (finishChunks + errors === 1) expect(tail).toEqual([]);
          else {
            expect(tail).toHaveLength(1);
            expect(t.error?.status).toBe(502);
          }
          expect(t.done).toBe(true);
          expect(t.end()).toEqual([]);
        },
      ),
      { numRuns: 600 },
    );
  });
});

// ---------------------------------------------------------------- well-formed streams

type Block =
  | { kind: 'text'; pieces: string[] }
  | { kind: 'tool'; id: string; name: string; jsonPieces: string[] }
  | { kind: 'thinking'; pieces: string[]; signature: string }
  | { kind: 'redacted'; data: string };

const pieces = fc.array(text, { maxLength: 4 });
const block: fc.Arbitrary<Block> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('text' as const), pieces }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tool' as const),
      id: fc.string({ minLength: 1, maxLength: 6 }).map((s) => `toolu_${s}`),
      name: fc.constantFrom('get_weather', 'search', JSON_TOOL),
      jsonPieces: pieces,
    }),
  },
  fc.record({ kind: fc.constant('thinking' as const), pieces, signature: fc.constantFrom('sig_1', 'sig_2') }),
  fc.record({ kind: fc.constant('redacted' as const), data: fc.constantFrom('opaque_1') }),
);

function blockEvents(b: Block, i: number): StreamEvent[] {
  switch (b.kind) {
    case 'text':
      return textBlock(i, b.pieces);
    case 'tool':
      return toolUseBlock(i, b);
    case 'thinking':
      return thinkingBlock(i, b.pieces, b.signature);
    case 'redacted':
      return redactedThinkingBlock(i, b.data);
  }
}

describe('the chunk translator on well-formed streams', () => {
  it('passes on exactly the text, reasoning, tool calls, finish reason and usage the upstream sent', () => {
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 5 }),
        stopReason,
        fc.record({ input: fc.nat(5000), output: fc.nat(5000), cacheRead: fc.nat(100) }),
        fc.boolean(),
        fc.constantFrom(null, JSON_TOOL),
        (blocks, stop, counts, includeUsage, jsonTool) => {
          const events: StreamEvent[] = [
            messageStart({
              id: 'msg_x',
              usage: {
                input_tokens: counts.input,
                output_tokens: 1,
                cache_read_input_tokens: counts.cacheRead,
              },
            }),
            { type: 'ping' },
            ...blocks.flatMap(blockEvents),
            ...messageEnd(stop ?? 'end_turn', counts.output),
          ];
          const t = createChunkTranslator({ created: 1, model: 'm', includeUsage, jsonTool });
          const out = events.flatMap((e) => t.step(e as AnthropicStreamEvent));
          expect(t.done).toBe(true);
          expect(t.error).toBeNull();
          expect(t.end()).toEqual([]);
          const chunks = out.filter(isChunk);
          expect(chunks).toHaveLength(out.length);
          for (const c of chunks) expect(c.id).toBe('msg_x');

          const asJson = (b: Block): boolean => b.kind === 'tool' && b.name === jsonTool;
          const expectedContent = blocks
            .map((b) =>
              b.kind === 'text'
                ? b.pieces.join('')
                : asJson(b) && b.kind === 'tool'
                  ? b.jsonPieces.join('')
                  : '',
            )
            .join('');
          const expectedReasoning = blocks
            .map((b) => (b.kind === 'thinking' ? b.pieces.join('') : ''))
            .join('');
          const expectedCalls = blocks.filter(
            (b): b is Extract<Block, { kind: 'tool' }> => b.kind === 'tool' && !asJson(b),
          );

          const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta));
          expect(deltas[0]).toEqual({ role: 'assistant' });
          expect(deltas.map((d) => d.content ?? '').join('')).toBe(expectedContent);
          expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe(expectedReasoning);

          const calls = new Map<number, { id?: string; name?: string; args: string }>();
          for (const d of deltas) {
            for (const call of d.tool_calls ?? []) {
              const seen = calls.get(call.index) ?? { args: '' };
              if (call.id !== undefined) seen.id = call.id;
              if (call.function?.name !== undefined) seen.name = call.function.name;
              seen.args += call.function?.arguments ?? '';
              calls.set(call.index, seen);
            }
          }
          expect([...calls.keys()]).toEqual(expectedCalls.map((_, i) => i));
          expectedCalls.forEach((c, i) =>
            // A call that streamed no arguments assembles to "{}" (what clients can parse).
            expect(calls.get(i)).toEqual({ id: c.id, name: c.name, args: c.jsonPieces.join('') || '{}' }),
          );

          const signed = deltas.flatMap((d) => d.thinking_blocks ?? []);
          expect(signed).toHaveLength(
            blocks.filter((b) => b.kind === 'thinking' || b.kind === 'redacted').length,
          );

          const finishing = chunks.filter((c) => c.choices[0]?.finish_reason != null);
          expect(finishing).toHaveLength(1);
          const finish = finishing[0]!.choices[0]!.finish_reason;
          const expectedFinish =
            stop === 'tool_use'
              ? expectedCalls.length === 0 && blocks.some(asJson)
                ? 'stop'
                : 'tool_calls'
              : stop === 'max_tokens' || stop === 'model_context_window_exceeded'
                ? 'length'
                : stop === 'refusal'
                  ? 'content_filter'
                  : 'stop';
          expect(finish).toBe(expectedFinish);
          const prompt = counts.input + counts.cacheRead;
          // Usage only with include_usage, once, on the usage-only chunk (never on the finish chunk).
          expect(finishing[0]!.usage).toBeUndefined();
          const usageOnly = chunks.filter((c) => c.choices.length === 0);
          expect(usageOnly).toHaveLength(includeUsage ? 1 : 0);
          expect(chunks.filter((c) => c.usage !== undefined)).toHaveLength(includeUsage ? 1 : 0);
          if (includeUsage)
            expect(usageOnly[0]!.usage).toMatchObject({
              prompt_tokens: prompt,
              completion_tokens: counts.output,
              total_tokens: prompt + counts.output,
            });
          // The usage-only chunk, when asked for, is the very last thing sent.
          if (includeUsage) expect(chunks[chunks.length - 1]!.choices).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });
});
