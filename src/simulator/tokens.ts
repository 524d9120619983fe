/**
 * Token arithmetic for the simulator: deterministic and cheap, roughly the real tokenizer's 4 characters per
 * token, so figures look plausible and move with the input.
 */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** What an image costs, whatever its size: about a 1.15-megapixel image, the size the API scales down to. */
export const IMAGE_TOKENS = 1_600;
/** A PDF page costs about this much; a page is taken as 50 KB of file. */
const PDF_PAGE_TOKENS = 1_500;
const PDF_PAGE_BYTES = 50_000;

/**
 * Tokens of a prompt piece: text by its length, an image or a PDF by what the model sees (not by the size of
 * its base64, which would make any photo "too long"); nested content (tool results) block by block.
 */
export function countValueTokens(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'string') return countTextTokens(value);
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + countValueTokens(v), 0);
  if (typeof value === 'object' && value !== null) {
    const block = value as Record<string, unknown>;
    const source = block['source'] as Record<string, unknown> | undefined;
    if (block['type'] === 'image') return IMAGE_TOKENS;
    if (block['type'] === 'document' && source?.['type'] === 'base64' && typeof source['data'] === 'string') {
      const bytes = (source['data'].length * 3) / 4;
      return PDF_PAGE_TOKENS * Math.max(1, Math.ceil(bytes / PDF_PAGE_BYTES));
    }
    if (block['type'] === 'tool_result' && Array.isArray(block['content'])) {
      return 10 + countValueTokens(block['content']);
    }
  }
  return countTextTokens(JSON.stringify(value));
}

/**
 * Splits generated text into output tokens: one per word with its following space, so `max_tokens` cuts an
 * answer at a word boundary and streams arrive in several deltas.
 */
export function outputTokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}
