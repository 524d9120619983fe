// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
// Usage: node bench/profile-top.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function topFunctions(profile, n = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  // samples[i] ran for timeDeltas[i+1] (the delta after it); the last sample has no known duration.
  const deltas = profile.timeDeltas;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = deltas[i + 1] ?? 0;
    total += dt;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const cf = node.callFrame;
    const where = cf.url ? `${path.basename(cf.url.replace(/^file:\/\//, ''))}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return {
    totalMs: total / 1000,
    rows: rows.map(([fn, us]) => ({ fn, selfMs: us / 1000, share: us / total })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const n = Number(process.argv[3] ?? 25);
  const { totalMs, rows } = topFunctions(JSON.parse(readFileSync(file, 'utf8')), n);
  console.log(`${path.basename(file)}: ${totalMs.toFixed(0)} ms sampled`);
  for (const r of rows)
    console.log(`${(r.share * 100).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(1).padStart(8)} ms  ${r.fn}`);
}
