import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { RELATIONS } from '../core/relations.js';
import { relationsTable, withRelationsTable } from './relations-reference.js';

const doc = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');

test('docs/architecture.md lists the hand-off relations of core/relations.ts (run `npm run docs` after changing it)', () => {
  expect(doc).toBe(withRelationsTable(doc));
});

test('the table has a row per registered relation', () => {
  const names = [...relationsTable().matchAll(/^\| \w+ \| `(\w+)` \|/gm)].map((m) => m[1]);
  expect(names).toEqual(RELATIONS.map((r) => r.name));
});
