/**
 * The real API's request rules, checked in about the order the real API checks them. Each refusal is a
 * SimulatedApiError with the real status, error type and — where known — wording. Everything a model decides
 * comes from its row in rules.ts; nothing here tests a model name.
 */
import { invalid, SimulatedApiError } from './errors.js';
import {
  ALL_EFFORTS,
  GLOBAL_RULES,
  modelRule,
  type Effort,
  type ModelRule,
  type ThinkingDisplay,
} from './rules.js';
import { checkStructuredSchema } from './schema.js';
import type { Signer } from './signatures.js';
import { digest } from './signatures.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What validation learned, for the answer. */
export interface ValidatedRequest {
  readonly body: Json;
  readonly rule: ModelRule;
  readonly messages: readonly { role: 'user' | 'assistant'; content: readonly Json[] }[];
  readonly system: readonly Json[];
  readonly tools: readonly Json[];
  readonly toolChoice: Json | null;
  readonly thinking: { on: boolean; display: ThinkingDisplay; budget: number | null };
  readonly effort: Effort | null;
  readonly maxTokens: number;
  readonly stopSequences: readonly string[];
  readonly stream: boolean;
  readonly format: Json | null;
  /** The conversation's identity for signatures bound to it ('' when the model binds only to itself). */
  readonly conversation: string;
}

/** The Messages API's top-level fields (GA and the betas the SDKs send); anything else is a 400. */
const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'cache_control',
  'inference_geo',
]);

const DOCS_THINKING = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** Content as blocks: a string becomes one text block. */
export function blocksOf(content: unknown): Json[] | null {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content.filter(isObject);
  return null;
}

function textOfBlocks(blocks: readonly Json[]): string {
  return blocks
    .filter((b) => b['type'] === 'text' && typeof b['text'] === 'string')
    .map((b) => b['text'] as string)
    .join('\n');
}

export interface ValidateOptions {
  readonly version: string;
  readonly signer: Signer;
  /** count_tokens takes no max_tokens and never streams. */
  readonly countOnly?: boolean;
}

export function validateMessagesRequest(body: unknown, options: ValidateOptions): ValidatedRequest {
  if (!isObject(body)) throw invalid('Input should be a valid dictionary');
  const strictVersion = options.version === GLOBAL_RULES.strictVersion;

  // Required fields, as the real API names them.
  if (body['model'] === undefined) throw invalid('model: Field required');
  if (typeof body['model'] !== 'string') throw invalid('model: Input should be a valid string');
  if (body['messages'] === undefined) throw invalid('messages: Field required');
  if (!Array.isArray(body['messages'])) throw invalid('messages: Input should be a valid list');
  if (!options.countOnly && body['max_tokens'] === undefined) throw invalid('max_tokens: Field required');

  // Unknown top-level fields are refused, as the real API's schema forbids extra inputs.
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) throw invalid(`${key}: Extra inputs are not permitted`);
  }

  const rule = modelRule(body['model']);
  if (rule === undefined) throw new SimulatedApiError('not_found_error', `model: ${body['model']}`);

  // max_tokens: 1 … the model's max output.
  let maxTokens = rule.maxOutput;
  if (!options.countOnly) {
    const value = body['max_tokens'];
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw invalid('max_tokens: Input should be a valid integer');
    if (value < 1) throw invalid('max_tokens: Input should be greater than or equal to 1');
    if (value > rule.maxOutput) {
      throw invalid(
        `max_tokens: ${value} > ${rule.maxOutput}, which is the maximum allowed number of output tokens for ${rule.id}`,
      );
    }
    maxTokens = value;
  }

  // Thinking: which types the model takes, budget bounds, display.
  const thinkingParam = body['thinking'];
  let thinkingOn = rule.thinking.onByDefault;
  let display: ThinkingDisplay = rule.defaultDisplay;
  let budget: number | null = null;
  if (thinkingParam !== undefined && thinkingParam !== null) {
    if (!isObject(thinkingParam)) throw invalid('thinking: Input should be a valid dictionary');
    const type = thinkingParam['type'];
    if (type === 'enabled') {
      if (!rule.thinking.budget) {
        throw invalid(
          'thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior.',
        );
      }
      const b = thinkingParam['budget_tokens'];
      if (b === undefined) throw invalid('thinking.enabled.budget_tokens: Field required');
      if (typeof b !== 'number' || !Number.isInteger(b)) {
        throw invalid('thinking.enabled.budget_tokens: Input should be a valid integer');
      }
      if (b < GLOBAL_RULES.minBudgetTokens) {
        throw invalid(
          `thinking.enabled.budget_tokens: Input should be greater than or equal to ${GLOBAL_RULES.minBudgetTokens}`,
        );
      }
      if (!options.countOnly && b >= maxTokens) {
        throw invalid(
          `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${DOCS_THINKING}#max-tokens-and-context-window-size`,
        );
      }
      thinkingOn = true;
      budget = b;
    } else if (type === 'adaptive') {
      if (!rule.thinking.adaptive) {
        throw invalid(
          'thinking.type.adaptive is not supported for this model. Use thinking.type.enabled with budget_tokens.',
        );
      }
      thinkingOn = true;
    } else if (type === 'disabled') {
      if (rule.thinking.disable === 'refused') {
        throw invalid(
          rule.thinking.onByDefault
            ? 'thinking.type.disabled is not supported for this model: it always thinks. Use thinking.type.adaptive.'
            : 'thinking.type.disabled is not supported for this model. Leave `thinking` out to answer without thinking.',
        );
      }
      thinkingOn = false;
    } else if (type === 'between_tools' && rule.thinking.betweenTools) {
      thinkingOn = true;
    } else {
      throw invalid(
        `thinking: Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'adaptive', 'disabled', 'enabled'${rule.thinking.betweenTools ? ", 'between_tools'" : ''}`,
      );
    }
    const shown = thinkingParam['display'];
    if (shown !== undefined) {
      if (shown !== 'summarized' && shown !== 'omitted') {
        throw invalid(`thinking.${String(type)}.display: Input should be 'summarized' or 'omitted'`);
      }
      display = shown;
    }
  }

  // Effort: output_config.effort, only the model's levels.
  const outputConfig = body['output_config'];
  if (outputConfig !== undefined && !isObject(outputConfig))
    throw invalid('output_config: Input should be a valid dictionary');
  let effort: Effort | null = rule.defaultEffort;
  const effortParam = outputConfig?.['effort'];
  if (effortParam !== undefined) {
    if (typeof effortParam !== 'string' || !ALL_EFFORTS.includes(effortParam as Effort)) {
      throw invalid("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
    }
    if (rule.effortLevels === null)
      throw invalid('output_config.effort: effort is not supported for this model.');
    if (!rule.effortLevels.includes(effortParam as Effort)) {
      throw invalid(
        `output_config.effort: '${effortParam}' is not supported for this model. Supported levels: ${rule.effortLevels.join(', ')}.`,
      );
    }
    effort = effortParam as Effort;
  }
  if (
    thinkingParam !== undefined &&
    isObject(thinkingParam) &&
    thinkingParam['type'] === 'disabled' &&
    rule.thinking.disable === 'effort-at-most-high' &&
    (effort === 'xhigh' || effort === 'max')
  ) {
    throw invalid(
      `thinking cannot be disabled at effort '${effort}' on this model; use effort 'high' or lower.`,
    );
  }
  if (
    isObject(thinkingParam) &&
    thinkingParam['type'] === 'between_tools' &&
    (effort === 'xhigh' || effort === 'max')
  ) {
    throw invalid(
      `thinking.type.between_tools is not supported at effort '${effort}'; use effort 'high' or lower.`,
    );
  }

  // Sampling parameters.
  const sampling = (['temperature', 'top_p', 'top_k'] as const).filter(
    (k) => body[k] !== undefined && body[k] !== null,
  );
  for (const name of sampling) {
    if (strictVersion) {
      throw invalid(`\`${name}\` is not supported in anthropic-version ${GLOBAL_RULES.strictVersion}.`);
    }
    if (rule.sampling === 'refused') throw invalid(`\`${name}\` is deprecated for this model.`);
    if (typeof body[name] !== 'number') throw invalid(`${name}: Input should be a valid number`);
  }
  const temperature = body['temperature'] as number | undefined;
  const topP = body['top_p'] as number | undefined;
  if (temperature !== undefined && temperature !== null && (temperature < 0 || temperature > 1)) {
    throw invalid(
      `temperature: Input should be ${temperature < 0 ? 'greater than or equal to 0' : 'less than or equal to 1'}`,
    );
  }
  if (rule.sampling === 'not-both' && sampling.includes('temperature') && sampling.includes('top_p')) {
    throw invalid('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
  if (thinkingOn) {
    if (temperature !== undefined && temperature !== null && temperature !== 1) {
      throw invalid(
        `\`temperature\` may only be set to 1 when thinking is enabled or in adaptive mode. Please consult our documentation at ${DOCS_THINKING}#feature-compatibility`,
      );
    }
    if (sampling.includes('top_k')) {
      throw invalid(
        `\`top_k\` must be unset when thinking is enabled. Please consult our documentation at ${DOCS_THINKING}#feature-compatibility`,
      );
    }
    if (topP !== undefined && topP !== null && topP < 0.95) {
      throw invalid(
        `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. Please consult our documentation at ${DOCS_THINKING}#feature-compatibility`,
      );
    }
  }

  // Tools: names, uniqueness, schemas of strict tools.
  const toolsParam = body['tools'];
  if (toolsParam !== undefined && !Array.isArray(toolsParam))
    throw invalid('tools: Input should be a valid list');
  const tools = (toolsParam ?? []) as unknown[];
  const names = new Set<string>();
  tools.forEach((tool, i) => {
    if (!isObject(tool)) throw invalid(`tools.${i}: Input should be a valid dictionary`);
    const custom = tool['type'] === undefined || tool['type'] === 'custom';
    const where = custom ? `tools.${i}.custom` : `tools.${i}`;
    const name = tool['name'];
    if (name === undefined) throw invalid(`${where}.name: Field required`);
    if (typeof name !== 'string' || !GLOBAL_RULES.toolNamePattern.test(name)) {
      throw invalid(`${where}.name: String should match pattern '${GLOBAL_RULES.toolNamePattern.source}'`);
    }
    if (names.has(name)) throw invalid('tools: Tool names must be unique.');
    names.add(name);
    if (custom) {
      if (tool['input_schema'] === undefined) throw invalid(`${where}.input_schema: Field required`);
      if (!isObject(tool['input_schema']))
        throw invalid(`${where}.input_schema: Input should be a valid dictionary`);
      if (tool['strict'] === true) checkStructuredSchema(tool['input_schema'], `${where}.input_schema`);
    }
  });

  // Forced tool choice.
  const toolChoiceParam = body['tool_choice'];
  let toolChoice: Json | null = null;
  if (toolChoiceParam !== undefined && toolChoiceParam !== null) {
    if (!isObject(toolChoiceParam)) throw invalid('tool_choice: Input should be a valid dictionary');
    const type = toolChoiceParam['type'];
    if (type !== 'auto' && type !== 'any' && type !== 'tool' && type !== 'none') {
      throw invalid(
        `tool_choice: Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`,
      );
    }
    if (tools.length === 0 && type !== 'none')
      throw invalid('tool_choice may only be specified while providing tools.');
    if (type === 'tool') {
      if (typeof toolChoiceParam['name'] !== 'string') throw invalid('tool_choice.tool.name: Field required');
      if (!names.has(toolChoiceParam['name'])) {
        throw invalid(`tool_choice.tool.name: Tool '${toolChoiceParam['name']}' not found in tools`);
      }
    }
    if (type === 'any' || type === 'tool') {
      if (rule.forcedToolChoice === 'refused') {
        throw invalid(
          `tool_choice.type: '${type}' is not supported for this model. Forced tool use is not available; use 'auto' or 'none'.`,
        );
      }
      if (thinkingOn) throw invalid('Thinking may not be enabled when tool_choice forces tool use.');
    }
    toolChoice = toolChoiceParam;
  }

  // System.
  const systemParam = body['system'];
  let system: Json[] = [];
  if (systemParam !== undefined && systemParam !== null) {
    const blocks =
      typeof systemParam === 'string'
        ? systemParam === ''
          ? []
          : blocksOf(systemParam)
        : blocksOf(systemParam);
    if (blocks === null) throw invalid('system: Input should be a valid string or list of text blocks');
    blocks.forEach((block, i) => {
      if (block['type'] !== 'text') throw invalid(`system.${i}.type: Input should be 'text'`);
      if (typeof block['text'] !== 'string' || block['text'] === '')
        throw invalid('system: text content blocks must be non-empty');
    });
    system = blocks;
  }

  // Messages: roles, non-empty content and text, tool ids, pairing, prefill, thinking in tool loops.
  const raw = body['messages'] as unknown[];
  if (raw.length === 0) throw invalid('messages: at least one message is required');
  const messages = raw.map((m, i) => {
    if (!isObject(m)) throw invalid(`messages.${i}: Input should be a valid dictionary`);
    const role = m['role'];
    if (role !== 'user' && role !== 'assistant')
      throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (m['content'] === undefined) throw invalid(`messages.${i}.content: Field required`);
    const content = blocksOf(m['content']);
    if (content === null) throw invalid(`messages.${i}.content: Input should be a valid list`);
    const isFinalAssistant = i === raw.length - 1 && role === 'assistant';
    if ((content.length === 0 || m['content'] === '') && !isFinalAssistant) {
      throw invalid(
        `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    content.forEach((block, j) => {
      const type = block['type'];
      if (typeof type !== 'string') throw invalid(`messages.${i}.content.${j}.type: Field required`);
      if (type === 'text') {
        if (typeof block['text'] !== 'string')
          throw invalid(`messages.${i}.content.${j}.text.text: Field required`);
        if (block['text'] === '' && !(isFinalAssistant && m['content'] === '')) {
          throw invalid('messages: text content blocks must be non-empty');
        }
        if (block['text'].trim() === '' && block['text'] !== '' && !isFinalAssistant) {
          throw invalid('messages: text content blocks must contain non-whitespace text');
        }
        if (
          strictVersion &&
          role === 'user' &&
          block['citations'] !== undefined &&
          block['citations'] !== null
        ) {
          throw invalid(
            `messages.${i}.content.${j}.text.citations: citations on user text blocks are not supported in anthropic-version ${GLOBAL_RULES.strictVersion}`,
          );
        }
      }
      if (type === 'tool_use' || type === 'server_tool_use') {
        if (role !== 'assistant')
          throw invalid(
            `messages.${i}.content.${j}: \`${type}\` blocks may only appear in assistant messages`,
          );
        const id = block['id'];
        if (typeof id !== 'string') throw invalid(`messages.${i}.content.${j}.${type}.id: Field required`);
        if (!GLOBAL_RULES.toolIdPattern.test(id)) {
          throw invalid(
            `messages.${i}.content.${j}.${type}.id: String should match pattern '${GLOBAL_RULES.toolIdPattern.source}'`,
          );
        }
        if (typeof block['name'] !== 'string' || block['name'] === '')
          throw invalid(`messages.${i}.content.${j}.${type}.name: Field required`);
        if (!isObject(block['input']))
          throw invalid(`messages.${i}.content.${j}.${type}.input: Input should be a valid dictionary`);
      }
      if (type === 'tool_result') {
        if (role !== 'user')
          throw invalid(
            `messages.${i}.content.${j}: \`tool_result\` blocks may only appear in user messages`,
          );
        const id = block['tool_use_id'];
        if (typeof id !== 'string')
          throw invalid(`messages.${i}.content.${j}.tool_result.tool_use_id: Field required`);
        if (!GLOBAL_RULES.toolIdPattern.test(id)) {
          throw invalid(
            `messages.${i}.content.${j}.tool_result.tool_use_id: String should match pattern '${GLOBAL_RULES.toolIdPattern.source}'`,
          );
        }
        const inner = block['content'];
        if (Array.isArray(inner)) {
          for (const part of inner) {
            if (isObject(part) && part['type'] === 'text' && part['text'] === '') {
              throw invalid('messages: text content blocks must be non-empty');
            }
          }
        }
      }
      if ((type === 'thinking' || type === 'redacted_thinking') && role !== 'assistant') {
        throw invalid(`messages.${i}.content.${j}: \`${type}\` blocks may only appear in assistant messages`);
      }
      if (type === 'document' && role === 'assistant' && strictVersion) {
        throw invalid(
          `messages.${i}.content.${j}: document blocks are not supported in assistant messages in anthropic-version ${GLOBAL_RULES.strictVersion}`,
        );
      }
    });
    const turn: { role: 'user' | 'assistant'; content: Json[] } = { role, content };
    return turn;
  });

  const usesToolBlocks = messages.some((m) =>
    m.content.some((b) => b['type'] === 'tool_use' || b['type'] === 'tool_result'),
  );
  if (usesToolBlocks && tools.length === 0) {
    throw invalid('Requests which include `tool_use` or `tool_result` blocks must define tools.');
  }

  // tool_use ↔ tool_result pairing, turn by turn.
  messages.forEach((message, i) => {
    if (message.role === 'user') {
      const results = message.content.filter((b) => b['type'] === 'tool_result');
      if (results.length === 0) return;
      const previous = messages[i - 1];
      const offered = new Set(
        previous?.role === 'assistant'
          ? previous.content.filter((b) => b['type'] === 'tool_use').map((b) => b['id'] as string)
          : [],
      );
      message.content.forEach((block, j) => {
        if (block['type'] === 'tool_result' && !offered.has(block['tool_use_id'] as string)) {
          throw invalid(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      });
      return;
    }
    const ids = message.content.filter((b) => b['type'] === 'tool_use').map((b) => b['id'] as string);
    if (ids.length === 0 || i === messages.length - 1) return;
    const next = messages[i + 1];
    const answered = new Set(
      next?.role === 'user'
        ? next.content.filter((b) => b['type'] === 'tool_result').map((b) => b['tool_use_id'])
        : [],
    );
    const missing = ids.filter((id) => !answered.has(id));
    if (missing.length > 0) {
      throw invalid(
        `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  });

  const last = messages[messages.length - 1];
  if (last?.role === 'assistant' && !rule.prefill && !options.countOnly) {
    throw invalid(
      'This model does not support assistant message prefill. The conversation must end with a user message.',
    );
  }

  // Conversation identity for signatures bound to it.
  const firstUser = messages.find((m) => m.role === 'user');
  const conversation = rule.signatureBoundToConversation
    ? digest(textOfBlocks(firstUser?.content ?? []))
    : '';

  // Thinking blocks: signatures verified wherever they appear; required at the head of the tool loop.
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    message.content.forEach((block, j) => {
      if (block['type'] === 'thinking') {
        if (typeof block['thinking'] !== 'string')
          throw invalid(`messages.${i}.content.${j}.thinking.thinking: Field required`);
        if (typeof block['signature'] !== 'string')
          throw invalid(`messages.${i}.content.${j}.thinking.signature: Field required`);
        const ok = options.signer.verify(
          { model: rule.id, conversation },
          block['thinking'],
          block['signature'],
        );
        if (!ok) throw invalid(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
      }
      if (
        block['type'] === 'redacted_thinking' &&
        (typeof block['data'] !== 'string' || block['data'] === '')
      ) {
        throw invalid(`messages.${i}.content.${j}.redacted_thinking.data: Field required`);
      }
    });
  });
  if (thinkingOn && last?.role === 'user' && last.content.some((b) => b['type'] === 'tool_result')) {
    const index = messages.length - 2;
    const assistant = messages[index];
    const first = assistant?.content[0];
    if (
      assistant !== undefined &&
      first !== undefined &&
      first['type'] !== 'thinking' &&
      first['type'] !== 'redacted_thinking'
    ) {
      throw invalid(
        `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first['type'])}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at ${DOCS_THINKING}`,
      );
    }
  }

  // At most four cache breakpoints across tools, system and messages (the automatic one counts too).
  let breakpoints = 0;
  const count = (block: unknown): void => {
    if (isObject(block) && block['cache_control'] !== undefined && block['cache_control'] !== null)
      breakpoints++;
  };
  tools.forEach(count);
  system.forEach(count);
  for (const message of messages) {
    for (const block of message.content) {
      count(block);
      if (block['type'] === 'tool_result' && Array.isArray(block['content'])) block['content'].forEach(count);
    }
  }
  if (body['cache_control'] !== undefined && body['cache_control'] !== null) breakpoints++;
  if (breakpoints > GLOBAL_RULES.maxCacheBreakpoints) {
    throw invalid(
      `A maximum of ${GLOBAL_RULES.maxCacheBreakpoints} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }

  // Structured outputs.
  let format: Json | null = null;
  const formatParam = outputConfig?.['format'];
  if (formatParam !== undefined && formatParam !== null) {
    if (!isObject(formatParam) || formatParam['type'] !== 'json_schema') {
      throw invalid("output_config.format.type: Input should be 'json_schema'");
    }
    if (formatParam['schema'] === undefined) throw invalid('output_config.format.schema: Field required');
    checkStructuredSchema(formatParam['schema'], 'output_config.format.schema');
    format = formatParam;
  }

  // Stop sequences.
  const stopParam = body['stop_sequences'];
  let stopSequences: string[] = [];
  if (stopParam !== undefined && stopParam !== null) {
    if (!Array.isArray(stopParam) || stopParam.some((s) => typeof s !== 'string')) {
      throw invalid('stop_sequences: Input should be a valid list of strings');
    }
    if ((stopParam as string[]).some((s) => s.trim() === '')) {
      throw invalid('stop_sequences: each stop sequence must contain non-whitespace characters');
    }
    stopSequences = stopParam as string[];
  }

  const stream = body['stream'] === true;
  return {
    body,
    rule,
    messages,
    system,
    tools: tools as Json[],
    toolChoice,
    thinking: { on: thinkingOn, display, budget },
    effort,
    maxTokens,
    stopSequences,
    stream: stream && !options.countOnly,
    format,
    conversation,
  };
}

/** Headers: version and credential, as the real API checks them before the body. */
export function checkHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  acceptKey: (key: string) => boolean,
): { version: string } {
  const apiKey = headers['x-api-key'];
  const authorization = headers['authorization'];
  let key: string | undefined;
  if (typeof apiKey === 'string' && apiKey !== '') key = apiKey;
  else if (typeof authorization === 'string' && /^Bearer\s+\S/i.test(authorization))
    key = authorization.replace(/^Bearer\s+/i, '');
  if (key === undefined) throw new SimulatedApiError('authentication_error', 'x-api-key header is required');
  if (!acceptKey(key)) {
    throw new SimulatedApiError(
      'authentication_error',
      typeof apiKey === 'string' && apiKey !== '' ? 'invalid x-api-key' : 'Invalid bearer token',
    );
  }
  const version = headers['anthropic-version'];
  if (version === undefined) throw invalid('anthropic-version: header is required');
  if (
    typeof version !== 'string' ||
    !(GLOBAL_RULES.anthropicVersions as readonly string[]).includes(version)
  ) {
    throw invalid(
      `anthropic-version: invalid version ${String(version)}. Supported: ${GLOBAL_RULES.anthropicVersions.join(', ')}`,
    );
  }
  return { version };
}

/** The last user turn's text, which steers the simulated answer. */
export function lastUserText(request: ValidatedRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === 'user') return textOfBlocks(message.content);
  }
  return '';
}
