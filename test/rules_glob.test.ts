import { describe, expect, test } from 'vitest';
import { appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/**
 * Glob and team-scoped permission rules and exemptions from the built CLI: config validation, doctor,
 * detect, explain and exempt --team. ann and ben are in eng, dan in ops; nobody used anything but the
 * heartbeat, and every grant is old (never used).
 */
const RULES = [
  '    permissions:',
  '      "*/BreakGlass*": { emergency_only: true, description: "break-glass: incidents only" }',
  '      "repo/corp/*": { ttl_days: 200, teams: [ops] }',
  '      "repo/corp/secrets-*": { ttl_days: 30 }',
  '      "nothing-*": { ttl_days: 5 }',
];

async function company(rules = RULES): Promise<string> {
  const dir = await tempDir('lapse-glob-');
  const events: object[] = [];
  for (let d = 0; d < 180; d++) {
    const day = new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'heartbeat', result: 'ok' });
  }
  const old = (principal: string, permission: string) => ({ principal, permission, granted_at: '2025-01-01' });
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'heartbeat' },
      old('ann@corp.example', 'aws/BreakGlassAdmin'),
      old('ann@corp.example', 'repo/corp/secrets-prod'),
      old('ben@corp.example', 'repo/corp/secrets-prod'),
      old('dan@corp.example', 'repo/corp/secrets-prod'),
      old('ben@corp.example', 'repo/corp/web'),
      old('dan@corp.example', 'repo/corp/web'),
    ]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\ndan,dan@corp.example,ops,ann,active\n',
    'lapse.yaml': appConfig(...rules, 'guards: { max_revoke_fraction: 1 }'),
  });
  return dir;
}

const explain = (dir: string, who: string) =>
  lapse(['explain', who, '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--json'], dir);

describe('glob and team-scoped permission rules from the CLI', () => {
  test('an invalid glob is refused before anything runs, naming the field', async () => {
    const dir = await company([...RULES, '      "repo/[abc": { ttl_days: 10 }']);
    const r = lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/systems\.app\.permissions\.repo\/\[abc: .*invalid glob: the \[ at character 6 is never closed/);
    const scoped = await company([...RULES, '      "x-*": { teams: [] }']);
    expect(lapse(['ingest', '--config', 'lapse.yaml'], scoped).err).toMatch(/systems\.app\.permissions\.x-\*\.teams: list at least one team/);
  });

  test('doctor warns of a rule that matches no grant; detect and explain follow the most specific rule', async () => {
    const dir = await company();
    expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    const doctor = lapse(['doctor', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect(doctor.out).toMatch(/^warn  app permission rules: "nothing-\*" matches no grant in the snapshot of 2026-06-30: a typo, or access nobody holds yet$/m);

    const detect = lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--json'], dir);
    expect(detect.err).toBe('');
    const findings = (JSON.parse(detect.out) as { findings: { principal: string; permission: string; kind: string; excluded_by: string | null }[] }).findings;
    const of = (p: string, perm: string) => findings.find((f) => f.principal === p && f.permission === perm);
    expect(of('ann@corp.example', 'aws/BreakGlassAdmin')).toMatchObject({ kind: 'never_used', excluded_by: 'emergency_only' });
    expect(of('ben@corp.example', 'repo/corp/secrets-prod')).toMatchObject({ kind: 'never_used', excluded_by: null });
    // dan is in ops: the team-scoped rule beats the more literal glob (TTL 200: longer than the logs, held).
    expect(of('dan@corp.example', 'repo/corp/secrets-prod')).toMatchObject({ ttl_days: 200, excluded_by: 'observation_window' });
    expect(of('ben@corp.example', 'repo/corp/web')).toMatchObject({ kind: 'never_used', ttl_days: 90, excluded_by: null }); // no rule for eng
    expect(of('dan@corp.example', 'repo/corp/web')).toMatchObject({ ttl_days: 200, excluded_by: 'observation_window' });

    const dan = (JSON.parse(explain(dir, 'dan').out) as { grants: { permission: string; rule: string | null; ttl_days: number }[] }).grants;
    expect(dan.find((e) => e.permission === 'repo/corp/secrets-prod')).toMatchObject({ rule: 'repo/corp/*', ttl_days: 200 });
    const text = lapse(['explain', 'ann', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    expect({ code: text.code, err: text.err }).toEqual({ code: 0, err: '' });
    const ann = text.out.replace(/\n {6}(?=\S)/g, ' ');
    expect(ann).toMatch(/aws\/BreakGlassAdmin[^]*?matched rule "\*\/BreakGlass\*"; permission rule: break-glass: incidents only/);
  });

  test('exempt takes a glob permission and a team: the team members\' matching grants are held', async () => {
    const dir = await company();
    expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
    const base = ['exempt', '--config', 'lapse.yaml', '--system', 'app', '--owner', 'ann', '--reason', 'audit season', '--as-of', '2026-06-30', '--until', '2026-07-31'];
    const typo = lapse([...base, '--permission', 'repo/corp/*', '--team', 'engg'], dir);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/team engg is in no directory snapshot/);
    const none = lapse([...base, '--permission', 'repo/none-*', '--team', 'eng'], dir);
    expect(none.err).toMatch(/no permission matching repo\/none-\* was ever granted, used or revoked on app/);
    expect(lapse([...base, '--permission', 'repo/[x', '--team', 'eng'], dir).err).toMatch(/--permission repo\/\[x: invalid glob/);
    expect(lapse([...base, '--permission', 'repo/*', '--team', 'eng', '--person', 'ben'], dir).err).toMatch(/exactly one of --principal/);

    const made = lapse([...base, '--permission', 'repo/corp/*', '--team', 'eng'], dir);
    expect(made.err).toBe('');
    expect(made.out).toMatch(/exemption x_\w+: app repo\/corp\/\* team eng from 2026-06-30 until 2026-07-31/);
    expect(lapse(['exempt', '--config', 'lapse.yaml', '--list', '--as-of', '2026-06-30'], dir).out).toMatch(/active\s+app repo\/corp\/\* team eng until 2026-07-31/);

    const detect = lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--json'], dir);
    const findings = (JSON.parse(detect.out) as { findings: { principal: string; permission: string; excluded_by: string | null }[] }).findings;
    const held = findings.filter((f) => f.excluded_by === 'exemption').map((f) => `${f.principal} ${f.permission}`).sort();
    expect(held).toEqual(['ann@corp.example repo/corp/secrets-prod', 'ben@corp.example repo/corp/secrets-prod', 'ben@corp.example repo/corp/web']);
  });
});
