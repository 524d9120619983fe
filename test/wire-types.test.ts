/**
 * Type-level test: our hand-written wire types stay assignable to/from the official SDK types where the data
 * flows that way. Responses we write must be valid OpenAI objects; requests we send must be valid Anthropic
 * requests; what the SDKs say clients/upstreams send must fit what we read. Compiled by tsc (npm test) and run
 * by vitest (expectTypeOf is a no-op at runtime, so the runtime assertions are trivially true by design).
 */
import type * as M from '@anthropic-ai/sdk/resources/messages';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import type * as C from 'openai/resources/chat/completions';
import type { Model as OpenAISdkModel } from 'openai/resources/models';
import type * as R from 'openai/resources/responses/responses';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicModelInfo,
  AnthropicStreamEvent,
  AnthropicTool,
  AnthropicToolChoice,
  ChatCompletion,
  ChatCompletionChunk,
  OpenAIAssistantMessage,
  OpenAIDeveloperMessage,
  OpenAIFunctionTool,
  OpenAISystemMessage,
  OpenAIToolCall,
  OpenAIToolMessage,
  OpenAIUserMessage,
  OpenAIModel,
  ResponsesFunctionCall,
  ResponsesFunctionCallOutput,
  ResponsesFunctionTool,
  ResponsesInputMessage,
  ResponsesNamespaceTool,
  ResponsesObject,
  ResponsesOutputItem,
  ResponsesReasoningItem,
  ResponsesStreamEvent,
  ResponsesUsage,
} from '../src/wire/index.js';

/** The SDK's content block union, narrowed to the block types we translate. */
type KnownBlock = Extract<M.ContentBlock, { type: AnthropicContentBlock['type'] }>;

describe('OpenAI wire types', () => {
  it('our responses are valid OpenAI responses', () => {
    expectTypeOf<ChatCompletion>().toExtend<C.ChatCompletion>();
    expectTypeOf<ChatCompletionChunk>().toExtend<C.ChatCompletionChunk>();
    expectTypeOf<OpenAIToolCall>().toExtend<C.ChatCompletionMessageFunctionToolCall>();
    expectTypeOf<OpenAIModel>().toExtend<OpenAISdkModel>();
  });

  it('messages and tools that OpenAI clients send fit our request types', () => {
    expectTypeOf<C.ChatCompletionSystemMessageParam>().toExtend<OpenAISystemMessage>();
    expectTypeOf<C.ChatCompletionDeveloperMessageParam>().toExtend<OpenAIDeveloperMessage>();
    expectTypeOf<C.ChatCompletionUserMessageParam>().toExtend<OpenAIUserMessage>();
    expectTypeOf<C.ChatCompletionToolMessageParam>().toExtend<OpenAIToolMessage>();
    // Custom (non-function) tool calls are rejected at runtime; the rest of the assistant message fits.
    expectTypeOf<
      Omit<C.ChatCompletionAssistantMessageParam, 'tool_calls'> & {
        tool_calls?: C.ChatCompletionMessageFunctionToolCall[];
      }
    >().toExtend<OpenAIAssistantMessage>();
    expectTypeOf<C.ChatCompletionFunctionTool>().toExtend<OpenAIFunctionTool>();
  });
});

describe('OpenAI Responses wire types', () => {
  it('our response objects, output items and stream events are valid Responses API ones', () => {
    expectTypeOf<ResponsesObject>().toExtend<R.Response>();
    expectTypeOf<ResponsesOutputItem>().toExtend<R.ResponseOutputItem>();
    expectTypeOf<ResponsesUsage>().toExtend<R.ResponseUsage>();
    expectTypeOf<ResponsesStreamEvent>().toExtend<R.ResponseStreamEvent>();
  });

  it('the items and tools clients send fit our request types', () => {
    expectTypeOf<R.EasyInputMessage>().toExtend<ResponsesInputMessage>();
    expectTypeOf<R.ResponseOutputMessage>().toExtend<ResponsesInputMessage>();
    expectTypeOf<R.ResponseFunctionToolCall>().toExtend<ResponsesFunctionCall>();
    // `caller` belongs to programmatic tool calling, which claudine does not offer.
    expectTypeOf<
      Omit<R.ResponseInputItem.FunctionCallOutput, 'caller'>
    >().toExtend<ResponsesFunctionCallOutput>();
    expectTypeOf<R.ResponseReasoningItem>().toExtend<ResponsesReasoningItem>();
    expectTypeOf<R.FunctionTool>().toExtend<ResponsesFunctionTool>();
    // Custom (free-form) members of a namespace are dropped at runtime; the function members fit.
    expectTypeOf<
      Omit<R.NamespaceTool, 'tools'> & {
        tools: Pick<R.NamespaceTool.Function, 'type' | 'name' | 'description' | 'parameters'>[];
      }
    >().toExtend<ResponsesNamespaceTool>();
    // What we send back as input is what we produced as output.
    expectTypeOf<ResponsesOutputItem>().toExtend<R.ResponseInputItem>();
  });
});

describe('Anthropic wire types', () => {
  it('the requests we send are valid Anthropic requests', () => {
    expectTypeOf<Omit<AnthropicMessagesRequest, 'stream'>>().toExtend<M.MessageCreateParamsNonStreaming>();
    expectTypeOf<AnthropicMessagesRequest & { stream: true }>().toExtend<M.MessageCreateParamsStreaming>();
    expectTypeOf<AnthropicTool>().toExtend<M.Tool>();
    expectTypeOf<AnthropicToolChoice>().toExtend<M.ToolChoice>();
  });

  it('the messages the upstream answers with fit what we read', () => {
    expectTypeOf<KnownBlock>().toExtend<AnthropicContentBlock>();
    expectTypeOf<Omit<M.Message, 'content'> & { content: KnownBlock[] }>().toExtend<AnthropicMessage>();
    expectTypeOf<ModelInfo>().toExtend<AnthropicModelInfo>();
  });

  it('the stream events the upstream sends fit what we read', () => {
    type KnownDelta = Extract<
      M.RawContentBlockDelta,
      { type: 'text_delta' | 'input_json_delta' | 'thinking_delta' | 'signature_delta' }
    >;
    expectTypeOf<
      Omit<M.RawMessageStartEvent, 'message'> & {
        message: Omit<M.Message, 'content'> & { content: KnownBlock[] };
      }
    >().toExtend<AnthropicStreamEvent>();
    expectTypeOf<
      Omit<M.RawContentBlockStartEvent, 'content_block'> & { content_block: KnownBlock }
    >().toExtend<AnthropicStreamEvent>();
    expectTypeOf<
      Omit<M.RawContentBlockDeltaEvent, 'delta'> & { delta: KnownDelta }
    >().toExtend<AnthropicStreamEvent>();
    expectTypeOf<M.RawContentBlockStopEvent>().toExtend<AnthropicStreamEvent>();
    expectTypeOf<M.RawMessageDeltaEvent>().toExtend<AnthropicStreamEvent>();
    expectTypeOf<M.RawMessageStopEvent>().toExtend<AnthropicStreamEvent>();
  });
});
