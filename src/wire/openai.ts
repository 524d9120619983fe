/**
 * The subset of OpenAI's Chat Completions wire format that claudine reads and writes. Hand-written and
 * trimmed on purpose; test/wire-types.test.ts keeps it assignable to the official `openai` SDK types.
 * Requests arrive as untrusted JSON and are validated field by field in adapter/request.ts, so the request
 * types document what we accept rather than promise what a client sent.
 */

// ---------------------------------------------------------------- request side

export interface OpenAITextPart {
  type: 'text';
  text: string;
}

export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export interface OpenAIFilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

export interface OpenAIAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

export interface OpenAIRefusalPart {
  type: 'refusal';
  refusal: string;
}

export type OpenAIUserContentPart = OpenAITextPart | OpenAIImagePart | OpenAIFilePart | OpenAIAudioPart;

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * claudine's carrier for Anthropic thinking blocks on an assistant message (the name LiteLLM uses). A client
 * that echoes the assistant message back sends these, and the upstream gets the signed blocks again.
 */
export type OpenAIThinkingBlock =
  { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export interface OpenAISystemMessage {
  role: 'system';
  content: string | OpenAITextPart[];
  name?: string;
}

export interface OpenAIDeveloperMessage {
  role: 'developer';
  content: string | OpenAITextPart[];
  name?: string;
}

export interface OpenAIUserMessage {
  role: 'user';
  content: string | OpenAIUserContentPart[];
  name?: string;
}

export interface OpenAIAssistantMessage {
  role: 'assistant';
  content?: string | (OpenAITextPart | OpenAIRefusalPart)[] | null;
  tool_calls?: OpenAIToolCall[];
  refusal?: string | null;
  name?: string;
  /** claudine extension, see {@link OpenAIThinkingBlock}. */
  reasoning_content?: string | null;
  /** claudine extension, see {@link OpenAIThinkingBlock}. */
  thinking_blocks?: OpenAIThinkingBlock[];
}

export interface OpenAIToolMessage {
  role: 'tool';
  content: string | OpenAITextPart[];
  tool_call_id: string;
}

export type OpenAIMessage =
  | OpenAISystemMessage
  | OpenAIDeveloperMessage
  | OpenAIUserMessage
  | OpenAIAssistantMessage
  | OpenAIToolMessage;

export interface OpenAIFunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

export type OpenAIToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type OpenAIResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        description?: string;
        schema?: Record<string, unknown>;
        strict?: boolean | null;
      };
    };

export type OpenAIReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface ChatCompletionRequest {
  model: string;
  messages: OpenAIMessage[];
  max_completion_tokens?: number | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: OpenAIFunctionTool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: OpenAIResponseFormat;
  reasoning_effort?: OpenAIReasoningEffort | null;
  user?: string;
  safety_identifier?: string;
  n?: number | null;
  logprobs?: boolean | null;
  modalities?: ('text' | 'audio')[] | null;
  /** Anthropic's own `thinking` object, passed through (clients send it via `extra_body`). */
  thinking?: unknown;
}

// ---------------------------------------------------------------- response side

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  /** Only when the upstream reports thinking tokens. */
  completion_tokens_details?: { reasoning_tokens: number };
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: OpenAIToolCall[];
  /** claudine extension: the model's thinking text, joined (DeepSeek/LiteLLM name). */
  reasoning_content?: string;
  /** claudine extension: signed thinking blocks to echo back, see {@link OpenAIThinkingBlock}. */
  thinking_blocks?: OpenAIThinkingBlock[];
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: FinishReason;
  logprobs: null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  service_tier: null;
  choices: ChatCompletionChoice[];
  usage: CompletionUsage;
}

export interface ChatCompletionToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ChatCompletionToolCallDelta[];
  reasoning_content?: string;
  thinking_blocks?: OpenAIThinkingBlock[];
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: FinishReason | null;
  logprobs: null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  service_tier: null;
  choices: ChatCompletionChunkChoice[];
  usage?: CompletionUsage | null;
}

/** OpenAI's error envelope; also what a stream sends in place of a chunk when it fails (the SDK raises it). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface OpenAIModelList {
  object: 'list';
  data: OpenAIModel[];
}
