import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Db, sqlString } from '../core/db.js';
import { appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/**
 * Names people recognise, from the built CLI: a grants snapshot's `label` and the config's system
 * description and owners reach the ticket preview, `lapse explain`, the findings document and the
 * revocation list line, the id beside the label and still the key. A lake written before labels
 * existed (no label column in its grants snapshots and findings) still reads.
 */

const AS_OF = '2026-06-30';

async function company(): Promise<string> {
  const dir = await tempDir('lapse-labels-');
  const events: object[] = [];
  for (let d = 0; d < 150; d++) {
    const day = new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' });
  }
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'db', label: 'Orders database' },
      { principal: 'cat@corp.example', permission: 'admin', granted_at: '2025-01-01', label: 'Admin console' },
      { principal: 'cat@corp.example', permission: 'wiki', granted_at: '2025-01-01' },
    ]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\ncat,cat@corp.example,eng,ann,active\n',
    'lapse.yaml': appConfig(
      '    description: Internal admin app',
      '    owner: platform@corp.example',
      '    permissions:',
      '      admin: { owner: security@corp.example }',
      'mode: enforce',
      'guards: { max_revoke_fraction: 1 }',
      'actions:',
      '  - { type: ticket_preview, dir: ./out/tickets }',
      '  - { type: revocation_list }',
      'revocations: { target: ./out/revocations, min_confidence: medium }',
    ),
  });
  return dir;
}

async function files(root: string, suffix: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return all.filter((f) => f.isFile() && f.name.endsWith(suffix)).map((f) => join(f.parentPath, f.name)).sort();
}

const run = (dir: string, asOf = AS_OF) => lapse(['run', '--config', 'lapse.yaml', '--as-of', asOf], dir);

describe('display labels from the CLI', () => {
  test('a ticket preview, explain, the findings document and the revocation list show the label with the id', async () => {
    const dir = await company();
    const r = run(dir);
    expect(r.code, r.err).toBe(0);

    const [ticket] = await files(join(dir, 'out/tickets'), '.md').then((f) => f.filter((p) => !p.endsWith('index.md')));
    const md = await readFile(ticket!, 'utf8');
    expect(md).toMatch(/^\| app \| Admin console \(admin\) \| cat@corp\.example \| never used \|/m);
    expect(md).toMatch(/^\| app \| wiki \| cat@corp\.example \| never used \|/m);
    expect(md).toContain('**About the system:** app (Internal admin app; owner platform@corp.example).');

    const [list] = await files(join(dir, 'out/revocations/app'), 'revocations.jsonl');
    const lines = (await readFile(list!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['permission'], l['label']])).toEqual([['admin', 'Admin console'], ['wiki', null]]);

    const doc = JSON.parse(lapse(['detect', '--config', 'lapse.yaml', '--as-of', AS_OF, '--json'], dir).out) as { findings: Record<string, unknown>[] };
    expect(doc.findings.map((f) => [f['permission'], f['label']])).toEqual([['admin', 'Admin console'], ['wiki', null]]);

    const plain = lapse(['explain', 'cat', '--config', 'lapse.yaml', '--as-of', AS_OF], dir);
    expect(plain.code, plain.err).toBe(0);
    const text = plain.out;
    expect(text).toMatch(/^ {2}app Admin console \(admin\) as cat@corp\.example$/m);
    expect(text).toMatch(/^ {2}app wiki as cat@corp\.example$/m);
    const json = JSON.parse(lapse(['explain', 'cat', '--config', 'lapse.yaml', '--as-of', AS_OF, '--json'], dir).out) as { grants: Record<string, unknown>[] };
    expect(json.grants.map((g) => [g['permission'], g['label'], g['owner']])).toEqual([
      ['admin', 'Admin console', 'security@corp.example'],
      ['wiki', null, 'platform@corp.example'],
    ]);
    expect(String(json.grants[0]!['reason'])).toMatch(/; owner security@corp\.example$/);

    // The report and the expiring-access site (cat's page lists every grant cat holds).
    const report = lapse(['report', '--config', 'lapse.yaml', '--as-of', AS_OF, '--out', 'report.html'], dir);
    expect(report.code, report.err).toBe(0);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('Admin console (admin)');
    expect(lapse(['report', '--config', 'lapse.yaml', '--as-of', AS_OF, '--site', 'site'], dir).code).toBe(0);
    const pages = await Promise.all((await files(join(dir, 'site'), '.html')).map((f) => readFile(f, 'utf8')));
    expect(pages.filter((p) => p.includes('<td>Admin console (admin)</td>')).length).toBeGreaterThan(0);

    // The holder's notice (a dry run: printed, not sent) names the grant the same way.
    const notify = (await readFile(join(dir, 'lapse.yaml'), 'utf8')).replace('actions:\n',
      'actions:\n  - { type: notify, email: { host: 127.0.0.1, from: "lapse <lapse@corp.example>", summary_to: [sec@corp.example] }, contact: sec@corp.example }\n');
    await writeFiles(dir, { 'notify.yaml': notify });
    const notice = lapse(['notify', '--config', 'notify.yaml', '--as-of', AS_OF, '--dry-run'], dir);
    expect(notice.code, notice.err).toBe(0);
    expect(notice.out).toContain('app Admin console (`admin`): never used since it was granted on 2025-01-01');
    expect(notice.out).toContain('app `wiki`: never used');
  });

  test('a lake written before labels (no label column) still reads: act, report, explain and the next run', async () => {
    const dir = await company();
    expect(run(dir, '2026-06-29').code).toBe(0);
    // Rewrite the lake's grants snapshots and findings as an earlier lapse wrote them: without the column.
    const lake = join(dir, 'lake');
    const db = await Db.open({ threads: 1 });
    try {
      for (const f of [...(await files(join(lake, 'grants'), '.parquet')), ...(await files(join(lake, 'findings'), '.parquet'))]) {
        await db.run(`COPY (SELECT * EXCLUDE (label) FROM read_parquet(${sqlString(f)}, hive_partitioning = false)) TO ${sqlString(`${f}.old`)} (FORMAT parquet)`);
        await db.run(`COPY (SELECT * FROM read_parquet(${sqlString(`${f}.old`)})) TO ${sqlString(f)} (FORMAT parquet)`);
        const cols = await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(f)}, hive_partitioning = false)`);
        expect(cols.map((c) => c.column_name)).not.toContain('label');
      }
    } finally {
      db.close();
    }

    const act = lapse(['act', '--config', 'lapse.yaml', '--as-of', '2026-06-29', '--dry-run'], dir);
    expect(act.code, act.err).toBe(0);
    const report = lapse(['report', '--config', 'lapse.yaml', '--as-of', '2026-06-29', '--out', 'report.html'], dir);
    expect(report.code, report.err).toBe(0);
    const explained = JSON.parse(lapse(['explain', 'cat', '--config', 'lapse.yaml', '--as-of', '2026-06-29', '--json'], dir).out) as { grants: { label: string | null }[] };
    expect(explained.grants.map((g) => g.label)).toEqual([null, null]);

    // The next run reads the old findings as its previous run and writes labels again from today's snapshot.
    expect(run(dir).code).toBe(0);
    const doc = JSON.parse(lapse(['detect', '--config', 'lapse.yaml', '--as-of', AS_OF, '--json'], dir).out) as { findings: { permission: string; label: string | null; status: string }[] };
    expect(doc.findings.map((f) => [f.permission, f.label, f.status])).toEqual([['admin', 'Admin console', 'open'], ['wiki', null, 'open']]);
  });
});
