import { expect, test } from 'vitest';
import { Db } from './db.js';
import { globProblem, isGlob, literalChars } from './glob.js';

test.each([
  ['db-admin', false, 8],
  ['*/BreakGlass*', true, 11],
  ['repo/corp/secrets-*', true, 18],
  ['a?c', true, 2],
  ['[ab]x', true, 1],
  ['a\\*', true, 2],
])('%s: glob %s, %i literal characters', (pattern, glob, literals) => {
  expect(isGlob(pattern)).toBe(glob);
  expect(literalChars(pattern)).toBe(literals);
  expect(globProblem(pattern)).toBeNull();
});

test.each([
  ['repo/[abc', /\[ at character 6 is never closed/],
  ['x[]', /never closed/],
  ['trailing\\', /lone \\/],
  ['[z-a]', /range z-a is backwards/],
  ['[ab-]', /- last in a set/],
])('%s is refused: %s', (pattern, message) => {
  expect(globProblem(pattern)).toMatch(message);
});

/** What the checks above assume about DuckDB: each refused pattern matches nothing there, not even itself. */
test.each([['repo/[abc'], ['[z-a]'], ['[ab-]'], ['trailing\\']])('DuckDB matches nothing with %s', async (pattern) => {
  const db = await Db.open({ threads: 1 });
  try {
    const hits = await db.all('SELECT s FROM (SELECT unnest([$p, $p[2:], \'a\', \'b\', \'-\', \'z\', \'repo/a\', \'trailing\']) AS s) WHERE s GLOB $p', { p: pattern });
    expect(hits).toEqual([]);
  } finally {
    db.close();
  }
});

test('a ] first in a set is a member, as in DuckDB', async () => {
  expect(globProblem('[]a]')).toBeNull();
  const db = await Db.open({ threads: 1 });
  try {
    expect(await db.one("SELECT ']' GLOB '[]a]' AS hit")).toEqual({ hit: true });
  } finally {
    db.close();
  }
});
