import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Finding } from '../core/model.js';
import { appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/**
 * People-aware detection from the built CLI (issue 12): a team move found in a directory history, a
 * person on leave, an on-call rotation, an unlogged permission and a used new grant nobody else holds,
 * through run (tickets), detect, explain and report. The app's logs run 2026-01-01 … 2026-06-30.
 */
const AS_OF = '2026-06-30';
const PEOPLE = ['boss,boss@corp.example,eng,,active', 'ann,ann@corp.example,eng,boss,active', 'ben,ben@corp.example,eng,boss,active', 'cy,cy@corp.example,eng,boss,active'];
const csv = (rows: string[]) => `id,email,team,manager,status\n${rows.join('\n')}\n`;
const old = (who: string, permission: string) => ({ principal: `${who}@corp.example`, permission, granted_at: '2025-01-01' });

let dir: string;
beforeAll(async () => {
  dir = await tempDir('lapse-people-');
  const events: object[] = [];
  const on = (day: string, who: string, perm: string) => events.push({ ts: `${day}T10:00:00Z`, user: `${who}@corp.example`, perm, result: 'ok' });
  for (let d = 0; d < 181; d++) {
    const day = new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    on(day, 'boss', 'wiki');
    if (d % 7 === 0) for (const w of ['boss', 'ann', 'ben', 'cy']) on(day, w, 'eng-repo');
  }
  on('2026-06-20', 'dan', 'eng-repo'); // dan still uses eng's repository after moving to ops
  on('2026-01-05', 'ann', 'pager'); // ann's on-call access, used in January only
  on('2026-02-01', 'ben', 'db'); // ben's last use before his leave
  on('2026-06-25', 'eve', 'prod-db'); // eve (support) uses new production access nobody else holds
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([
      old('boss', 'wiki'), ...['boss', 'ann', 'ben', 'cy', 'dan'].map((w) => old(w, 'eng-repo')),
      old('ann', 'pager'), old('ben', 'db'),
      ...['boss', 'ann', 'ben', 'cy', 'dan'].map((w) => old(w, 'sso-app')), // nobody's use of sso-app is logged
      { principal: 'eve@corp.example', permission: 'prod-db', granted_at: '2026-06-01' },
    ]),
    'people.csv': csv([...PEOPLE, 'dan,dan@corp.example,ops,boss,active', 'eve,eve@corp.example,support,boss,active']),
    'history/2026-01-01.csv': csv([...PEOPLE, 'dan,dan@corp.example,eng,boss,active', 'eve,eve@corp.example,support,boss,active']),
    'history/2026-05-01.csv': csv([...PEOPLE, 'dan,dan@corp.example,ops,boss,active', 'eve,eve@corp.example,support,boss,active']),
    'leave.csv': 'person,from,to\nben,2026-05-15,\n',
    'oncall.csv': 'person,from,to\nann@corp.example,2026-07-06,2026-07-13\n',
    'lapse.yaml': appConfig(
      '    permissions: { pager: { on_call: true } }',
      'directory: { path: people.csv, history: history, leave: leave.csv, on_call: [oncall.csv] }',
      'guards: { max_revoke_fraction: 1 }',
      'actions: [{ type: ticket_preview, dir: ./tickets }]',
      'site: { url: "https://lapse.corp.example/" }',
    ).replace('directory: { path: people.csv }\n', ''),
  });
  const run = lapse(['run', '--config', 'lapse.yaml', '--as-of', AS_OF], dir);
  expect(run.code, run.err).toBe(3); // a guard held something: the unlogged permission
}, 60_000);

const detect = () => JSON.parse(lapse(['detect', '--config', 'lapse.yaml', '--as-of', AS_OF, '--json'], dir).out).findings as Finding[];
const find = (fs: Finding[], who: string, permission: string) => fs.find((f) => f.principal === `${who}@corp.example` && f.permission === permission);
const explain = (who: string) => lapse(['explain', who, '--config', 'lapse.yaml', '--as-of', AS_OF], dir).out;

describe('people-aware detection from the CLI', () => {
  test('detect: each case gets its kind, its hold and its confidence', () => {
    const fs = detect();
    expect(find(fs, 'dan', 'eng-repo')).toMatchObject({ kind: 'team_move', manager: 'boss@corp.example', move: { from_team: 'eng', moved_on: '2026-05-01' }, revocable_from: null });
    expect(find(fs, 'ben', 'db')).toMatchObject({ kind: 'stale', excluded_by: 'on_leave', status: 'exempted', leave_days: 47, days_unused: 102 });
    expect(find(fs, 'ann', 'pager')).toBeUndefined();
    expect(find(fs, 'ann', 'sso-app')).toMatchObject({ kind: 'never_used', excluded_by: 'unobserved_permission', confidence: 'low' });
    expect(find(fs, 'eve', 'prod-db')).toMatchObject({ kind: 'cold_start_anomaly', last_used: '2026-06-25', confidence: 'medium', revocable_from: null });
  });

  test('explain says why, in words', () => {
    expect(explain('dan')).toMatch(/team move: moved from team eng on 2026-05-01; 100% of that team hold it, 0% of the new team/);
    expect(explain('ben')).toMatch(/47 days of leave not counted/);
    expect(explain('ben')).toMatch(/on leave/);
    expect(explain('ann')).toMatch(/kept: the holder is in the on-call rotation/);
    expect(explain('ann')).toMatch(/more likely unlogged than unused/);
  });

  test('tickets: the new manager is asked about the team move, with its evidence', async () => {
    const files = await readdir(join(dir, 'tickets'), { recursive: true });
    const texts = await Promise.all(files.filter((f) => f.endsWith('.md')).map((f) => readFile(join(dir, 'tickets', f), 'utf8')));
    const move = texts.find((t) => t.includes('dan@corp.example') && t.includes('eng-repo'));
    expect(move).toMatch(/moved from team eng on 2026-05-01 and still holds access typical of that team/);
    expect(move).toMatch(/Manager: decide/);
    expect(texts.find((t) => t.startsWith('# lapse tickets'))).toMatch(/Confirm access kept from an old team: dan@corp\.example on app/);
  });

  test("report builds from the same lake, and the site has the page the ticket links", async () => {
    expect(lapse(['report', '--config', 'lapse.yaml', '--out', 'report.html'], dir).code).toBe(0);
    expect(lapse(['report', '--config', 'lapse.yaml', '--site', 'site'], dir).code).toBe(0);
    const files = await readdir(join(dir, 'tickets'), { recursive: true });
    const ticket = await readFile(join(dir, 'tickets', files.find((f) => f.includes('dan@corp.example'))!), 'utf8');
    const link = /Everything they hold and when it lapses: https:\/\/lapse\.corp\.example\/(people\/dan-[0-9a-f]{12}\.html)/.exec(ticket);
    expect(link, ticket).not.toBeNull();
    expect(await readFile(join(dir, 'site', link![1]!), 'utf8')).toContain('dan@corp.example');
  });
});
