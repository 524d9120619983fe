/**
 * Automatic prompt caching. OpenAI caches long prompt prefixes by itself; Anthropic caches only up to the
 * breakpoints a request marks. So that OpenAI clients (which never mark any) get the same benefit, `auto`
 * marks up to three: the last tool definition, the last system block, and the last block of the final
 * user turn. Anthropic then reads the longest cached prefix, so each turn of a chat or agent loop re-reads
 * what the previous turn wrote. A request that already carries its own `cache_control` is left alone.
 *
 * Cost, documented in docs/translation.md: a cache write costs 1.25× the input price (reads 0.1×), and
 * prefixes shorter than the model's minimum (about 1024 tokens) are simply not cached.
 */
import type { AnthropicCacheControl, AnthropicMessagesRequest } from '../wire/index.js';

export type PromptCaching = 'auto' | 'off';

const BREAKPOINT: AnthropicCacheControl = { type: 'ephemeral' };

function hasBreakpoint(request: AnthropicMessagesRequest): boolean {
  if (request.tools?.some((t) => t.cache_control !== undefined) === true) return true;
  if (request.system?.some((b) => b.cache_control !== undefined) === true) return true;
  return request.messages.some((m) =>
    m.content.some((b) => 'cache_control' in b && b.cache_control !== undefined),
  );
}

export function addCacheBreakpoints(request: AnthropicMessagesRequest): void {
  if (hasBreakpoint(request)) return;
  const lastTool = request.tools?.at(-1);
  if (lastTool !== undefined) lastTool.cache_control = BREAKPOINT;
  const lastSystem = request.system?.at(-1);
  if (lastSystem !== undefined) lastSystem.cache_control = BREAKPOINT;
  const lastMessage = request.messages.at(-1);
  if (lastMessage?.role !== 'user') return;
  const lastBlock = lastMessage.content.at(-1);
  if (lastBlock !== undefined && lastBlock.type !== 'thinking' && lastBlock.type !== 'redacted_thinking') {
    lastBlock.cache_control = BREAKPOINT;
  }
}
