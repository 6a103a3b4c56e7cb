import { readFileSync, writeFileSync } from 'node:fs';
import { EXCLUDED_BY_IDS, rule } from '../core/rules.js';
import { withBlock } from './blocks.js';

/**
 * Generates the README's `excluded_by` table (under "Detection rules, guards and lifecycle") from the
 * rules registry, core/rules.ts: one row per rule or guard that holds findings, in precedence order.
 * `npm run docs` rewrites the block between the markers; scripts/rules-reference.test.ts checks it is current.
 */

/** The table. */
export function rulesTable(): string {
  const rows = EXCLUDED_BY_IDS.map((id) => `| \`${id}\` | ${rule(id).doc} |`);
  return ['| `excluded_by` | meaning |', '|---|---|', ...rows].join('\n');
}

/** The README text with its generated block replaced by the current table. */
export function withRulesTable(readme: string): string {
  return withBlock(readme, 'rules', rulesTable(), 'README.md');
}

/** Rewrites the README's rules table in place. */
export function writeRulesTable(path = 'README.md'): void {
  writeFileSync(path, withRulesTable(readFileSync(path, 'utf8')));
}
