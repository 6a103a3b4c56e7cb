import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildConfigSchema } from '../cli/config.js';
import { parseConfig } from '../core/config.js';
import { ConfigError, exitCodeOf } from '../core/errors.js';
import { LocalLake } from '../core/store.js';
import { tempDir } from '../test/helpers.js';
import {
  appliedAcks, findLists, HELD_FILE, Latest, listDir, Manifest, openLists, readAcks, readVerified, RestoreEntry, RevocationEntry, writeList,
  writeRestore, type FoundList,
} from './index.js';

const entry = (principal: string, run_id: string): RevocationEntry => RevocationEntry.parse({
  system: 'app', principal, permission: 'db', person: null, reason: 'stale', last_used: '2026-01-01', granted_at: null,
  days_unused: 180, ttl_days: 90, finding_id: `f_${principal}`, run_id,
});
const restore = (principal: string, restore_id: string): RestoreEntry => RestoreEntry.parse({
  restore_id, system: 'app', principal, permission: 'db', person: null, finding_id: `f_${principal}`, reason: 'needed',
  requested_by: 'boss', requested_at: '2026-07-01T09:00:00Z', revoked_in_run: 'run2',
});
const list = (as_of: string, run_id: string, principals: string[], held_reason: string | null = null) => ({
  system: 'app', as_of, run_id, kind: 'revocations' as const, entries: principals.map((p) => entry(p, run_id)), held_reason,
});
const json = async (target: LocalLake, key: string) => JSON.parse((await target.readText(key))!) as unknown;
const verified = async (target: LocalLake, found: FoundList) => readVerified(target, found.dir, found.manifest!);

describe('writing and reading lists', () => {
  test('a written list is found, verified against its manifest and read back line for line', async () => {
    const target = new LocalLake(join(await tempDir('lapse-lists-'), 'lists'));
    expect(await writeList(target, list('2026-06-30', 'run1', ['ann', 'ben']))).toBe(true);
    expect(await writeList(target, list('2026-06-30', 'run1', ['ann', 'ben']))).toBe(false); // already written
    const manifest = Manifest.parse(await json(target, 'app/2026-06-30/run1/manifest.json'));
    expect(manifest).toMatchObject({ kind: 'revocations', system: 'app', run_id: 'run1', file: 'revocations.jsonl', count: 2, held: false });
    expect(Latest.parse(await json(target, 'app/latest.json'))).toEqual({
      schema_version: 1, system: 'app', as_of: '2026-06-30', run_id: 'run1', manifest: 'app/2026-06-30/run1/manifest.json',
    });
    const { latest, latestError, lists } = await findLists(target, 'app');
    expect({ latest, latestError, dirs: lists.map((l) => [l.dir, l.error]) }).toEqual({
      latest: 'app/2026-06-30/run1/', latestError: null, dirs: [['app/2026-06-30/run1/', null]],
    });
    const read = await verified(target, lists[0]!);
    expect('items' in read && read.items.map((i) => [i.key, RevocationEntry.parse(JSON.parse(i.line))])).toEqual([
      ['f_ann', entry('ann', 'run1')], ['f_ben', entry('ben', 'run1')],
    ]);
  });

  test('latest.json never moves back in time, and a held list goes to held.jsonl', async () => {
    const target = new LocalLake(join(await tempDir('lapse-lists-'), 'lists'));
    await writeList(target, list('2026-06-30', 'run2', ['ann']));
    await writeList(target, list('2026-06-29', 'run1', ['ann', 'ben']));
    expect(Latest.parse(await json(target, 'app/latest.json')).run_id).toBe('run2');
    await writeList(target, list('2026-07-01', 'run3', ['cat'], 'blast_radius: 1 of 2 grants'));
    expect(Manifest.parse(await json(target, `${listDir({ system: 'app', as_of: '2026-07-01', run_id: 'run3' })}manifest.json`))).toMatchObject({
      file: HELD_FILE, held: true, held_reason: 'blast_radius: 1 of 2 grants', count: 1,
    });
    expect(await target.readText('app/2026-07-01/run3/revocations.jsonl')).toBeUndefined();
    expect((await findLists(target, 'app')).lists.map((l) => l.dir)).toEqual(['app/2026-06-29/run1/', 'app/2026-06-30/run2/', 'app/2026-07-01/run3/']);
  });

  test('a list changed after its manifest was written is refused: sha256, then count', async () => {
    const target = new LocalLake(join(await tempDir('lapse-lists-'), 'lists'));
    await writeList(target, list('2026-06-30', 'run1', ['ann']));
    const [found] = (await findLists(target, 'app')).lists;
    await target.writeText('app/2026-06-30/run1/revocations.jsonl', `${JSON.stringify(entry('eve', 'run1'))}\n`);
    expect(await verified(target, found!)).toEqual({ refused: expect.stringMatching(/revocations\.jsonl: sha256 \w+ does not match the manifest's/) });
  });

  test('a restore request is a one-entry restores list under its restore id', async () => {
    const target = new LocalLake(join(await tempDir('lapse-lists-'), 'lists'));
    const key = await writeRestore(target, restore('ann', 'r_1'), '2026-07-01');
    expect(key).toBe('app/2026-07-01/r_1/restores.jsonl');
    const { latest, lists } = await findLists(target, 'app');
    expect(latest).toBeNull(); // restores never move latest.json
    expect(lists[0]!.manifest).toMatchObject({ kind: 'restores', run_id: 'r_1', count: 1 });
    const read = await verified(target, lists[0]!);
    expect('items' in read && read.items.map((i) => [i.key, i.finding_id, i.restore_id])).toEqual([['r_1', 'f_ann', 'r_1']]);
  });

  test('acks are read by entry key; applied ones count as revoked or restored, held lists never', async () => {
    const target = new LocalLake(join(await tempDir('lapse-lists-'), 'lists'));
    await writeList(target, list('2026-06-30', 'run1', ['ann', 'ben']));
    await writeRestore(target, restore('ann', 'r_1'), '2026-07-01');
    const ack = (finding_id: string, status: string, at: string, restore_id?: string) =>
      JSON.stringify({ finding_id, status, detail: '', ...(restore_id && { restore_id }), attempts: 1, at });
    await target.writeText('app/2026-06-30/run1/ack.jsonl', `${ack('f_ann', 'applied', '2026-06-30T08:00:00Z')}\n${ack('f_ben', 'failed', '2026-06-30T08:00:00Z')}\n`);
    await target.writeText('app/2026-07-01/r_1/ack.jsonl', `${ack('f_ann', 'applied', '2026-07-01T08:00:00Z', 'r_1')}\n`);
    expect([...(await readAcks(target, 'app/2026-07-01/r_1/')).keys()]).toEqual(['r_1']);
    const applied = await appliedAcks(target, 'app');
    expect({ revoked: [...applied.revoked], restored: [...applied.restored] }).toEqual({ revoked: ['f_ann'], restored: ['f_ann'] });
    expect([...(await appliedAcks(target, 'app', '2026-06-30')).restored]).toEqual([]);
    await target.writeText('app/2026-06-30/run1/ack.jsonl', 'not json\n');
    await expect(readAcks(target, 'app/2026-06-30/run1/')).rejects.toThrow(/ack\.jsonl line 1: not an ack line/);
  });
});

describe('the revocations: config key', () => {
  const BASE = '/srv/lapse';
  const raw = (more: Record<string, unknown>) => JSON.stringify({
    store: './lake',
    directory: { path: 'people.csv' },
    systems: { app: { connector: 'jsonl', logs: [{ path: 'logs/' }], grants: { path: 'grants.jsonl' }, mapping: { time: 'ts', principal: 'user', permission: 'perm' } } },
    mode: 'enforce',
    ...more,
  });
  const load = (more: Record<string, unknown>) => parseConfig(raw(more), join(BASE, 'lapse.json'), buildConfigSchema());
  const refusal = (more: Record<string, unknown>): { code: number; message: string } => {
    try {
      load(more);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return { code: exitCodeOf(err), message: (err as Error).message };
    }
    throw new Error('the config was accepted');
  };

  test('is where the action, restore and the revoker find the lists', () => {
    const config = load({ actions: [{ type: 'revocation_list' }], revocations: { target: './out/revocations', sse: { type: 'AES256' } } });
    expect(openLists(config)?.uri).toBe(`${BASE}/out/revocations`);
    expect(openLists(load({}))).toBeUndefined();
  });

  test('an old config with the target in the action entry is refused (exit 2), saying where each key moves', () => {
    const { code, message } = refusal({
      actions: [{ type: 'ticket_preview', dir: './out/tickets' }, { type: 'revocation_list', target: './out/revocations', notify: { sqs: {} } }],
    });
    expect(code).toBe(2);
    expect(message).toContain('actions[1].target: moved to revocations.target');
    expect(message).toContain('actions[1].notify: moved to revocations.notify');
    expect(message).toContain('{ type: revocation_list }');
  });

  test('a revocation_list action without revocations.target is refused (exit 2), naming both', () => {
    const { code, message } = refusal({ actions: [{ type: 'revocation_list' }] });
    expect(code).toBe(2);
    expect(message).toMatch(/revocations: required by actions\[0\] \(revocation_list\): add revocations: \{ target: … \}/);
  });
});
