import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FindingsDocument } from '../core/model.js';
import { Manifest } from '../lists/index.js';
import { appConfig, hashes, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/** End to end through the built CLI (`npm test` builds first), on a small generic world. */
async function world(): Promise<string> {
  const dir = await tempDir('lapse-cli-');
  const events: object[] = [];
  for (let d = 0; d < 150; d++) {
    const day = new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' });
    if (d < 20) events.push({ ts: `${day}T11:00:00Z`, user: 'ben@corp.example', perm: 'db', result: 'ok' });
  }
  events.push({ ts: '2026-03-01T10:00:00Z', user: 'cat@corp.example', perm: 'admin', result: 'denied' });
  await writeFiles(dir, {
    'logs/app.jsonl': `${jsonl(events)}{"ts": "2026-03-02T10:00:00Z", "user": \n`,
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'db' },
      { principal: 'ben@corp.example', permission: 'db' },
      { principal: 'cat@corp.example', permission: 'admin', granted_at: '2025-01-01' },
    ]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\ncat,cat@corp.example,eng,ann,active\n',
    'lapse.yaml': appConfig('mode: enforce', 'guards: { max_revoke_fraction: 0.9 }', 'actions:', '  - { type: revocation_list }', '  - { type: ticket_preview, dir: ./out/tickets }', 'revocations: { target: ./out/revocations }'),
  });
  return dir;
}

describe('lapse run', () => {
  test('runs the daily job, writes a verifiable revocation list, and is idempotent', async () => {
    const dir = await world();
    const first = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/quarantined 1 \(malformed_json 1\)/);
    expect(first.out).toMatch(/app: 2 revocations/);

    const listDir = join(dir, 'out/revocations/app/2026-06-30');
    const [runId] = await readdir(listDir);
    const manifest = Manifest.parse(JSON.parse(await readFile(join(listDir, runId!, 'manifest.json'), 'utf8')));
    const body = await readFile(join(listDir, runId!, 'revocations.jsonl'));
    expect(manifest.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(manifest.count).toBe(2);

    const lakeBefore = await hashes(join(dir, 'lake'));
    const outBefore = await hashes(join(dir, 'out'));
    const again = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(again.code).toBe(0);
    expect(await hashes(join(dir, 'lake'))).toEqual(lakeBefore);
    expect(await hashes(join(dir, 'out'))).toEqual(outBefore);
  });

  test('--dry-run writes nothing', async () => {
    const dir = await world();
    const r = lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not applied: dry run/);
    expect(await readdir(dir)).not.toContain('lake');
    expect(await readdir(dir)).not.toContain('out');
  });

  test('an invalid config exits 2 naming the field, before anything runs', async () => {
    const dir = await world();
    const text = (await readFile(join(dir, 'lapse.yaml'), 'utf8')).replace('max_revoke_fraction: 0.9', 'max_revoke_fraction: 9');
    await writeFile(join(dir, 'bad.yaml'), text);
    const r = lapse(['run', '--config', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/guards\.max_revoke_fraction: Too big/);
    expect(await readdir(dir)).not.toContain('lake');
  });
});

describe('lapse detect, act, explain', () => {
  test('detect --json prints the findings document; act applies it; explain says why', async () => {
    const dir = await world();
    expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    const detect = lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--json'], dir);
    expect(detect.code).toBe(0);
    const doc = FindingsDocument.parse(JSON.parse(detect.out));
    expect(doc.findings.map((f) => [f.principal, f.kind, f.status])).toEqual([
      ['ben@corp.example', 'stale', 'new'],
      ['cat@corp.example', 'never_used', 'new'],
    ]);
    const act = lapse(['act', '--config', 'lapse.yaml'], dir);
    expect(act.code).toBe(0);
    expect(act.out).toMatch(/2 tickets/);
    const explain = lapse(['explain', 'cat', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(explain.out).toMatch(/FLAGGED — never used: no use since the logs began on 2026-02-01 \(149 days\); TTL 90 days/);
  });
});

describe('lapse exempt, restore and the history in explain', () => {
  test('restore after a revocation is written for the revoker, recorded, and counted as regret', async () => {
    const dir = await world();
    expect(lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    const restore = lapse(
      ['restore', '--config', 'lapse.yaml', '--system', 'app', '--principal', 'ben@corp.example', '--permission', 'db',
        '--reason', 'month-end reporting', '--requested-by', 'ann@corp.example'],
      dir,
    );
    expect(restore.err).toBe('');
    expect(restore.out).toMatch(/undoes lapse's revocation in run 2026-06-30-\w+ \(2026-06-30\): counted as regret/);
    const day = new Date().toISOString().slice(0, 10);
    const [restoreId] = await readdir(join(dir, 'out/revocations/app', day));
    const manifest = Manifest.parse(JSON.parse(await readFile(join(dir, 'out/revocations/app', day, restoreId!, 'manifest.json'), 'utf8')));
    expect(manifest).toMatchObject({ kind: 'restores', file: 'restores.jsonl', count: 1 });
    const entry = JSON.parse(await readFile(join(dir, 'out/revocations/app', day, restoreId!, 'restores.jsonl'), 'utf8'));
    expect(entry).toMatchObject({ principal: 'ben@corp.example', permission: 'db', requested_by: 'ann@corp.example' });

    const explain = lapse(['explain', 'ben', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(explain.out).toMatch(/2026-06-30 flagged\s+app db: stale/);
    expect(explain.out).toMatch(/2026-06-30 revoked\s+app db: stale, run/);
    expect(explain.out).toMatch(/restored\s+app db: requested by ann@corp.example: month-end reporting/);

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const doc = FindingsDocument.parse(JSON.parse(lapse(['detect', '--config', 'lapse.yaml', '--as-of', tomorrow, '--json'], dir).out));
    expect(doc.sources[0]).toMatchObject({ revoked: 2, restored_after_revocation: 1 });
  });

  test('exempt: add, list, revoke, and refuse what is not time-limited', async () => {
    const dir = await world();
    expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const add = lapse(
      ['exempt', '--config', 'lapse.yaml', '--system', 'app', '--permission', 'admin', '--principal', 'cat@corp.example',
        '--owner', 'ann@corp.example', '--reason', 'incident follow-up', '--until', until],
      dir,
    );
    expect(add.code).toBe(0);
    const id = /exemption (x_\w+)/.exec(add.out)![1]!;
    expect(lapse(['exempt', '--config', 'lapse.yaml', '--list'], dir).out).toMatch(new RegExp(`${id}\\s+active\\s+app admin cat@corp.example until ${until}`));
    const revoke = lapse(['exempt', '--config', 'lapse.yaml', '--revoke', id, '--requested-by', 'sec@corp.example', '--reason', 'done'], dir);
    expect(revoke.code).toBe(0);
    expect(lapse(['exempt', '--config', 'lapse.yaml', '--list', '--all'], dir).out).toMatch(/revoked \d{4}-\d{2}-\d{2} by sec@corp.example/);
    const past = lapse(
      ['exempt', '--config', 'lapse.yaml', '--system', 'app', '--permission', 'admin', '--principal', 'cat@corp.example',
        '--owner', 'ann@corp.example', '--reason', 'x', '--until', '2020-01-01'],
      dir,
    );
    expect(past.code).toBe(2);
    expect(past.err).toMatch(/--until 2020-01-01: must be between today and 366 days from now/);
  });
});
