import { describe, expect, it } from 'vitest';
import { toOpenAIModelList } from '../../src/adapter/index.js';
import { FALLBACK_MODELS, MODEL_TABLE } from '../../src/models/index.js';

describe('models', () => {
  it('converts the Anthropic model list to OpenAI’s, created in unix seconds, owned by anthropic', () => {
    const out = toOpenAIModelList({
      data: [
        {
          id: 'claude-sonnet-4-5-20250929',
          type: 'model',
          display_name: 'Claude Sonnet 4.5',
          created_at: '2025-09-29T00:00:00Z',
        },
        { id: 'claude-x', type: 'model', display_name: 'X', created_at: 'not a date' },
        { type: 'model' },
      ],
      has_more: false,
      first_id: null,
      last_id: null,
    });
    expect(out).toEqual({
      object: 'list',
      data: [
        { id: 'claude-sonnet-4-5-20250929', object: 'model', created: 1759104000, owned_by: 'anthropic' },
        { id: 'claude-x', object: 'model', created: 0, owned_by: 'anthropic' },
      ],
    });
  });

  it('returns an empty list for anything that is not a model list', () => {
    expect(toOpenAIModelList(null)).toEqual({ object: 'list', data: [] });
    expect(toOpenAIModelList({ data: 'x' })).toEqual({ object: 'list', data: [] });
  });

  it('offers a fallback list: the canonical id of every row of the built-in model table', () => {
    expect(FALLBACK_MODELS.length).toBeGreaterThan(3);
    expect(FALLBACK_MODELS.every((id) => id.startsWith('claude-'))).toBe(true);
    expect(FALLBACK_MODELS).toEqual(MODEL_TABLE.map((row) => row.ids[0]));
  });
});
