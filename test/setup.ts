import fc from 'fast-check';
import { afterAll } from 'vitest';
import { killAllChildren } from './helpers/spawn.js';

// CI runs the property tests with a fixed seed, so whether a submission lands never depends on the draw;
// every local run draws a new seed and keeps exploring. FC_SEED overrides either way.
const fixed = process.env['FC_SEED'] ?? (process.env['CI'] ? '20261124' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });

// No test leaves a process running, whether it passed or failed.
afterAll(() => killAllChildren());
