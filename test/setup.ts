import fc from 'fast-check';
import { afterAll } from 'vitest';
import { killAllChildren } from './helpers/spawn.js';

// CI runs the property tests with a fixed seed, so whether a submission lands never depends on the draw;
// every local run draws a new seed and keeps exploring. FC_SEED overrides either way.
const fixed = process.env['FC_SEED'] ?? (process.env['CI'] ? '20261124' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });

// No test leaves a process running, whether it passed or failed.
afterAll(() => killAllChildren());

// Library notices that say nothing about claudine, silenced so a real warning stands out:
// - oidc-provider's development-mode warnings (the test authorization server is development-only on purpose);
// - the Anthropic SDK's model deprecation notice (tests that pin an older model id for a fixed fixture).
// Anything else still reaches the output.
const LIBRARY_NOISE = [
  /^oidc-provider WARNING: /,
  /^The model '[^']+' is deprecated and will reach end-of-life /,
];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  // eslint-disable-next-line no-control-regex
  const first = typeof args[0] === 'string' ? args[0].replace(/\x1b\[[0-9;]*m/g, '') : '';
  if (LIBRARY_NOISE.some((pattern) => pattern.test(first))) return;
  warn(...args);
};
