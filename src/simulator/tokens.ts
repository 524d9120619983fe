/**
 * Token arithmetic for the simulator: deterministic and cheap, roughly the real tokenizer's 4 characters per
 * token, so figures look plausible and move with the input.
 */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** Tokens of any JSON value, counted over its serialisation (what the model would read). */
export function countValueTokens(value: unknown): number {
  if (value === undefined) return 0;
  return countTextTokens(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * Splits generated text into output tokens: one per word with its following space, so `max_tokens` cuts an
 * answer at a word boundary and streams arrive in several deltas.
 */
export function outputTokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}
