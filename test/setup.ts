import fc from 'fast-check';

// CI runs the property tests with a fixed seed, so whether a submission lands never depends on the draw;
// every local run draws a new seed and keeps exploring. FC_SEED overrides either way.
const fixed = process.env['FC_SEED'] ?? (process.env['CI'] ? '20261124' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
