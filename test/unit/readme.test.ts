import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingSpecs, settingsTable } from '../../src/config/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** A markdown table as rows of trimmed cells, so a formatter's column padding does not matter. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .trim()
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? '---' : cell.trim())),
    );
}

describe('the README', () => {
  it('documents every setting exactly as the code defines it (regenerate with npm run docs:settings)', () => {
    const start = readme.indexOf('<!-- settings-table:start -->');
    const end = readme.indexOf('<!-- settings-table:end -->');
    expect(start).toBeGreaterThan(0);
    const documented = readme.slice(start + '<!-- settings-table:start -->'.length, end).trim();
    expect(cells(documented)).toEqual(cells(settingsTable()));
    for (const spec of settingSpecs()) expect(documented).toContain(`\`${spec.key}\``);
  });

  it('shows the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
