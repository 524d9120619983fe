import { describe, expect, it } from 'vitest';
import { toAnthropicRequest } from '../../src/adapter/index.js';
import { thinksAdaptively } from '../../src/adapter/reasoning.js';

const ask = (model: string, extra: Record<string, unknown>) =>
  toAnthropicRequest({ model, messages: [{ role: 'user', content: 'why?' }], ...extra }).request;

describe('reasoning_effort on models that think adaptively', () => {
  it('knows which models think adaptively', () => {
    for (const m of [
      'claude-opus-4-6',
      'claude-sonnet-4-6',
      'claude-opus-4-7',
      'claude-opus-5',
      'claude-sonnet-5-5',
      'claude-fable-5-1',
      'claude-mythos-preview',
      'claude-haiku-5-5',
    ]) {
      expect(thinksAdaptively(m), m).toBe(true);
    }
    for (const m of [
      'claude-sonnet-4-5',
      'claude-opus-4-5-20251101',
      'claude-haiku-4-5',
      'claude-3-7-sonnet-latest',
      'gpt-4o',
    ]) {
      expect(thinksAdaptively(m), m).toBe(false);
    }
  });

  it('becomes adaptive thinking with an effort instead of a token budget', () => {
    const request = ask('claude-opus-4-7', { reasoning_effort: 'medium', max_completion_tokens: 2000 });
    expect(request.thinking).toEqual({ type: 'adaptive' });
    expect(request.output_config).toEqual({ effort: 'medium' });
    expect(request.max_tokens).toBe(2000);
  });

  it('maps minimal to low, and passes xhigh on', () => {
    expect(ask('claude-sonnet-5', { reasoning_effort: 'minimal' }).output_config).toEqual({ effort: 'low' });
    expect(ask('claude-sonnet-5', { reasoning_effort: 'xhigh' }).output_config).toEqual({ effort: 'xhigh' });
  });

  it('sends no thinking for "none"', () => {
    const request = ask('claude-opus-5', { reasoning_effort: 'none' });
    expect(request.thinking).toBeUndefined();
    expect(request.output_config).toBeUndefined();
  });

  it('keeps the token budget on older models', () => {
    const request = ask('claude-sonnet-4-5', { reasoning_effort: 'low', max_completion_tokens: 10_000 });
    expect(request.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(request.output_config).toBeUndefined();
  });

  it('still drops temperature when adaptive thinking is on', () => {
    const request = ask('claude-opus-4-7', { reasoning_effort: 'high', temperature: 0.2 });
    expect(request.temperature).toBeUndefined();
  });
});
