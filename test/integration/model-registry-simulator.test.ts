/**
 * The registry's built-in table (src/models/table.ts) must agree with what the simulated Claude — the
 * upstream's rules as an executable spec — reports in its `GET /v1/models`, for every model it serves. Where
 * the two disagree one of them is wrong about the real API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtInRegistry,
  createModelRegistry,
  MODEL_TABLE,
  type ModelCapabilities,
} from '../../src/models/index.js';
import { modelRule, startSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;
let listed: Record<string, unknown>[];

beforeAll(async () => {
  sim = await startSimulator();
  const res = await fetch(`${sim.baseUrl}/models?limit=1000`, {
    headers: { 'x-api-key': 'sk-ant-test-not-a-real-key', 'anthropic-version': '2023-06-01' },
  });
  expect(res.status).toBe(200);
  listed = ((await res.json()) as { data: Record<string, unknown>[] }).data;
});
afterAll(() => sim.close());

interface SimCaps {
  thinking: { types: string[]; on_by_default?: boolean; default_display?: string };
  effort: { supported: boolean; levels?: string[]; default?: string | null };
  structured_outputs: { supported: boolean };
}

describe('the built-in model table and the simulated Claude', () => {
  it('the table knows every model the simulator serves', () => {
    expect(listed.length).toBeGreaterThan(5);
    const known = new Set(MODEL_TABLE.flatMap((row) => row.ids));
    for (const entry of listed) expect(known.has(entry['id'] as string), String(entry['id'])).toBe(true);
  });

  it('agrees on limits, thinking types, defaults, effort levels and structured outputs for every model', () => {
    for (const entry of listed) {
      const id = entry['id'] as string;
      const table: ModelCapabilities = builtInRegistry.lookup(id);
      const caps = entry['capabilities'] as SimCaps;
      expect(table.maxInputTokens, `${id} context`).toBe(entry['max_input_tokens']);
      expect(table.maxOutputTokens, `${id} max output`).toBe(entry['max_tokens']);
      expect(table.thinking.adaptive, `${id} adaptive`).toBe(caps.thinking.types.includes('adaptive'));
      expect(table.thinking.enabled, `${id} budget`).toBe(caps.thinking.types.includes('enabled'));
      // The table never sends "disabled" where it is uncertain (Opus 4.7/4.8 think only when asked): it may
      // say false where the simulator accepts it, never the other way round.
      if (table.thinking.disabled) expect(caps.thinking.types, `${id} disabled`).toContain('disabled');
      if (table.thinking.onByDefault)
        expect(caps.thinking.types.includes('disabled') || caps.thinking.on_by_default).toBe(true);
      if (caps.thinking.on_by_default !== undefined)
        expect(table.thinking.onByDefault, `${id} thinks by default`).toBe(caps.thinking.on_by_default);
      if (caps.thinking.default_display !== undefined)
        expect(table.thinking.defaultDisplay, `${id} display`).toBe(caps.thinking.default_display);
      expect([...table.effortLevels], `${id} effort levels`).toEqual(
        caps.effort.supported ? caps.effort.levels : [],
      );
      if (table.defaultEffort !== undefined)
        expect(table.defaultEffort, `${id} default effort`).toBe(caps.effort.default);
      expect(table.structuredOutputs, `${id} structured outputs`).toBe(caps.structured_outputs.supported);
      // Not in the list; the simulator's rules row says it.
      expect(table.prefill, `${id} prefill`).toBe(modelRule(id)?.prefill);
    }
  });

  it('a registry fed by the simulator ends up with the same capabilities as the table alone', async () => {
    const registry = createModelRegistry({
      source: () => Promise.resolve(listed),
    });
    await registry.refresh();
    expect(registry.fromUpstream).toBe(true);
    for (const entry of listed) {
      const id = entry['id'] as string;
      const fromList = registry.lookup(id);
      const table = builtInRegistry.lookup(id);
      expect(fromList.effortLevels, id).toEqual(table.effortLevels);
      expect(fromList.thinking.adaptive, id).toBe(table.thinking.adaptive);
      expect(fromList.thinking.enabled, id).toBe(table.thinking.enabled);
      expect(fromList.thinking.onByDefault, id).toBe(table.thinking.onByDefault);
      expect(fromList.sampling, id).toBe(table.sampling);
      expect(fromList.forcedToolChoice, id).toBe(table.forcedToolChoice);
    }
    // The simulator models between_tools (Sonnet 5.5) and lists it; the list and the table agree.
    expect(builtInRegistry.lookup('claude-sonnet-5-5').thinking.betweenTools).toBe(true);
    expect(registry.lookup('claude-sonnet-5-5').thinking.betweenTools).toBe(true);
    expect(registry.lookup('claude-opus-5-5').thinking.betweenTools).toBe(false);
  });
});
