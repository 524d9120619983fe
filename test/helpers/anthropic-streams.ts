/**
 * Builders for Anthropic Messages stream events and buffered messages, so a test can script a realistic
 * upstream answer (thinking, text, parallel tool calls, errors) in a few lines. Feed the events to the fake
 * upstream's `sendSse`.
 */
export type StreamEvent = { type: string } & Record<string, unknown>;

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export function messageStart(
  options: { id?: string; model?: string; usage?: Partial<Usage> } = {},
): StreamEvent {
  return {
    type: 'message_start',
    message: {
      id: options.id ?? 'msg_stream_01',
      type: 'message',
      role: 'assistant',
      model: options.model ?? 'claude-sonnet-4-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1, ...options.usage },
    },
  };
}

export function textBlock(index: number, pieces: readonly string[]): StreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
    ...pieces.map((text) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index },
  ];
}

/** A tool_use block whose input arrives as `jsonPieces` (concatenated, they must be the input's JSON). */
export function toolUseBlock(
  index: number,
  tool: { id: string; name: string; jsonPieces: readonly string[] },
): StreamEvent[] {
  return [
    {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} },
    },
    ...tool.jsonPieces.map((partial_json) => ({
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json },
    })),
    { type: 'content_block_stop', index },
  ];
}

export function thinkingBlock(index: number, pieces: readonly string[], signature: string): StreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
    ...pieces.map((thinking) => ({
      type: 'content_block_delta',
      index,
      delta: { type: 'thinking_delta', thinking },
    })),
    { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } },
    { type: 'content_block_stop', index },
  ];
}

export function redactedThinkingBlock(index: number, data: string): StreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data } },
    { type: 'content_block_stop', index },
  ];
}

export function messageEnd(
  stopReason: string,
  outputTokens: number,
  stopSequence: string | null = null,
): StreamEvent[] {
  return [
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: stopSequence },
      usage: { output_tokens: outputTokens },
    },
    { type: 'message_stop' },
  ];
}

export function errorEvent(type: string, message: string): StreamEvent {
  return { type: 'error', error: { type, message } };
}

/** A whole stream: message_start, the given blocks' events (with a ping after the first), the end. */
export function stream(
  blocks: readonly StreamEvent[][],
  end: { stopReason?: string; outputTokens?: number; stopSequence?: string | null } = {},
  start: Parameters<typeof messageStart>[0] = {},
): StreamEvent[] {
  const events: StreamEvent[] = [messageStart(start), { type: 'ping' }];
  for (const block of blocks) events.push(...block);
  events.push(...messageEnd(end.stopReason ?? 'end_turn', end.outputTokens ?? 7, end.stopSequence ?? null));
  return events;
}

/** A buffered Anthropic Message with the given content blocks. */
export function message(
  content: readonly Record<string, unknown>[],
  options: {
    id?: string;
    model?: string;
    stopReason?: string;
    stopSequence?: string | null;
    usage?: Usage;
  } = {},
): Record<string, unknown> {
  return {
    id: options.id ?? 'msg_buffered_01',
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'claude-sonnet-4-5',
    content,
    stop_reason: options.stopReason ?? 'end_turn',
    stop_sequence: options.stopSequence ?? null,
    usage: options.usage ?? { input_tokens: 20, output_tokens: 9 },
  };
}
