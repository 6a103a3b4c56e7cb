import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SETUP_SQL } from '../connectors/_shared/sql.js';
import { Db } from './db.js';

let db: Db;
beforeAll(async () => {
  db = await Db.open();
  await db.run(SETUP_SQL);
});
afterAll(() => db.close());

describe('Db', () => {
  test('binds lists, empty ones too, and runs scripts statement by statement', async () => {
    expect(await db.all('SELECT len($xs) AS n', { xs: [] })).toEqual([{ n: 0 }]);
    await db.run('CREATE TEMP TABLE t AS SELECT unnest($xs) AS x;\nINSERT INTO t VALUES ($y);\n', { xs: ['a', 'b'], y: 'c' });
    expect(await db.all('SELECT x FROM t ORDER BY x')).toEqual([{ x: 'a' }, { x: 'b' }, { x: 'c' }]);
  });

  test('tableFromRows keeps types and NULLs', async () => {
    await db.tableFromRows('r', { a: 'VARCHAR', n: 'INTEGER' }, [{ a: 'x', n: 1 }, { a: null, n: null }]);
    expect(await db.all('SELECT a, n FROM r ORDER BY n NULLS LAST')).toEqual([{ a: 'x', n: 1 }, { a: null, n: null }]);
    await db.tableFromRows('e', { a: 'VARCHAR' }, []);
    expect(await db.all('SELECT typeof(a) AS t FROM (SELECT a FROM e UNION ALL SELECT NULL)')).toEqual([{ t: 'VARCHAR' }]);
  });
});

describe('lapse_time', () => {
  test.each([
    ['2026-03-02T08:15:00Z', '2026-03-02T08:15:00.000Z'],
    ['2026-03-02T10:15:00+02:00', '2026-03-02T08:15:00.000Z'],
    ['2026-03-02 08:15:00', '2026-03-02T08:15:00.000Z'],
    ['2024-06-02 19:41:40.000000000', '2024-06-02T19:41:40.000Z'],
    ['2026-03-02T08:15:00.123456789Z', '2026-03-02T08:15:00.123Z'],
    ['1772439300', '2026-03-02T08:15:00.000Z'],
    ['1772439300000', '2026-03-02T08:15:00.000Z'],
    ['1772439300000000', '2026-03-02T08:15:00.000Z'],
    ['2026-03-02', '2026-03-02T00:00:00.000Z'],
    ['yesterday', null],
    ['99999999999999999999999999', null],
    ['', null],
  ])('%s', async (text, iso) => {
    const row = await db.one<{ t: string | null }>('SELECT lapse_time($v) AS t', { v: text });
    expect(row?.t ?? null).toBe(iso);
  });

  test('a column mixing times and epoch numbers beyond TIMESTAMPTZ gives NULL for those, in one vector', async () => {
    const rows = await db.all<{ t: string | null }>(
      `SELECT lapse_time(v) AS t FROM (SELECT unnest($vs) AS v, generate_subscripts($vs, 1) AS i) ORDER BY i`,
      { vs: ['2026-03-02T08:15:00Z', '99999999999999999999999999', '-1e30', '123456789012345678901234567890', '1772439300'] },
    );
    expect(rows.map((r) => r.t)).toEqual(['2026-03-02T08:15:00.000Z', null, null, null, '2026-03-02T08:15:00.000Z']);
  });
});

describe('Db.run scripts', () => {
  test('a `;` or `--` inside a literal, a quoted identifier or a comment splits nothing', async () => {
    await db.run(
      `-- a comment; with a semicolon at its end;
CREATE TEMP TABLE s AS SELECT 'a--b;\n' AS x, $y AS "we--ird;
";
/* block; comment;
*/ INSERT INTO s VALUES ('c''--;\n', $z);
INSERT INTO s VALUES ($$dollar--;\n$$, 'e'); -- trailing
`,
      { y: 'y--;\n', z: "z'" },
    );
    expect(await db.all('SELECT x, "we--ird;\n" AS y FROM s ORDER BY x')).toEqual([
      { x: 'a--b;\n', y: 'y--;\n' },
      { x: "c'--;\n", y: "z'" },
      { x: 'dollar--;\n', y: 'e' },
    ]);
  });

  test('each statement gets only the parameters it names; a missing one is an error', async () => {
    expect(await db.run('CREATE TEMP TABLE p AS SELECT $a AS a;\nINSERT INTO p VALUES ($b)', { a: '1', b: '2', c: 'unused' })).toBe(1);
    await expect(db.run('SELECT $missing', { other: 'x' })).rejects.toThrow();
  });
});
