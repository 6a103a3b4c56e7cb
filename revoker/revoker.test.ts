import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Ack, writeList, type ListToWrite } from '../lists/index.js';
import { UsageError } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import { tempDir } from '../test/helpers.js';
import { summary } from '../cli/revoker.js';
import { runRevoker, splitCommand, type RevokerOptions } from './index.js';

/**
 * The test command records each call (action, system, run, entry) in calls.jsonl and acts on the
 * principal's name: `gone…` exits 3 (already absent/present), `broken…` fails with a message on
 * stderr, `flaky…` fails on its first call only, `slow…` sleeps 30 s; anything else exits 0.
 */
const COMMAND = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
let input = '';
for await (const c of process.stdin) input += c;
const e = JSON.parse(input);
const env = process.env;
appendFileSync(process.argv[2] + '/calls.jsonl', JSON.stringify({ action: env.LAPSE_ACTION, system: env.LAPSE_SYSTEM, run: env.LAPSE_RUN_ID, id: env.LAPSE_ENTRY_ID, principal: e.principal }) + '\\n');
const p = e.principal;
if (p.startsWith('gone')) process.exit(3);
if (p.startsWith('broken')) { console.error('HTTP 403: ' + 'x'.repeat(3000) + ' token lacks apps.manage'); process.exit(1); }
if (p.startsWith('flaky')) {
  const mark = process.argv[2] + '/flaky.' + p;
  if (!existsSync(mark)) { writeFileSync(mark, ''); console.error('HTTP 503'); process.exit(2); }
}
if (p.startsWith('slow')) await new Promise((r) => setTimeout(r, 30000));
console.log('done ' + p);
`;

async function setup() {
  const dir = await tempDir('lapse-revoker-');
  await writeFile(join(dir, 'cmd.mjs'), COMMAND);
  const target = new LocalLake(join(dir, 'lists'));
  const opts: RevokerOptions = {
    system: 'app', argv: [process.execPath, join(dir, 'cmd.mjs'), dir], timeoutMs: 20_000, concurrency: 1, ackEvery: 1, log: silentLogger(),
  };
  const calls = async () =>
    (await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
  return { dir, target, opts, calls };
}

const revocation = (principal: string, run_id: string, system = 'app') => ({
  system, principal, permission: 'db', person: null, reason: 'stale', last_used: '2026-01-01', granted_at: null,
  days_unused: 180, ttl_days: 90, finding_id: `f_${principal}`, run_id,
});
const restore = (principal: string, id: string) => ({
  restore_id: id, system: 'app', principal, permission: 'db', person: null, finding_id: `f_${principal}`, reason: 'needed',
  requested_by: 'boss', requested_at: '2026-07-01T09:00:00Z', revoked_in_run: null,
});
const revocations = (as_of: string, run_id: string, principals: string[], held_reason: string | null = null): ListToWrite => ({
  system: 'app', as_of, run_id, kind: 'revocations', entries: principals.map((p) => revocation(p, run_id)), held_reason,
});
const acksOf = async (target: LocalLake, dir: string) =>
  ((await target.readText(`${dir}ack.jsonl`)) ?? '').split('\n').filter(Boolean).map((l) => Ack.parse(JSON.parse(l)));

describe('splitCommand', () => {
  test.each([
    ['node x.mjs', ['node', 'x.mjs']],
    ['  a   b\tc ', ['a', 'b', 'c']],
    [`a 'b c' "d \\"e\\" f" g\\ h`, ['a', 'b c', 'd "e" f', 'g h']],
    [`sh -c 'echo $HOME | cat'`, ['sh', '-c', 'echo $HOME | cat']],
    [`a '' b`, ['a', '', 'b']],
  ])('%s', (cmd, words) => expect(splitCommand(cmd)).toEqual(words));

  test.each([
    ['', /empty command/],
    [`a 'b`, /unterminated ' quote/],
    ['a \\', /lone backslash/],
  ])('refuses %j', (cmd, message) => {
    expect(() => splitCommand(cmd)).toThrow(UsageError);
    expect(() => splitCommand(cmd)).toThrow(message);
  });
});

describe('runRevoker', () => {
  test('runs the command once per entry, acks each outcome, and retries only failures on the next run', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['ann', 'gone-ben', 'broken-cat', 'flaky-dan']));
    const first = await runRevoker(target, opts);
    expect(first.lists).toEqual([
      expect.objectContaining({ dir: 'app/2026-06-30/run1/', kind: 'revocations', state: 'applied', applied: 1, already: 1, failed: 2, done_before: 0 }),
    ]);
    expect(await calls()).toEqual(['ann', 'gone-ben', 'broken-cat', 'flaky-dan'].map((p) => ({ action: 'revoke', system: 'app', run: 'run1', id: `f_${p}`, principal: p })));
    const acks = await acksOf(target, 'app/2026-06-30/run1/');
    expect(acks.map((a) => [a.finding_id, a.status, a.attempts])).toEqual([
      ['f_ann', 'applied', 1], ['f_gone-ben', 'already_absent', 1], ['f_broken-cat', 'failed', 1], ['f_flaky-dan', 'failed', 1],
    ]);
    expect(acks[0]!.detail).toBe('done ann');
    // stderr is kept, truncated from the front: the end says what went wrong.
    expect(acks[2]!.detail).toMatch(/^….*x token lacks apps\.manage$/);
    expect(acks[2]!.detail.length).toBeLessThanOrEqual(1000);
    expect(acks[3]!.detail).toBe('exit 2: HTTP 503');

    const second = await runRevoker(target, opts);
    expect(second.lists).toEqual([expect.objectContaining({ applied: 1, failed: 1, done_before: 2 })]);
    expect((await calls()).slice(4).map((c) => c['principal'])).toEqual(['broken-cat', 'flaky-dan']);
    expect((await acksOf(target, 'app/2026-06-30/run1/')).map((a) => [a.status, a.attempts])).toEqual([
      ['applied', 1], ['already_absent', 1], ['failed', 2], ['applied', 2],
    ]);
  });

  test('a fully acknowledged list is not run again', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['ann', 'gone-ben']));
    await runRevoker(target, opts);
    const again = await runRevoker(target, opts);
    expect(again).toEqual({ system: 'app', lists: [], acknowledged: 1, stopped: false });
    expect(await calls()).toHaveLength(2);
  });

  test('refuses a tampered list, a manifest for another system and a held list, running nothing', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-28', 'run0', ['ann']));
    await writeList(target, { ...revocations('2026-06-29', 'run1', ['ben']), system: 'other' });
    await writeList(target, revocations('2026-06-30', 'run2', ['cat', 'dan'], 'blast_radius: 40 of 50 grants'));
    // Tamper: swap the principal; the manifest's sha256 no longer matches.
    const key = 'app/2026-06-28/run0/revocations.jsonl';
    await target.writeText(key, (await target.readText(key))!.replace('"ann"', '"boss"'));
    // A manifest for another system, stored under app/.
    await target.writeText('app/2026-06-29/run1/manifest.json', (await target.readText('other/2026-06-29/run1/manifest.json'))!);
    await target.writeText('app/2026-06-29/run1/revocations.jsonl', (await target.readText('other/2026-06-29/run1/revocations.jsonl'))!);
    const r = await runRevoker(target, opts);
    expect(r.lists.map((l) => [l.dir, l.state, l.detail])).toEqual([
      ['app/2026-06-28/run0/', 'refused', expect.stringMatching(/revocations\.jsonl: sha256 \w+ does not match the manifest's \w+$/)],
      ['app/2026-06-29/run1/', 'refused', 'manifest is for system other, not app'],
      ['app/2026-06-30/run2/', 'held', 'held by lapse: blast_radius: 40 of 50 grants; 2 entries for review only, none applied'],
    ]);
    expect(await calls()).toEqual([]);
    expect((await target.list('app/')).filter((o) => o.key.endsWith('ack.jsonl'))).toEqual([]);
  });

  test('refuses a list whose line count or entries disagree with the manifest', async () => {
    const { target, opts } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['ann', 'ben']));
    const dir = 'app/2026-06-30/run1/';
    const manifest = JSON.parse((await target.readText(`${dir}manifest.json`))!);
    await target.writeText(`${dir}manifest.json`, JSON.stringify({ ...manifest, count: 3 }));
    expect((await runRevoker(target, opts)).lists[0]!.detail).toMatch(/revocations\.jsonl: 2 lines, the manifest says 3$/);
    // A list for another run, re-signed: the line names its run.
    await writeList(target, { ...revocations('2026-06-30', 'run1', []), entries: [revocation('ann', 'run9')] });
    expect((await runRevoker(target, opts)).lists[0]!.detail).toMatch(/revocations\.jsonl line 1: entry of run run9 on the list of run run1$/);
    // A restore request copied under another request's folder.
    await writeList(target, { system: 'app', as_of: '2026-06-30', run_id: 'r_1', kind: 'restores', entries: [restore('ann', 'r_9')], held_reason: null });
    expect((await runRevoker(target, opts)).lists.find((l) => l.dir === 'app/2026-06-30/r_1/')!.detail).toMatch(/restores\.jsonl line 1: restore r_9 on the list of restore r_1$/);
  });

  test('applies restores and the newest revocation list in order; older revocation lists are superseded', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-29', 'run1', ['ann', 'ben']));
    await writeList(target, { system: 'app', as_of: '2026-06-29', run_id: 'r_1', kind: 'restores', entries: [restore('gone-cat', 'r_1')], held_reason: null });
    await writeList(target, revocations('2026-06-30', 'run2', ['ben', 'dan']));
    await writeList(target, { system: 'app', as_of: '2026-06-30', run_id: 'r_2', kind: 'restores', entries: [restore('ben', 'r_2')], held_reason: null });
    const r = await runRevoker(target, opts);
    expect(r.lists.map((l) => [l.dir, l.state, l.applied, l.already, l.skipped])).toEqual([
      ['app/2026-06-29/run1/', 'superseded', 0, 0, 2],
      ['app/2026-06-29/r_1/', 'applied', 0, 1, 0],
      ['app/2026-06-30/run2/', 'applied', 2, 0, 0],
      ['app/2026-06-30/r_2/', 'applied', 1, 0, 0],
    ]);
    expect((await calls()).map((c) => `${c['action']} ${c['principal']} ${c['run']}`)).toEqual([
      'restore gone-cat r_1', 'revoke ben run2', 'revoke dan run2', 'restore ben r_2',
    ]);
    expect(await acksOf(target, 'app/2026-06-29/r_1/')).toEqual([
      expect.objectContaining({ finding_id: 'f_gone-cat', restore_id: 'r_1', status: 'applied', detail: 'already present' }),
    ]);
    expect((await acksOf(target, 'app/2026-06-29/run1/')).map((a) => [a.status, a.detail])).toEqual([
      ['skipped', 'superseded by app/2026-06-30/run2/: not applied'], ['skipped', 'superseded by app/2026-06-30/run2/: not applied'],
    ]);
    expect(await runRevoker(target, opts)).toEqual({ system: 'app', lists: [], acknowledged: 4, stopped: false });
  });

  test('a revocation list latest.json does not name yet waits', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-29', 'run1', ['ann']));
    const latest = (await target.readText('app/latest.json'))!;
    await writeList(target, revocations('2026-06-30', 'run2', ['ben']));
    await target.writeText('app/latest.json', latest); // as if the run crashed before moving latest.json
    const r = await runRevoker(target, opts);
    expect(r.lists.map((l) => [l.dir, l.state])).toEqual([['app/2026-06-29/run1/', 'applied'], ['app/2026-06-30/run2/', 'unpublished']]);
    expect((await calls()).map((c) => c['principal'])).toEqual(['ann']);
  });

  test('a command that runs too long is killed and acked as failed', async () => {
    const { target, opts } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['slow-ann']));
    const started = Date.now();
    const r = await runRevoker(target, { ...opts, timeoutMs: 1000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.lists[0]).toMatchObject({ applied: 0, failed: 1 });
    expect(await acksOf(target, 'app/2026-06-30/run1/')).toEqual([
      expect.objectContaining({ finding_id: 'f_slow-ann', status: 'failed', detail: 'timed out after 1000 ms; killed.' }),
    ]);
  });

  test('a timeout kills what the command started too', async () => {
    const { target, opts } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['ann']));
    const started = Date.now();
    // sh waits for sleep, which holds the output pipe: only killing the whole group ends it before 30 s.
    const r = await runRevoker(target, { ...opts, argv: splitCommand("sh -c 'sleep 30; echo late'"), timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.lists[0]).toMatchObject({ failed: 1 });
  });

  test('entries run concurrently; acks written in batches stay complete and in list order', async () => {
    const { target, opts, calls } = await setup();
    const principals = ['ann', 'ben', 'cat', 'dan', 'eve'];
    await writeList(target, revocations('2026-06-30', 'run1', principals));
    const r = await runRevoker(target, { ...opts, concurrency: 3, ackEvery: 2 });
    expect(r.lists[0]).toMatchObject({ applied: 5, failed: 0 });
    expect((await calls()).map((c) => c['principal']).sort()).toEqual(principals);
    expect((await acksOf(target, 'app/2026-06-30/run1/')).map((a) => [a.finding_id, a.status])).toEqual(principals.map((p) => [`f_${p}`, 'applied']));
  });

  test('once asked to stop, no new entry starts; the running one is acked and the rest wait', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['ann', 'ben', 'cat']));
    await writeList(target, revocations('2026-07-01', 'run2', ['dan']));
    const stop = new AbortController();
    // Stop while the first entry of the newest list runs: the first write of its ack comes after it.
    const writeText = target.writeText.bind(target);
    target.writeText = async (key, text) => {
      if (key.endsWith('run2/ack.jsonl') || key.endsWith('run1/ack.jsonl')) stop.abort();
      return writeText(key, text);
    };
    const r = await runRevoker(target, { ...opts, signal: stop.signal });
    expect(r.stopped).toBe(true);
    // run1 is superseded by run2: its first skip-ack stops the worker before run2 starts.
    expect(r.lists.map((l) => [l.dir, l.state, l.skipped, l.left])).toEqual([['app/2026-06-30/run1/', 'superseded', 1, 2]]);
    expect(await calls()).toEqual([]);
    const again = await runRevoker(target, opts);
    expect(again.lists.map((l) => [l.dir, l.state, l.skipped, l.applied, l.done_before])).toEqual([
      ['app/2026-06-30/run1/', 'superseded', 2, 0, 1], ['app/2026-07-01/run2/', 'applied', 0, 1, 0],
    ]);
  });

  test('a command that cannot be started fails each entry, naming the program', async () => {
    const { target, opts } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['ann']));
    const r = await runRevoker(target, { ...opts, argv: ['/nonexistent/revoke-app'] });
    expect(r.lists[0]).toMatchObject({ failed: 1 });
    expect((await acksOf(target, 'app/2026-06-30/run1/'))[0]!.detail).toMatch(/^cannot run \/nonexistent\/revoke-app: spawn \/nonexistent\/revoke-app ENOENT/);
  });
});

describe('failures: the reasons are shown, and the worker gives up when every entry fails alike', () => {
  test('the first 5 entries failing the same way stop the run; the rest are not acked and the next run retries them', async () => {
    const { target, opts, calls } = await setup();
    const broken = Array.from({ length: 8 }, (_, i) => `broken-${i}`);
    await writeList(target, revocations('2026-06-30', 'run1', broken));
    await writeList(target, { system: 'app', as_of: '2026-07-01', run_id: 'r_1', kind: 'restores', entries: [restore('broken-x', 'r_1')], held_reason: null });
    const r = await runRevoker(target, opts);
    expect(r.gave_up).toEqual({ reason: expect.stringMatching(/x token lacks apps\.manage$/), entries: 5 });
    expect(await calls()).toHaveLength(5);
    expect(r.lists).toEqual([expect.objectContaining({ failed: 5, left: 3 })]);
    expect(await acksOf(target, 'app/2026-06-30/run1/')).toHaveLength(5);
    const text = summary(r).join('\n');
    expect(text).toMatch(/gave up: the first 5 entries all failed the same way \(…x+ token lacks apps\.manage\); the rest were not run and are not acked, so the next run retries them/);
    expect(text).toMatch(/failed entries by reason:\n\s+5  …x+ token lacks apps\.manage\n/);
    expect(text).toMatch(/exit 1: 5 entries failed, 0 lists refused, gave up$/);

    const again = await runRevoker(target, { ...opts, giveUpAfter: 100 });
    expect(again.gave_up).toBeUndefined();
    expect((await calls()).slice(5).map((c) => c['principal'])).toEqual([...broken, 'broken-x']);
  });

  test('one entry that works (or fails otherwise) and the worker runs every entry; the reasons are counted', async () => {
    const { target, opts, calls } = await setup();
    await writeList(target, revocations('2026-06-30', 'run1', ['flaky-a', ...Array.from({ length: 6 }, (_, i) => `broken-${i}`), 'ann']));
    const r = await runRevoker(target, opts);
    expect(r.gave_up).toBeUndefined();
    expect(await calls()).toHaveLength(8);
    const text = summary(r).join('\n');
    expect(text).toMatch(/failed entries by reason:\n\s+6  …x+ token lacks apps\.manage\n\s+1  exit 2: HTTP 503$/m);
    expect(text).not.toMatch(/gave up/);
  });
});
