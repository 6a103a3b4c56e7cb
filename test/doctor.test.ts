import { describe, expect, test } from 'vitest';
import { appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/** ann uses db daily until 2026-06-20: as of 2026-06-30 the app's logs are ten days silent. */
async function world(...more: string[]): Promise<string> {
  const dir = await tempDir('lapse-doctor-');
  const events: object[] = [];
  for (let d = 0; d < 140; d++) {
    const day = new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' });
  }
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'db' }, { principal: 'ben@corp.example', permission: 'db' }]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\n',
    'lapse.yaml': appConfig(...more),
  });
  return dir;
}

const doctor = (dir: string, ...args: string[]) => lapse(['doctor', '--config', 'lapse.yaml', ...args], dir);

describe('lapse doctor warns about what the run will hold', () => {
  test('a log glob matching no file is a warning, and the summary does not say "no problems"', async () => {
    const dir = await world('  web:', '    connector: jsonl', '    logs: [{ path: "weblogs/*.jsonl.gz" }]', '    grants: { path: grants.jsonl }',
      '    mapping: { time: ts, principal: user, permission: perm }');
    const r = doctor(dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^warn  web logs: .*weblogs\/\*\.jsonl\.gz: the glob matches no file: nothing will be ingested from it$/m);
    expect(r.out).toMatch(/^ok    lake: .*nothing ingested yet/m);
    expect(r.out).not.toMatch(/no problems/);
    expect(r.out).toMatch(/no failures, 1 warning(\(s\))?:[^\n]*\n$/);
  });

  test('a system whose newest event is older than max_source_lag_days, and a system with no grants snapshot', async () => {
    const dir = await world('  web:', '    connector: jsonl', '    logs: [{ path: logs/ }]', '    grants: { path: grants.jsonl }',
      '    mapping: { time: ts, principal: user, permission: perm }');
    expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--source', 'app'], dir).code).toBe(0);
    const r = doctor(dir, '--as-of', '2026-06-30');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^warn  app freshness: newest event 2026-06-20, 10 days before 2026-06-30 \(max_source_lag_days 2\): source_freshness will hold app$/m);
    expect(r.out).toMatch(/^warn  web freshness: no event ingested on or before 2026-06-30: source_freshness will hold web/m);
    expect(r.out).toMatch(/^warn  web grants snapshot: none in the lake on or before 2026-06-30/m);
    expect(r.out).not.toMatch(/warn  app grants snapshot/);
    expect(r.out).not.toMatch(/no problems/);

    const fresh = doctor(dir, '--as-of', '2026-06-21');
    expect(fresh.out).toMatch(/^ok    app freshness: newest event 2026-06-20, within 2 day(s|\(s\)) of 2026-06-21$/m);
  });

  test("the guards the last run held are named", async () => {
    const dir = await world();
    expect(lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(3);
    const r = doctor(dir, '--as-of', '2026-06-30');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^warn  app last run: the run as of 2026-06-30 held \d+ \(source_freshness\): /m);
  });
});
