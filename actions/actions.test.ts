import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ActionContext } from './_shared/define.js';
import { runActions } from './index.js';
import { buildTickets } from './_shared/ticket.js';
import { finding as aFinding } from './_shared/testing/findings.js';
import { silentLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import type { Finding, FindingsDocument } from '../core/model.js';
import { config, tempDir, writeFiles } from '../test/helpers.js';

const finding = (over: Partial<Finding>): Finding =>
  aFinding({ system: 'aws', principal: 'ann@corp.example', permission: '123/Admin', finding_id: 'f_1', granted_at: null, status: 'new', first_flagged: '2026-06-30', revocable_from: '2026-06-30', ...over });

function source(system: string, grants = 10) {
  return { system, first_day: '2026-01-01', newest_day: '2026-06-30', lag_days: 0, observed_days: 180, grants, grants_snapshot: '2026-06-30', unresolved_count: 0, unresolved_principals: [], revoked: 0, restored_after_revocation: 0 };
}

const DOC: FindingsDocument = {
  as_of: '2026-06-30',
  run_id: '2026-06-30-aaaaaaaa',
  findings: [
    finding({}),
    finding({ finding_id: 'f_2', permission: '123/ReadOnly', kind: 'never_used', last_used: null }),
    finding({ finding_id: 'f_3', permission: '123/BreakGlass', excluded_by: 'emergency_only', status: 'exempted' }),
    finding({ finding_id: 'f_4', system: 'okta', permission: 'app/1' }),
    finding({ finding_id: 'f_5', principal: 'bob@corp.example', person: 'bob', email: 'bob@corp.example', status: 'resolved' }),
  ],
  guards: [{ system: 'okta', guard: 'blast_radius', held: 1, detail: 'would revoke 1 of 1 grants' }],
  sources: [source('aws'), source('okta', 1)],
};

const RUN = { mode: 'enforce' as const, writes_lists: true };

async function setup(mode: 'report' | 'enforce') {
  const dir = await tempDir('lapse-act-');
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    systems: {},
    mode,
    actions: [
      { type: 'revocation_list' },
      { type: 'ticket_preview', dir: 'out/tickets' },
    ],
    revocations: { target: 'out/lists' },
  });
  const ctx: ActionContext = { config: cfg, lake: new LocalLake(join(dir, 'lake')), log: silentLogger() };
  return { dir, ctx };
}

describe('revocation_list', () => {
  test('one list per system; a guard holds a whole list; exempted and resolved findings never appear', async () => {
    const { dir, ctx } = await setup('enforce');
    const outcomes = await runActions(ctx, DOC, { dryRun: false });
    expect(outcomes.map((o) => o.state)).toEqual(['applied', 'applied']);
    const aws = join(dir, 'out/lists/aws/2026-06-30/2026-06-30-aaaaaaaa');
    const lines = (await readFile(join(aws, 'revocations.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.finding_id, l.reason])).toEqual([['f_1', 'stale'], ['f_2', 'never_used']]);
    const okta = JSON.parse(await readFile(join(dir, 'out/lists/okta/2026-06-30/2026-06-30-aaaaaaaa/manifest.json'), 'utf8'));
    expect(okta).toMatchObject({ held: true, count: 1, file: 'held.jsonl', held_reason: 'blast_radius: would revoke 1 of 1 grants', override: null });
    // Written for review, never as a revocation list, and not recorded as revoked.
    expect(JSON.parse(await readFile(join(dir, 'out/lists/okta/2026-06-30/2026-06-30-aaaaaaaa/held.jsonl'), 'utf8'))).toMatchObject({ finding_id: 'f_4' });
    await expect(readFile(join(dir, 'out/lists/okta/2026-06-30/2026-06-30-aaaaaaaa/revocations.jsonl'))).rejects.toThrow();
    expect(await readdir(join(dir, 'lake/records/revocations'))).toEqual(['system=aws']);
  });

  test('runs only in enforce mode; latest.json never moves back to an older day', async () => {
    const { dir, ctx } = await setup('report');
    expect((await runActions(ctx, DOC, { dryRun: false }))[0]!.state).toBe('mode report');
    await expect(readdir(join(dir, 'out/lists'))).rejects.toThrow();

    const enforce = { ...ctx, config: { ...ctx.config, mode: 'enforce' as const } };
    await runActions(enforce, DOC, { dryRun: false });
    await runActions(enforce, { ...DOC, as_of: '2026-06-29', run_id: '2026-06-29-bbbbbbbb' }, { dryRun: false });
    const latest = JSON.parse(await readFile(join(dir, 'out/lists/aws/latest.json'), 'utf8'));
    expect(latest).toMatchObject({ as_of: '2026-06-30', manifest: 'aws/2026-06-30/2026-06-30-aaaaaaaa/manifest.json' });
    // A run stopped after the manifest but before latest.json: the re-run of the same list completes it.
    await rm(join(dir, 'out/lists/aws/latest.json'));
    await runActions(enforce, DOC, { dryRun: false });
    expect(JSON.parse(await readFile(join(dir, 'out/lists/aws/latest.json'), 'utf8'))).toEqual(latest);
  });
});

describe('ticket_preview', () => {
  test('groups actionable findings per (person, system) with a stable fingerprint', () => {
    const tickets = buildTickets(DOC, 'person_system', RUN);
    expect(tickets.map((t) => [t.subject, t.system, t.rows.length])).toEqual([
      ['ann@corp.example', 'aws', 2],
      ['ann@corp.example', 'okta', 1],
    ]);
    expect(buildTickets(DOC, 'person_system', RUN)[0]!.fingerprint).toBe(tickets[0]!.fingerprint);
    expect(tickets[0]!.summary).toBe('[lapse] Unused access: ann@corp.example on aws (2 grants)');
  });

  test('refuses to clear a directory it did not write', async () => {
    const { dir, ctx } = await setup('report');
    await mkdir(join(dir, 'out/tickets'), { recursive: true });
    await writeFile(join(dir, 'out/tickets/notes.txt'), 'mine');
    const outcomes = await runActions(ctx, DOC, { dryRun: false });
    expect(outcomes[1]).toMatchObject({ state: 'failed', error: expect.stringMatching(/not written by lapse/) });
    expect(await readFile(join(dir, 'out/tickets/notes.txt'), 'utf8')).toBe('mine');
  });

  test("an earlier version's directory loses only its Markdown previews; a hand-edited list cannot reach outside", async () => {
    const { dir, ctx } = await setup('report');
    await writeFiles(join(dir, 'out/tickets'), {
      '.lapse-preview': 'Written by lapse ticket_preview\n',
      'index.md': 'old index',
      'aws/old@corp.example.md': 'old ticket',
      'revocations/aws/2026-06-29/r1/manifest.json': '{}',
      'revocations/aws/2026-06-29/r1/ack.jsonl': '{}\n',
    });
    expect((await runActions(ctx, DOC, { dryRun: false }))[1]!.state).toBe('applied');
    const left = await readdir(join(dir, 'out/tickets'), { recursive: true });
    expect(left).not.toContain('.lapse-preview');
    expect(left).not.toContain('aws/old@corp.example.md');
    expect(left).toEqual(expect.arrayContaining(['revocations/aws/2026-06-29/r1/manifest.json', 'revocations/aws/2026-06-29/r1/ack.jsonl', 'index.md']));

    await writeFile(join(dir, 'outside.txt'), 'keep');
    const owned = JSON.parse(await readFile(join(dir, 'out/tickets/.lapse-ticket-preview.json'), 'utf8'));
    owned.files.push('../../outside.txt', join(dir, 'outside.txt'));
    await writeFile(join(dir, 'out/tickets/.lapse-ticket-preview.json'), JSON.stringify(owned));
    expect((await runActions(ctx, { ...DOC, findings: [] }, { dryRun: false }))[1]!.state).toBe('applied');
    expect(await readFile(join(dir, 'outside.txt'), 'utf8')).toBe('keep');
    expect(await readdir(join(dir, 'out/tickets'))).not.toContain('aws');
  });

  test('long and colliding names: one readable, bounded file per ticket, the same on every run', async () => {
    const { dir, ctx } = await setup('report');
    const names = ['a/b', 'a_b', 'zoë', 'zoé', 'Ann', 'ann', `${'x'.repeat(5000)}@corp.example`, '..'];
    const doc = { ...DOC, guards: [], findings: names.map((p, i) => finding({ finding_id: `f_${i}`, principal: p, person: null, email: null })) };
    expect((await runActions(ctx, doc, { dryRun: false }))[1]).toMatchObject({ state: 'applied' });
    const files = (await readdir(join(dir, 'out/tickets/aws'))).sort();
    expect(files).toHaveLength(names.length);
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(names.length); // apart even where case is not
    for (const f of files) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(120);
    expect(files).toEqual(expect.arrayContaining([expect.stringMatching(/^a_b-[0-9a-f]{12}\.md$/), expect.stringMatching(/^zo_-[0-9a-f]{12}\.md$/)]));
    expect(files.some((f) => f.startsWith('.'))).toBe(false);
    expect(await readFile(join(dir, 'out/tickets/aws', files.find((f) => f.startsWith('x'))!), 'utf8')).toContain('x'.repeat(5000));
    await runActions(ctx, doc, { dryRun: false });
    expect((await readdir(join(dir, 'out/tickets/aws'))).sort()).toEqual(files);
  });
});
