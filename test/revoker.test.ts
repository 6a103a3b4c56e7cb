import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { actCommand, detectCommand, ingestCommand, runCommand, type Io } from '../cli/commands.js';
import { restoreCommand } from '../cli/restore.js';
import { revokerCommand } from '../cli/revoker.js';
import { silentLogger } from '../core/log.js';
import { FindingsDocument } from '../core/model.js';
import { Ack, RevocationEntry } from '../lists/index.js';
import { appConfig, tempDir, writeFiles, annBenCat } from './helpers.js';

/**
 * The closed loop, end to end: detect → revocation list → revoker → ack → the next run's grants snapshot
 * no longer has the grant → the finding is resolved. The revoker's command here is a stand-in for a
 * system's API: it records what it was asked and edits the grants snapshot file the next run ingests.
 */
const GRANTS_COMMAND = `
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
const [dir, crashOn, signal = 'SIGKILL'] = process.argv.slice(2);
let input = '';
for await (const c of process.stdin) input += c;
const e = JSON.parse(input);
const action = process.env.LAPSE_ACTION;
appendFileSync(dir + '/calls.jsonl', JSON.stringify({ action, system: process.env.LAPSE_SYSTEM, run: process.env.LAPSE_RUN_ID, principal: e.principal, permission: e.permission }) + '\\n');
const file = dir + '/grants.jsonl';
const grants = readFileSync(file, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l));
const held = grants.some((g) => g.principal === e.principal && g.permission === e.permission);
if (action === 'revoke') {
  if (!held) process.exit(3);
  writeFileSync(file, grants.filter((g) => !(g.principal === e.principal && g.permission === e.permission)).map((g) => JSON.stringify(g) + '\\n').join(''));
} else {
  if (held) process.exit(3);
  writeFileSync(file, [...grants, { principal: e.principal, permission: e.permission }].map((g) => JSON.stringify(g) + '\\n').join(''));
}
// A crash (SIGKILL) or a stop (SIGTERM) of the revoker while this entry is applied, before it is acked.
if (e.principal === crashOn) process.kill(process.ppid, signal);
console.log(action + 'd ' + e.principal + ' ' + e.permission);
`;

async function world(): Promise<string> {
  const dir = await tempDir('lapse-loop-');
  await writeFiles(dir, {
    ...annBenCat({ grants: [{ principal: 'dan@corp.example', permission: 'admin', granted_at: '2025-01-01' }], people: ['dan,dan@corp.example,eng,ann,active'] }),
    'lapse.yaml': appConfig('mode: enforce', 'guards: { max_revoke_fraction: 0.9 }', 'actions:', '  - { type: revocation_list }', 'revocations: { target: ./out/revocations }'),
    'revoke.mjs': GRANTS_COMMAND,
  });
  return dir;
}

function io(): Io & { text: () => string } {
  let text = '';
  return { out: (t) => void (text += t), log: silentLogger(), text: () => text };
}

const exec = (dir: string, ...args: string[]) => [process.execPath, join(dir, 'revoke.mjs'), dir, ...args].map((a) => `'${a}'`).join(' ');
const config = (dir: string) => join(dir, 'lapse.yaml');
const calls = async (dir: string) =>
  (await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
const grants = async (dir: string) =>
  (await readFile(join(dir, 'grants.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => { const g = JSON.parse(l); return `${g.principal} ${g.permission}`; });
const acks = async (dir: string, list: string) =>
  (await readFile(join(dir, 'out/revocations', list, 'ack.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => Ack.parse(JSON.parse(l)));

async function firstRun(dir: string): Promise<{ list: string; entries: RevocationEntry[] }> {
  expect(await runCommand(io(), { config: config(dir), asOf: '2026-06-30' })).toBe(0);
  const latest = JSON.parse(await readFile(join(dir, 'out/revocations/app/latest.json'), 'utf8')) as { manifest: string };
  const list = latest.manifest.replace(/manifest\.json$/, '');
  const body = await readFile(join(dir, 'out/revocations', list, 'revocations.jsonl'), 'utf8');
  return { list, entries: body.split('\n').filter(Boolean).map((l) => RevocationEntry.parse(JSON.parse(l))) };
}

/** Runs `lapse revoker` in its own process (from dist/, built by `npm test`), so it can really be killed. */
function revokerProcess(opts: object) {
  const driver = `const { revokerCommand } = await import(process.argv[1]); const { silentLogger } = await import(process.argv[2]);
    process.exitCode = await revokerCommand({ out: (t) => process.stdout.write(t), log: silentLogger() }, JSON.parse(process.argv[3]));`;
  const dist = new URL('../dist/', import.meta.url).pathname;
  return spawnSync(
    process.execPath,
    ['--input-type=module', '-e', driver, join(dist, 'cli/revoker.js'), join(dist, 'core/log.js'), JSON.stringify(opts)],
    { encoding: 'utf8' },
  );
}

describe('the closed loop', () => {
  test('detect → list → revoker → ack → next run sees the grant gone → resolved; then a restore re-grants', async () => {
    const dir = await world();
    const { list, entries } = await firstRun(dir);
    expect(entries.map((e) => `${e.principal} ${e.permission} ${e.reason}`).sort()).toEqual([
      'ben@corp.example db stale', 'cat@corp.example admin never_used', 'dan@corp.example admin never_used',
    ]);

    const out = io();
    expect(await revokerCommand(out, { config: config(dir), system: 'app', exec: exec(dir) })).toBe(0);
    expect(out.text()).toContain(`${list} revocations: 3 applied, 0 already absent, 0 failed`);
    expect(await calls(dir)).toEqual(entries.map((e) => ({ action: 'revoke', system: 'app', run: e.run_id, principal: e.principal, permission: e.permission })));
    expect(await grants(dir)).toEqual(['ann@corp.example db']);
    expect((await acks(dir, list)).map((a) => [a.finding_id, a.status, a.detail])).toEqual(
      entries.map((e) => [e.finding_id, 'applied', `revoked ${e.principal} ${e.permission}`]),
    );

    // The next day's run reads the new grants snapshot: the grants are gone, the findings resolved.
    expect(await ingestCommand(io(), { config: config(dir), asOf: '2026-07-01' })).toBe(0);
    const detect = io();
    expect(await detectCommand(detect, { config: config(dir), asOf: '2026-07-01', json: true })).toBe(0);
    const doc = FindingsDocument.parse(JSON.parse(detect.text()));
    expect(doc.findings.map((f) => [f.finding_id, f.status, f.resolved_on]).sort()).toEqual(
      entries.map((e) => [e.finding_id, 'resolved', '2026-07-01']).sort(),
    );
    expect(await actCommand(io(), { config: config(dir), asOf: '2026-07-01' })).toBe(0);
    const quiet = io();
    expect(await revokerCommand(quiet, { config: config(dir), system: 'app', exec: exec(dir) })).toBe(0);
    expect(quiet.text()).toMatch(/2 lists already acknowledged\nnothing to do\n$/);
    expect(await calls(dir)).toHaveLength(3);

    // A revoked person asks again: the restore request goes to the same revoker.
    expect(await restoreCommand(io(), {
      config: config(dir), system: 'app', principal: 'ben@corp.example', permission: 'db', reason: 'month-end', requestedBy: 'ann@corp.example',
    })).toBe(0);
    const restore = io();
    expect(await revokerCommand(restore, { config: config(dir), system: 'app', exec: exec(dir) })).toBe(0);
    expect(restore.text()).toMatch(/app\/\d{4}-\d{2}-\d{2}\/r_\w+\/ restores: 1 applied, 0 already present, 0 failed/);
    expect((await calls(dir)).at(-1)).toMatchObject({ action: 'restore', principal: 'ben@corp.example', permission: 'db', run: expect.stringMatching(/^r_/) });
    expect(await grants(dir)).toEqual(['ann@corp.example db', 'ben@corp.example db']);
  });

  test('a tampered list is refused: nothing applied, exit 1', async () => {
    const dir = await world();
    const { list } = await firstRun(dir);
    const file = join(dir, 'out/revocations', list, 'revocations.jsonl');
    await writeFile(file, (await readFile(file, 'utf8')).replace('ben@corp.example', 'ann@corp.example'));
    const out = io();
    expect(await revokerCommand(out, { config: config(dir), system: 'app', exec: exec(dir) })).toBe(1);
    expect(out.text()).toMatch(/revocations: REFUSED — \S+revocations\.jsonl: sha256 \w+ does not match the manifest's \w+\n/);
    expect(out.text()).toMatch(/exit 1: 0 entries failed, 1 list refused/);
    expect(await calls(dir)).toEqual([]);
    expect(await grants(dir)).toHaveLength(4);
  });

  test('a restart after a crash mid-list re-applies only what was not acked', async () => {
    const dir = await world();
    const { list, entries } = await firstRun(dir);
    const [first, second, third] = entries.map((e) => e.principal);
    // A real crash: the revoker process is killed (SIGKILL) while the second entry is applied.
    const crashed = revokerProcess({ config: config(dir), system: 'app', exec: exec(dir, second!) });
    expect(crashed.signal).toBe('SIGKILL');
    expect((await acks(dir, list)).map((a) => a.status)).toEqual(['applied']);

    const out = io();
    expect(await revokerCommand(out, { config: config(dir), system: 'app', exec: exec(dir) })).toBe(0);
    expect(out.text()).toContain(`${list} revocations: 1 applied, 1 already absent, 0 failed, 1 done before`);
    expect((await calls(dir)).map((c) => c['principal'])).toEqual([first, second, second, third]);
    expect((await acks(dir, list)).map((a) => a.status)).toEqual(['applied', 'already_absent', 'applied']);
    expect(await grants(dir)).toEqual(['ann@corp.example db']);
  });

  test('SIGTERM stops the worker between entries: the running entry is acked, the rest wait', async () => {
    const dir = await world();
    const { list, entries } = await firstRun(dir);
    const [first, second, third] = entries.map((e) => e.principal);
    const stopped = revokerProcess({ config: config(dir), system: 'app', exec: exec(dir, first!, 'SIGTERM') });
    expect(stopped.status).toBe(1);
    expect(stopped.stdout).toContain(`${list} revocations: 1 applied, 0 already absent, 0 failed, 2 left`);
    expect(stopped.stdout).toContain('stopped by a signal: what was not run waits for the next start');
    expect((await acks(dir, list)).map((a) => a.status)).toEqual(['applied']);
    const out = io();
    expect(await revokerCommand(out, { config: config(dir), system: 'app', exec: exec(dir) })).toBe(0);
    expect((await calls(dir)).map((c) => c['principal'])).toEqual([first, second, third]);
  });

  test('bad options are refused before anything runs', async () => {
    const dir = await world();
    await expect(revokerCommand(io(), { config: config(dir), system: 'nope', exec: 'true' })).rejects.toThrow(/--system nope: not configured in .*; configured: app/);
    await expect(revokerCommand(io(), { config: config(dir), system: 'app', exec: 'true', concurrency: '0' })).rejects.toThrow('--concurrency 0: expected a whole number ≥ 1');
    await expect(revokerCommand(io(), { config: config(dir), system: 'app', exec: "x 'y" })).rejects.toThrow(/unterminated ' quote/);
  });
});
