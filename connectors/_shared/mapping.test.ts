import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ingest } from '../../ingest/index.js';
import { config, jsonl, stageContext, tempDir, writeFiles } from '../../test/helpers.js';

/**
 * Mapping values are data, never SQL text: a template's literal parts and the success values may hold
 * anything a config can (`--`, `;` at a line end, quotes, `$`, braces, any script), and ingest reads them as written.
 */
const NASTY = ["--", ";\n", "'", '"', '$1', '$name', '{}', '/*', 'zoë ✓ 名'];

let close = () => {};
afterEach(() => close());

async function ingestWith(connector: 'jsonl' | 'csv', files: Record<string, string>, mapping: Record<string, unknown>) {
  const dir = await tempDir('lapse-mapping-');
  await writeFiles(dir, {
    ...files,
    'grants.jsonl': jsonl([{ principal: 'alice', permission: 'x' }]),
    'people.csv': 'id,email,team,manager,status,aliases\nu1,alice@corp.example,eng,,active,\n',
  });
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    systems: { app: { connector, logs: [{ path: 'logs/' }], grants: { path: 'grants.jsonl' }, mapping } },
  });
  const ctx = await stageContext(cfg);
  close = () => ctx.close();
  const report = (await ingest(ctx, '2026-03-10')).logs[0]!;
  const usage = await ctx.db.all<{ principal: string; permission: string; uses: number }>(
    `SELECT principal, permission, sum(uses)::BIGINT AS uses FROM read_parquet($glob) GROUP BY ALL ORDER BY ALL`,
    { glob: join(dir, 'lake/usage_daily/**/*.parquet') },
  );
  return { report, usage };
}

describe('mapping values with SQL-looking text', () => {
  test.each(NASTY)('jsonl: a template literal and a success value of %j', async (text) => {
    const { report, usage } = await ingestWith(
      'jsonl',
      {
        'logs/a.jsonl': jsonl([
          { ts: '2026-03-02T08:00:00Z', user: 'alice', perm: 'db', result: `ok${text}` },
          { ts: '2026-03-02T09:00:00Z', user: 'alice', perm: 'db', result: 'no' },
        ]),
      },
      { time: 'ts', principal: 'user', permission: `{perm}${text}{user}`, outcome: { field: 'result', success: [`OK${text}`] } },
    );
    expect(report.quarantined).toEqual({});
    expect(report.skipped).toEqual({ denied: 1 });
    expect(usage).toEqual([{ principal: 'alice', permission: `db${text}alice`, uses: 1 }]);
  });

  test('csv: the same values, and a column name with `--` in it', async () => {
    const { report, usage } = await ingestWith(
      'csv',
      { 'logs/a.csv': 'when,who--x,role\n2026-03-02T08:00:00Z,alice,db\n' },
      { time: 'when', principal: 'who--x', permission: `{role}--'"$x;\n{}{who--x}` },
    );
    expect(report.quarantined).toEqual({});
    expect(usage).toEqual([{ principal: 'alice', permission: `db--'"$x;\n{}alice`, uses: 1 }]);
  });
});
