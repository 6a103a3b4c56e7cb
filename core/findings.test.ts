import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Db } from './db.js';
import { FINDING_ID_MACRO, findingId, isRevocable, REVOCABLE_SQL } from './findings.js';
import { FindingStatus } from './model.js';
import { EXCLUDED_BY_IDS } from './rules.js';

let db: Db;
beforeAll(async () => {
  db = await Db.open();
  await db.run(FINDING_ID_MACRO);
});
afterAll(() => db.close());

describe('the finding id', () => {
  // Separators, quotes, non-ASCII (UTF-8 on both sides), empty parts, the joiner itself inside a part.
  const parts: [string, string, string][] = [
    ['aws', 'ann@corp.example', 'arn:aws:iam::123456789012:role/admin'],
    ['okta', 'O\'Brien "x"', 'app/0oa7k2ndw3LpQe8sV5d7'],
    ['gh', 'zoë-ünïcødé 日本', 'repo:écrire'],
    ['', '', ''],
    ['a\u001fb', 'c', 'd'],
    ['tab\tnew\nline', '\\back', '%_*'],
  ];

  test.each(parts)('findingId(%j, %j, %j) is what evaluate.sql computes', async (system, principal, permission) => {
    const row = await db.one<{ id: string }>('SELECT lapse_finding_id($s, $p, $q) AS id', { s: system, p: principal, q: permission });
    expect(row?.id).toBe(findingId(system, principal, permission));
  });
});

describe('revocable', () => {
  const day = '2026-06-30';
  const cases = FindingStatus.options.flatMap((status) =>
    [null, ...EXCLUDED_BY_IDS].flatMap((excluded_by) =>
      [null, '2026-06-29', day, '2026-07-01'].map((revocable_from) => ({ status, excluded_by, revocable_from })),
    ),
  );

  test(`isRevocable and REVOCABLE_SQL agree on all ${cases.length} cases`, async () => {
    await db.tableFromRows('cases', { i: 'INTEGER', status: 'VARCHAR', excluded_by: 'VARCHAR', revocable_from: 'DATE' }, cases.map((c, i) => ({ i, ...c })));
    const rows = await db.all<{ revocable: boolean }>(`SELECT ${REVOCABLE_SQL} AS revocable FROM cases ORDER BY i`, { as_of: day });
    expect(rows.map((r) => r.revocable)).toEqual(cases.map((c) => isRevocable(c, day)));
    // Both sides say yes somewhere: the comparison is not of two constants.
    expect(cases.filter((c) => isRevocable(c, day))).toHaveLength(6);
  });
});
