import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { EXCLUDED_BY_IDS } from '../core/rules.js';
import { rulesTable, withRulesTable } from './rules-reference.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test("the README's excluded_by table matches core/rules.ts (run `npm run docs` after changing it)", () => {
  expect(readme).toBe(withRulesTable(readme));
});

test('the table has a row per value of excluded_by, in precedence order', () => {
  const ids = [...rulesTable().matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).slice(1);
  expect(ids).toEqual(EXCLUDED_BY_IDS);
});
