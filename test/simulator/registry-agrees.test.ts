/**
 * Two tables describe the same models from two sides: src/simulator/rules.ts is what the UPSTREAM enforces
 * (the simulator refuses what it refuses); src/models/table.ts is what the proxy believes, to make requests
 * acceptable. If they disagree, either the proxy sends what the upstream refuses or the simulator lets a bug
 * through — so they must agree on every model both know, and know the same models.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_TABLE } from '../../src/models/index.js';
import { MODEL_RULES, modelRule, type ModelRule } from '../../src/simulator/index.js';

/** The simulator's row in the proxy registry's vocabulary. */
function asRegistry(rule: ModelRule) {
  return {
    maxInputTokens: rule.contextWindow,
    maxOutputTokens: rule.maxOutput,
    adaptive: rule.thinking.adaptive,
    enabled: rule.thinking.budget,
    disabled: rule.thinking.disable !== 'refused',
    // The registry's "thinking may be turned off up to this effort" covers `disabled` and `between_tools`.
    offUpToEffort:
      rule.thinking.disable === 'effort-at-most-high' || rule.thinking.betweenTools ? 'high' : undefined,
    betweenTools: rule.thinking.betweenTools,
    onByDefault: rule.thinking.onByDefault,
    defaultDisplay: rule.defaultDisplay,
    effortLevels: rule.effortLevels ?? [],
    sampling: rule.sampling === 'refused' ? 'none' : 'one',
    forcedToolChoice: rule.forcedToolChoice === 'refused' ? 'never' : 'thinking-off',
    structuredOutputs: rule.structuredOutputs,
  };
}

describe("the simulator's upstream rules and the proxy's model registry", () => {
  it('know the same model ids', () => {
    const registryIds = MODEL_TABLE.flatMap((row) => row.ids).sort();
    const simulatorIds = MODEL_RULES.flatMap((rule) => [rule.id, ...rule.aliases]).sort();
    expect(simulatorIds).toEqual(registryIds);
  });

  for (const row of MODEL_TABLE) {
    const id = row.ids[0]!;
    it(`agree on ${id}`, () => {
      const rule = modelRule(id);
      expect(rule, `the simulator has no row for ${id}`).toBeDefined();
      const c = row.capabilities;
      const registry = {
        maxInputTokens: c.maxInputTokens,
        maxOutputTokens: c.maxOutputTokens,
        adaptive: c.thinking.adaptive,
        enabled: c.thinking.enabled,
        disabled: c.thinking.disabled,
        offUpToEffort: c.thinking.offUpToEffort,
        betweenTools: c.thinking.betweenTools,
        onByDefault: c.thinking.onByDefault,
        defaultDisplay: c.thinking.defaultDisplay,
        effortLevels: [...c.effortLevels],
        sampling: c.sampling,
        forcedToolChoice: c.forcedToolChoice,
        structuredOutputs: c.structuredOutputs,
      };
      expect(asRegistry(rule!)).toEqual(registry);
      // A default effort the registry documents must be the simulator's too.
      if (c.defaultEffort !== undefined) expect(rule!.defaultEffort).toBe(c.defaultEffort);
    });
  }
});
