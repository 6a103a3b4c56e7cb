import { describe, expect, test } from 'vitest';
import { appConfig, jsonl, lapse, tempDir, writeFiles } from './helpers.js';

/** cat never used admin (flagged as of 2026-06-30); dan left the company and still holds admin. */
async function world(): Promise<string> {
  const dir = await tempDir('lapse-exempt-');
  const events: object[] = [];
  for (let d = 0; d < 150; d++) {
    const day = new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' });
  }
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'db' },
      { principal: 'cat@corp.example', permission: 'admin', granted_at: '2025-01-01' },
      { principal: 'dan@corp.example', permission: 'admin', granted_at: '2025-01-01' },
    ]),
    'people.csv':
      'id,email,team,manager,status\nann,ann@corp.example,eng,,active\ncat,cat@corp.example,eng,ann,active\ndan,dan@corp.example,eng,ann,terminated\n',
    'lapse.yaml': appConfig('    permissions: { admin: { description: "full control of the app: kept by the on-call lead only" } }'),
  });
  expect(lapse(['ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(0);
  return dir;
}

const exempt = (dir: string, who: string, ...args: string[]) =>
  lapse(['exempt', '--config', 'lapse.yaml', '--system', 'app', '--permission', 'admin', '--principal', who, '--owner', 'ann', '--reason', 'on call', ...args], dir);
/** explain's text, each verdict on one line again (long lines may be wrapped, continued 6 spaces in). */
const explain = (dir: string, who: string, asOf = '2026-06-30') =>
  lapse(['explain', who, '--config', 'lapse.yaml', '--as-of', asOf], dir).out.replace(/\n {6}(?=\S)/g, ' ');
const idOf = (out: string) => /exemption (x_\w+)/.exec(out)![1]!;

describe('exempt --as-of and why an exemption does not apply', () => {
  test('an exemption recorded as of the run day holds the grant on that day', async () => {
    const dir = await world();
    const add = exempt(dir, 'cat@corp.example', '--as-of', '2026-06-30', '--until', '2026-07-31');
    expect(add.err).toBe('');
    expect(add.code).toBe(0);
    expect(explain(dir, 'cat')).toMatch(/EXCLUDED — never used: .* — held: exempted: on call \(exemption x_\w+, owner ann, until 2026-07-31\)/);
    const list = lapse(['exempt', '--config', 'lapse.yaml', '--list', '--as-of', '2026-06-30'], dir).out;
    expect(list).toMatch(/x_\w+\s+active\s+app admin cat@corp.example until 2026-07-31/);
  });

  test('--until is judged from --as-of', async () => {
    const dir = await world();
    const r = exempt(dir, 'cat@corp.example', '--as-of', '2026-06-30', '--until', '2027-07-31');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--until 2027-07-31: must be between the as-of day 2026-06-30 and 366 days after it/);
  });

  test('explain says why an exemption does not apply: not started, expired, withdrawn, a leaver', async () => {
    const dir = await world();
    const today = new Date().toISOString().slice(0, 10);
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    // A run as of 2026-06-30 (exit 3: revoking 2 of 3 grants is beyond the default blast radius).
    expect(lapse(['detect', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir).code).toBe(3);
    const made = exempt(dir, 'cat@corp.example', '--until', until);
    expect(made.out).toMatch(/note: the newest run is as of 2026-06-30, before \d{4}-\d{2}-\d{2}: .*record it with --as-of 2026-06-30/);
    const later = idOf(made.out);
    expect(explain(dir, 'cat')).toMatch(
      new RegExp(`FLAGGED — never used: .*; exemption ${later} does not apply: starts ${today}, after the as-of day 2026-06-30`),
    );

    const expired = idOf(exempt(dir, 'cat@corp.example', '--as-of', '2026-06-01', '--until', '2026-06-10').out);
    expect(explain(dir, 'cat')).toMatch(new RegExp(`exemption ${expired} does not apply: expired after its last day, 2026-06-10`));

    const dan = idOf(exempt(dir, 'dan@corp.example', '--as-of', '2026-06-01', '--until', '2026-07-31').out);
    expect(explain(dir, 'dan')).toMatch(new RegExp(`FLAGGED — terminated: .*exemption ${dan} does not apply: the person is terminated`));

    const withdrawn = idOf(exempt(dir, 'cat@corp.example', '--as-of', '2026-06-01', '--until', '2026-12-31').out);
    expect(explain(dir, 'cat')).toMatch(/EXCLUDED/);
    expect(lapse(['exempt', '--config', 'lapse.yaml', '--revoke', withdrawn, '--requested-by', 'sec', '--reason', 'audit'], dir).code).toBe(0);
    expect(explain(dir, 'cat', '2026-12-31')).toMatch(new RegExp(`exemption ${withdrawn} does not apply: withdrawn on ${today} by sec`));
  });

  test("explain shows the permission rule's description", async () => {
    const dir = await world();
    expect(explain(dir, 'cat')).toMatch(/never used: .*; permission rule: full control of the app: kept by the on-call lead only/);
  });
});
