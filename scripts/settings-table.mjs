// Prints the README's settings table from the settings list in src/config (built to dist/ first), or with
// --write replaces the table between the README's settings-table markers. A test keeps the two equal.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../dist/config/index.js';

const readme = new URL('../README.md', import.meta.url);
const table = settingsTable();
if (process.argv.includes('--write')) {
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- settings-table:start -->';
  const end = '<!-- settings-table:end -->';
  const before = text.slice(0, text.indexOf(start) + start.length);
  const after = text.slice(text.indexOf(end));
  writeFileSync(readme, `${before}\n${table}\n${after}`);
} else {
  process.stdout.write(table + '\n');
}
