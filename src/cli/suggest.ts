/** "Did you mean …": the closest known word to a near miss, by edit distance. */

/** Levenshtein distance with adjacent transpositions (`--prot` → `--port` is one edit). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const prev = d[i - 1]!;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known word closest to `word`, if it is close enough to be what was meant: at most a third of the
 * word's length in edits (at least one), or `word` being a unique prefix or suffix-free abbreviation.
 */
export function closest(word: string, known: readonly string[]): string | null {
  const lowered = word.toLowerCase().replace(/_/g, '-');
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lowered, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(lowered.replace(/^-+/, '').length / 3));
  if (best !== null && bestDistance <= allowed) return best;
  const prefixed = known.filter((k) => k.startsWith(lowered) && lowered.replace(/^-+/, '').length >= 3);
  return prefixed.length === 1 ? (prefixed[0] ?? null) : null;
}

/** `(did you mean --server--port?)`, or '' when nothing is close. */
export function didYouMean(word: string, known: readonly string[]): string {
  const match = closest(word, known);
  return match === null ? '' : ` (did you mean ${match}?)`;
}
