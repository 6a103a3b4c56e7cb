import { join } from 'node:path';
import { addExemption } from '../core/exemptions.js';
import { LocalLake } from '../core/store.js';
import { AS_OF } from './world.js';
import { appConfig, jsonl, tempDir, writeFiles } from './helpers.js';

/**
 * A larger company on disk for end-to-end CLI tests whose output must be big (more than a pipe holds):
 * `people` people in ten teams, `systems` JSONL systems where everyone holds five permissions, and on the
 * first system `wide` permissions held by the first person (a long `explain`) and used by every team
 * every few days (many `suggest-ttl` groups); `unresolved` long principals per system match nobody, and
 * `exemptions` are recorded on the first system. Each system has a daily heartbeat, so no source is silent.
 */
export async function company(
  opts: { people?: number; systems?: number; wide?: number; exemptions?: number; unresolved?: number } = {},
): Promise<string> {
  const { people = 200, systems = 1, wide = 300, exemptions = 0, unresolved = 0 } = opts;
  const dir = await tempDir('lapse-company-');
  const ids = Array.from({ length: people }, (_, i) => `p${String(i).padStart(4, '0')}`);
  const email = (id: string) => `${id}@corp.example`;
  const team = (i: number) => `team-${i % 10}`;
  const files: Record<string, string> = {
    'people.csv': ['id,email,team,manager,status', ...ids.map((id, i) => `${id},${email(id)},${team(i)},,active`)].join('\n'),
  };
  const names = Array.from({ length: systems }, (_, s) => `sys${String(s).padStart(3, '0')}`);
  const days = Array.from({ length: 180 }, (_, d) => new Date(Date.parse(`${AS_OF}T00:00:00Z`) - d * 86_400_000).toISOString().slice(0, 10));
  const perm = (k: number) => `perm-${String(k).padStart(3, '0')}`;
  for (const [s, name] of names.entries()) {
    const events = days.map((day) => ({ ts: `${day}T12:00:00Z`, user: email(ids[0]!), perm: 'heartbeat', result: 'ok' }));
    const grants: object[] = [{ principal: email(ids[0]!), permission: 'heartbeat' }];
    ids.forEach((id, i) => {
      for (let k = 0; k < 5; k++) grants.push({ principal: email(id), permission: perm((i + k) % 30) });
    });
    for (let u = 0; u < unresolved; u++) {
      // Long principals nobody in the directory is (an assumed role's session): the run summary names a few.
      grants.push({ principal: `arn:aws:sts::123456789012:assumed-role/${name}-deployment-automation-role-${u}/pipeline-session-${'x'.repeat(60)}-${u}`, permission: perm(u) });
    }
    if (s === 0) {
      for (let k = 30; k < wide; k++) grants.push({ principal: email(ids[0]!), permission: perm(k) });
      // Every person uses one permission every 3 to 12 days: gaps for every (team, permission).
      ids.forEach((id, i) => {
        const every = 3 + (i % 10);
        for (let d = i % every; d < days.length; d += every) events.push({ ts: `${days[d]}T09:00:00Z`, user: email(id), perm: perm(i % 30), result: 'ok' });
      });
    }
    files[`logs/${name}.jsonl`] = jsonl(events);
    files[`grants/${name}.jsonl`] = jsonl(grants);
  }
  files['lapse.yaml'] = [
    'store: ./lake',
    'directory: { path: people.csv }',
    'defaults: { ttl_days: 90, max_source_lag_days: 2 }',
    'mode: enforce',
    // Volume, not judgement: every grant that goes unused goes on a list, even where nobody uses a permission
    // (which unobserved_permission would hold as probably unlogged).
    'guards: { max_revoke_fraction: 1, max_revoke_count: 100000, unobserved_permission: { min_holders: 100000 } }',
    'actions:',
    '  - { type: revocation_list }',
    'revocations: { target: ./out/revocations }',
    'systems:',
    ...names.map(
      (name) =>
        `  ${name}: { connector: jsonl, logs: [{ path: logs/${name}.jsonl }], grants: { path: grants/${name}.jsonl }, ` +
        'mapping: { time: ts, principal: user, permission: perm, outcome: { field: result, success: [ok] } } }',
    ),
    '',
  ].join('\n');
  await writeFiles(dir, files);
  const lake = new LocalLake(join(dir, 'lake'));
  for (let i = 0; i < exemptions; i++) {
    const id = ids[i % ids.length]!;
    await addExemption(lake, {
      system: names[0]!, permission: perm(i % 30), principal: email(id), person: null, owner: 'security@corp.example',
      reason: `exemption ${i}: needed for the quarterly audit`, until: '2026-12-31', created_by: 'security@corp.example', source: 'cli',
    });
  }
  return dir;
}

/** A one-person company whose `app` logs cover 150 days (long enough to judge): one grant used daily, one never. */
export async function onePerson(...configLines: string[]): Promise<string> {
  const dir = await tempDir('lapse-one-');
  const days = Array.from({ length: 150 }, (_, d) => new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10));
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(days.map((day) => ({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' }))),
    'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'db' }, { principal: 'ann@corp.example', permission: 'admin' }]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\n',
    'lapse.yaml': appConfig('guards: { max_revoke_fraction: 1 }', ...configLines),
  });
  return dir;
}
