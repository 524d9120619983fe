/**
 * The subset of OpenAI's Responses API wire format that claudine reads (requests) and writes (response
 * objects, output items, stream events). Hand-written and trimmed; test/wire-types.test.ts keeps it
 * assignable to the official `openai` SDK types. Requests arrive as untrusted JSON and are validated field by
 * field in adapter/responses/request.ts, so the request types document what we accept.
 */

// ---------------------------------------------------------------- request side

export interface ResponsesInputText {
  type: 'input_text';
  text: string;
  /** Read as a prompt-cache breakpoint hint: ignored (claudine places its own, see caching.ts). */
  prompt_cache_breakpoint?: unknown;
}

export interface ResponsesInputImage {
  type: 'input_image';
  image_url?: string | null;
  file_id?: string | null;
  detail?: 'low' | 'high' | 'auto' | 'original' | null;
  prompt_cache_breakpoint?: unknown;
}

export interface ResponsesInputFile {
  type: 'input_file';
  file_data?: string | null;
  file_id?: string | null;
  file_url?: string | null;
  filename?: string | null;
  detail?: 'auto' | 'low' | 'high';
  prompt_cache_breakpoint?: unknown;
}

export type ResponsesInputContent = ResponsesInputText | ResponsesInputImage | ResponsesInputFile;

/** An earlier answer's text, sent back: only `text` is read. */
export interface ResponsesEchoedOutputText {
  type: 'output_text';
  text: string;
  annotations?: unknown[];
  logprobs?: unknown[];
}

/** A message item as clients send it (the SDK's EasyInputMessage and input message forms). */
export interface ResponsesInputMessage {
  type?: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | (ResponsesInputContent | ResponsesEchoedOutputText | ResponsesOutputRefusal)[];
  id?: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
  /** Codex marks assistant messages as commentary or final answer; the upstream has no such notion. */
  phase?: 'commentary' | 'final_answer' | null;
}

export interface ResponsesFunctionCallOutput {
  type: 'function_call_output';
  call_id: string;
  output: string | ResponsesInputContent[];
  id?: string | null;
  status?: 'in_progress' | 'completed' | 'incomplete' | null;
}

export interface ResponsesItemReference {
  type: 'item_reference';
  id: string;
}

export type ResponsesInputItem =
  | ResponsesInputMessage
  | ResponsesFunctionCall
  | ResponsesFunctionCallOutput
  | ResponsesReasoningItem
  | ResponsesItemReference;

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters: Record<string, unknown> | null;
  strict: boolean | null;
}

/** Codex groups MCP tools this way; claudine flattens them (see docs/translation.md). */
export interface ResponsesNamespaceTool {
  type: 'namespace';
  name: string;
  description: string;
  tools: { type: 'function'; name: string; description?: string | null; parameters?: unknown }[];
}

export type ResponsesToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; name: string } | { type: string };

export type ResponsesTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean | null;
    };

export type ResponsesReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface ResponsesReasoningConfig {
  effort?: ResponsesReasoningEffort | null;
  summary?: 'auto' | 'concise' | 'detailed' | null;
}

/** POST /v1/responses: the fields claudine reads. Anything else is accepted and ignored. */
export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesInputItem[];
  instructions?: string | null;
  tools?: (ResponsesFunctionTool | ResponsesNamespaceTool | { type: string })[];
  tool_choice?: ResponsesToolChoice;
  parallel_tool_calls?: boolean | null;
  text?: { format?: ResponsesTextFormat };
  reasoning?: ResponsesReasoningConfig | null;
  max_output_tokens?: number | null;
  include?: string[] | null;
  metadata?: Record<string, string> | null;
  user?: string;
  safety_identifier?: string;
  store?: boolean | null;
  previous_response_id?: string | null;
  stream?: boolean | null;
  temperature?: number | null;
  top_p?: number | null;
}

// ---------------------------------------------------------------- response side

export interface ResponsesOutputText {
  type: 'output_text';
  text: string;
  annotations: never[];
  logprobs?: never[];
}

export interface ResponsesOutputRefusal {
  type: 'refusal';
  refusal: string;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ResponsesOutputMessage {
  type: 'message';
  id: string;
  role: 'assistant';
  status: ItemStatus;
  content: (ResponsesOutputText | ResponsesOutputRefusal)[];
}

export interface ResponsesFunctionCall {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
  id?: string;
  namespace?: string;
  status?: ItemStatus;
}

export interface ResponsesSummaryText {
  type: 'summary_text';
  text: string;
}

/**
 * A reasoning item. `encrypted_content` carries the upstream's signed thinking blocks (see
 * adapter/responses/reasoning.ts): a client that sends the item back gives the upstream its blocks again.
 */
export interface ResponsesReasoningItem {
  type: 'reasoning';
  id: string;
  summary: ResponsesSummaryText[];
  encrypted_content?: string | null;
  status?: ItemStatus;
}

export type ResponsesOutputItem = ResponsesOutputMessage | ResponsesFunctionCall | ResponsesReasoningItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponsesStatus = 'completed' | 'failed' | 'in_progress' | 'incomplete';

export type ResponsesErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

export interface ResponsesObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponsesStatus;
  error: { code: ResponsesErrorCode; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string> | null;
  model: string;
  output: ResponsesOutputItem[];
  /** Convenience text the official SDKs also compute: every output_text joined. */
  output_text: string;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: ResponsesReasoningEffort | null; summary: 'auto' | 'concise' | 'detailed' | null };
  store: boolean;
  temperature: number | null;
  text: { format: ResponsesTextFormat };
  tool_choice: 'none' | 'auto' | 'required' | { type: 'function'; name: string };
  tools: ResponsesFunctionTool[];
  top_p: number | null;
  truncation: 'disabled';
  usage?: ResponsesUsage;
  user?: string;
}

// ---------------------------------------------------------------- stream events

interface Seq {
  sequence_number: number;
}

export type ResponsesStreamEvent =
  | ({ type: 'response.created'; response: ResponsesObject } & Seq)
  | ({ type: 'response.in_progress'; response: ResponsesObject } & Seq)
  | ({ type: 'response.completed'; response: ResponsesObject } & Seq)
  | ({ type: 'response.incomplete'; response: ResponsesObject } & Seq)
  | ({ type: 'response.failed'; response: ResponsesObject } & Seq)
  | ({ type: 'response.output_item.added'; output_index: number; item: ResponsesOutputItem } & Seq)
  | ({ type: 'response.output_item.done'; output_index: number; item: ResponsesOutputItem } & Seq)
  | ({
      type: 'response.content_part.added';
      item_id: string;
      output_index: number;
      content_index: number;
      part: ResponsesOutputText | ResponsesOutputRefusal;
    } & Seq)
  | ({
      type: 'response.content_part.done';
      item_id: string;
      output_index: number;
      content_index: number;
      part: ResponsesOutputText | ResponsesOutputRefusal;
    } & Seq)
  | ({
      type: 'response.output_text.delta';
      item_id: string;
      output_index: number;
      content_index: number;
      delta: string;
      logprobs: never[];
    } & Seq)
  | ({
      type: 'response.output_text.done';
      item_id: string;
      output_index: number;
      content_index: number;
      text: string;
      logprobs: never[];
    } & Seq)
  | ({
      type: 'response.refusal.delta';
      item_id: string;
      output_index: number;
      content_index: number;
      delta: string;
    } & Seq)
  | ({
      type: 'response.refusal.done';
      item_id: string;
      output_index: number;
      content_index: number;
      refusal: string;
    } & Seq)
  | ({
      type: 'response.function_call_arguments.delta';
      item_id: string;
      output_index: number;
      delta: string;
    } & Seq)
  | ({
      type: 'response.function_call_arguments.done';
      item_id: string;
      output_index: number;
      name: string;
      arguments: string;
    } & Seq)
  | ({
      type: 'response.reasoning_summary_part.added';
      item_id: string;
      output_index: number;
      summary_index: number;
      part: ResponsesSummaryText;
    } & Seq)
  | ({
      type: 'response.reasoning_summary_part.done';
      item_id: string;
      output_index: number;
      summary_index: number;
      part: ResponsesSummaryText;
    } & Seq)
  | ({
      type: 'response.reasoning_summary_text.delta';
      item_id: string;
      output_index: number;
      summary_index: number;
      delta: string;
    } & Seq)
  | ({
      type: 'response.reasoning_summary_text.done';
      item_id: string;
      output_index: number;
      summary_index: number;
      text: string;
    } & Seq)
  | ({ type: 'error'; code: string | null; message: string; param: string | null } & Seq);
