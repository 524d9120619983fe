import { describe, expect, it } from 'vitest';
import { createModelRegistry, mergeUpstream, builtInRegistry } from '../../src/models/index.js';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';

const yes = { supported: true };
const no = { supported: false };

/** An entry in the official shape (@anthropic-ai/sdk ModelInfo). */
function official(id: string, overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id,
    type: 'model',
    display_name: id,
    created_at: '2026-11-01T00:00:00Z',
    deprecated_at: null,
    lifecycle: 'active',
    line: 'opus',
    max_input_tokens: 500_000,
    max_tokens: 100_000,
    retires_at: null,
    capabilities: {
      batch: yes,
      citations: yes,
      code_execution: yes,
      context_management: {
        supported: true,
        clear_thinking_20251015: yes,
        clear_tool_uses_20250919: yes,
        compact_20260112: yes,
      },
      effort: { supported: true, low: yes, medium: yes, high: yes, xhigh: no, max: yes },
      image_input: yes,
      pdf_input: yes,
      server_tools: { supported: true, code_execution: yes, web_search: yes },
      structured_outputs: yes,
      thinking: {
        supported: true,
        types: { adaptive: yes, enabled: no, disabled: no, between_tools: no },
      },
    },
    ...overrides,
  };
}

describe('the model registry', () => {
  it('reads the official capabilities shape over the table row', () => {
    const registry = createModelRegistry({ source: () => Promise.resolve([official('claude-opus-4-6')]) });
    return registry.refresh().then(() => {
      const caps = registry.lookup('claude-opus-4-6');
      expect(caps.maxOutputTokens).toBe(100_000);
      expect(caps.effortLevels).toEqual(['low', 'medium', 'high', 'max']);
      expect(caps.thinking).toMatchObject({
        adaptive: true,
        enabled: false,
        disabled: false,
        onByDefault: true,
      });
      // What the list does not say comes from the table row.
      expect(caps.sampling).toBe('one');
      expect(caps.source).toContain('upstream /v1/models');
    });
  });

  it('gives a model only the upstream knows its listed facts and the defaults for the rest', async () => {
    const registry = createModelRegistry({ source: () => Promise.resolve([official('claude-opus-6')]) });
    expect(registry.lookup('claude-opus-6').known).toBe(false);
    await registry.refresh();
    const caps = registry.lookup('claude-opus-6');
    expect(caps.known).toBe(true);
    expect(caps.maxInputTokens).toBe(500_000);
    expect(caps.sampling).toBe('none');
    // The alias follows the upstream's newest model of the line.
    expect(registry.lookup('opus').id).toBe('claude-opus-6');
  });

  it('keeps the last good list when a refresh fails, and refreshes once for concurrent callers', async () => {
    let calls = 0;
    let fail = false;
    const registry = createModelRegistry({
      source: () => {
        calls++;
        return fail ? Promise.reject(new Error('down')) : Promise.resolve([official('claude-opus-6')]);
      },
      maxAge: 0,
      retryAfterFailure: 0,
    });
    await Promise.all([registry.refresh(), registry.refresh(), registry.ensureFresh()]);
    expect(calls).toBe(1);
    fail = true;
    await registry.refresh();
    expect(registry.fromUpstream).toBe(true);
    expect(registry.entries().map((e) => e.id)).toEqual(['claude-opus-6']);
  });

  it('answers from the built-in table when the upstream was never reached', () => {
    const registry = createModelRegistry();
    expect(registry.fromUpstream).toBe(false);
    expect(registry.entries()[0]?.id).toBe('claude-fable-5-2');
    expect(registry.lookup('claude-sonnet-4-5-20250929')).toEqual(
      builtInRegistry.lookup('claude-sonnet-4-5-20250929'),
    );
  });

  it('treats thinking.supported false as a model that never thinks', () => {
    const base = builtInRegistry.lookup('claude-haiku-4-5');
    const entry = official('claude-haiku-4-5', {});
    (entry.capabilities!.thinking as { supported: boolean }).supported = false;
    const caps = mergeUpstream(base, {
      id: 'claude-haiku-4-5',
      created_at: '',
      raw: entry as unknown as Record<string, unknown>,
    });
    expect(caps.thinking).toMatchObject({ adaptive: false, enabled: false, onByDefault: false });
  });
});
