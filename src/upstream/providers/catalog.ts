/**
 * Facts about the clouds, in one place each, with where they come from. Code asks these tables; it never
 * pattern-matches a model name.
 *
 * Sources:
 * [B1] platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy — base Bedrock ids for
 *      Opus 4.6 (`anthropic.claude-opus-4-6-v1`), Sonnet 4.6 (`anthropic.claude-sonnet-4-6`), Sonnet 4.5
 *      and Haiku 4.5 (ARN-versioned `-v1:0` ids), the `global.` inference profiles, and that Opus 4.7 and
 *      later have no ARN-versioned id: they are served on the Messages-API endpoint (`/anthropic/v1/messages`).
 * [B2] docs.aws.amazon.com/bedrock/latest/userguide/inference-messages-api.html — the Messages API on
 *      bedrock-runtime (`https://bedrock-runtime.{region}.amazonaws.com/anthropic`), SigV4 or API key.
 * [B3] docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html —
 *      InvokeModel body: `anthropic_version: "bedrock-2023-05-31"`, betas as `anthropic_beta`.
 * [V1] cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude — Vertex model names
 *      (`claude-sonnet-4-5@20250929`, `claude-haiku-4-5@20251001`); dated ids end in `@date`.
 * [V2] platform.claude.com/docs/en/build-with-claude/claude-on-vertex-ai — undated ids since 4.6, global and
 *      regional endpoints, `anthropic_version: "vertex-2023-10-16"`.
 * [M]  ../shared/claude-models.md — the model list, and "Bedrock's Opus 4.7–5.5 refuse
 *      `output_config.format` and `strict`".
 * Rows for models newer than the sources' tables (Opus 4.7 on) follow the naming those pages show for the
 * newest listed models (undated, `global.anthropic.` profile); **uncertain** until a page lists them — map
 * another id with `upstream.models` when a cloud names one differently.
 */
import type { ProviderName } from './types.js';

/** How a model is called on Bedrock: InvokeModel (event-stream framing) or the Messages-API endpoint (SSE). */
export type BedrockApi = 'invoke' | 'messages';

/** Request features a cloud refuses for a model; the provider drops them (logged at debug). */
export type CloudFeature = 'output_format' | 'strict_tools';

export interface CloudModel {
  /** Anthropic's name, what clients send. */
  readonly id: string;
  readonly displayName: string;
  /** Dated Anthropic ids and aliases that name the same model. */
  readonly aliases: readonly string[];
  readonly createdAt: string;
  readonly maxInputTokens: number;
  readonly maxTokens: number;
  readonly bedrock: {
    readonly id: string;
    readonly api: BedrockApi;
    readonly refuses: readonly CloudFeature[];
  };
  readonly vertex: { readonly id: string; readonly refuses: readonly CloudFeature[] };
}

const BEDROCK_STRUCTURED_GAP: readonly CloudFeature[] = ['output_format', 'strict_tools']; // [M]

export const CLOUD_MODELS: readonly CloudModel[] = [
  {
    id: 'claude-fable-5-1',
    displayName: 'Claude Fable 5.1',
    aliases: [],
    createdAt: '2026-09-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-fable-5-1', api: 'messages', refuses: [] }, // [B1] pattern, uncertain
    vertex: { id: 'claude-fable-5-1', refuses: [] }, // [V2] pattern, uncertain
  },
  {
    id: 'claude-opus-5-5',
    displayName: 'Claude Opus 5.5',
    aliases: [],
    createdAt: '2026-08-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-opus-5-5', api: 'messages', refuses: BEDROCK_STRUCTURED_GAP },
    vertex: { id: 'claude-opus-5-5', refuses: [] },
  },
  {
    id: 'claude-sonnet-5-5',
    displayName: 'Claude Sonnet 5.5',
    aliases: [],
    createdAt: '2026-08-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-sonnet-5-5', api: 'messages', refuses: [] },
    vertex: { id: 'claude-sonnet-5-5', refuses: [] },
  },
  {
    id: 'claude-haiku-5-5',
    displayName: 'Claude Haiku 5.5',
    aliases: [],
    createdAt: '2026-08-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-haiku-5-5', api: 'messages', refuses: [] },
    vertex: { id: 'claude-haiku-5-5', refuses: [] },
  },
  {
    id: 'claude-opus-5',
    displayName: 'Claude Opus 5',
    aliases: [],
    createdAt: '2026-06-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-opus-5', api: 'messages', refuses: BEDROCK_STRUCTURED_GAP },
    vertex: { id: 'claude-opus-5', refuses: [] },
  },
  {
    id: 'claude-opus-4-8',
    displayName: 'Claude Opus 4.8',
    aliases: [],
    createdAt: '2026-05-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-opus-4-8', api: 'messages', refuses: BEDROCK_STRUCTURED_GAP },
    vertex: { id: 'claude-opus-4-8', refuses: [] },
  },
  {
    id: 'claude-opus-4-7',
    displayName: 'Claude Opus 4.7',
    aliases: [],
    createdAt: '2026-04-01T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-opus-4-7', api: 'messages', refuses: BEDROCK_STRUCTURED_GAP }, // [B1]
    vertex: { id: 'claude-opus-4-7', refuses: [] },
  },
  {
    id: 'claude-opus-4-6',
    displayName: 'Claude Opus 4.6',
    aliases: [],
    createdAt: '2026-02-05T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 128_000,
    bedrock: { id: 'global.anthropic.claude-opus-4-6-v1', api: 'invoke', refuses: [] }, // [B1]
    vertex: { id: 'claude-opus-4-6', refuses: [] }, // [V2]
  },
  {
    id: 'claude-sonnet-4-6',
    displayName: 'Claude Sonnet 4.6',
    aliases: [],
    createdAt: '2026-02-17T00:00:00Z',
    maxInputTokens: 1_000_000,
    maxTokens: 64_000,
    bedrock: { id: 'global.anthropic.claude-sonnet-4-6', api: 'invoke', refuses: [] }, // [B1]
    vertex: { id: 'claude-sonnet-4-6', refuses: [] }, // [V2]
  },
  {
    id: 'claude-sonnet-4-5',
    displayName: 'Claude Sonnet 4.5',
    aliases: ['claude-sonnet-4-5-20250929'],
    createdAt: '2025-09-29T00:00:00Z',
    maxInputTokens: 200_000,
    maxTokens: 64_000,
    bedrock: { id: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', api: 'invoke', refuses: [] }, // [B1]
    vertex: { id: 'claude-sonnet-4-5@20250929', refuses: [] }, // [V1]
  },
  {
    id: 'claude-haiku-4-5',
    displayName: 'Claude Haiku 4.5',
    aliases: ['claude-haiku-4-5-20251001'],
    createdAt: '2025-10-01T00:00:00Z',
    maxInputTokens: 200_000,
    maxTokens: 64_000,
    bedrock: { id: 'global.anthropic.claude-haiku-4-5-20251001-v1:0', api: 'invoke', refuses: [] }, // [B1]
    vertex: { id: 'claude-haiku-4-5@20251001', refuses: [] }, // [V1]
  },
];

const BY_NAME = new Map<string, CloudModel>();
for (const model of CLOUD_MODELS) {
  BY_NAME.set(model.id, model);
  for (const alias of model.aliases) BY_NAME.set(alias, model);
}

/** The built-in row for an Anthropic model name (or dated id), if any. */
export function cloudModel(name: string): CloudModel | undefined {
  return BY_NAME.get(name);
}

/**
 * `anthropic-beta` values each cloud accepts; the rest are dropped (the cloud would refuse the request).
 * Sources: [B3] (Bedrock "beta headers" list) and [V2] (Vertex feature support); values for features both
 * clouds document. Anthropic's own API takes any value, so it has no list.
 */
export const BETA_ALLOWLIST: Readonly<Record<Exclude<ProviderName, 'anthropic'>, ReadonlySet<string>>> = {
  bedrock: new Set([
    'computer-use-2024-10-22',
    'computer-use-2025-01-24',
    'computer-use-2025-11-24',
    'token-efficient-tools-2025-02-19',
    'interleaved-thinking-2025-05-14',
    'output-128k-2025-02-19',
    'dev-full-thinking-2025-05-14',
    'context-1m-2025-08-07',
    'context-management-2025-06-27',
    'effort-2025-11-24',
    'tool-search-tool-2025-10-19',
    'tool-examples-2025-10-29',
    'fine-grained-tool-streaming-2025-05-14',
  ]),
  vertex: new Set([
    'computer-use-2024-10-22',
    'computer-use-2025-01-24',
    'computer-use-2025-11-24',
    'token-efficient-tools-2025-02-19',
    'interleaved-thinking-2025-05-14',
    'output-128k-2025-02-19',
    'context-1m-2025-08-07',
    'context-management-2025-06-27',
    'effort-2025-11-24',
    'tool-search-tool-2025-10-19',
    'fine-grained-tool-streaming-2025-05-14',
    'web-search-2025-03-05',
  ]),
};
