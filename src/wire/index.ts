/** Wire types only: the trimmed OpenAI and Anthropic formats that the adapter reads and writes. */
export type * from './openai.js';
export type * from './anthropic.js';
export type * from './responses.js';
