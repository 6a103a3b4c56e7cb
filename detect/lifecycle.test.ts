import { describe, expect, test } from 'vitest';
import { planLists } from '../actions/revocation_list/action.js';
import { recordDecision } from '../core/decisions.js';
import { addExemption, revokeExemption } from '../core/exemptions.js';
import { isRevocable } from '../core/findings.js';
import { one, run, world } from '../test/world.js';

const NEVER = { principal: 'ann@corp.example', permission: 'db', granted_at: '2025-01-01' };
const exemption = {
  system: 'app', permission: 'db', principal: 'ann@corp.example', person: null, owner: 'boss@corp.example',
  reason: 'on-call rotation needs it', until: '2026-07-15', created_by: 'boss@corp.example', source: 'test',
};

describe('exemptions', () => {
  test('an exemption holds a finding until it expires; then notice starts again', async () => {
    const ctx = await world({ uses: [], grants: [NEVER], lastLogDay: '2026-07-31' });
    await addExemption(ctx.lake, exemption, new Date('2026-06-29T09:00:00Z'));
    const during = one(await run(ctx, '2026-06-30'), 'ann@corp.example', 'db');
    expect(during).toMatchObject({ status: 'exempted', excluded_by: 'exemption', revocable_from: null });
    expect(during?.exempt_reason).toMatch(/on-call rotation needs it \(exemption x_\w+, owner boss@corp.example, until 2026-07-15\)/);
    const after = one(await run(ctx, '2026-07-20'), 'ann@corp.example', 'db');
    expect(after).toMatchObject({ status: 'open', excluded_by: null, first_flagged: '2026-07-20' });
  });

  test('a revoked exemption no longer applies; one for the person covers all their principals', async () => {
    const ctx = await world({ uses: [], grants: [NEVER, { principal: 'benny', permission: 'db', granted_at: '2025-01-01' }] });
    const e = await addExemption(ctx.lake, exemption, new Date('2026-06-01T09:00:00Z'));
    await revokeExemption(ctx.lake, { exemption_id: e.exemption_id, revoked_by: 'sec@corp.example', reason: 'not needed' }, new Date('2026-06-10T09:00:00Z'));
    await addExemption(ctx.lake, { ...exemption, principal: null, person: 'ben', permission: '*' }, new Date('2026-06-01T09:00:00Z'));
    const doc = await run(ctx);
    expect(one(doc, 'ann@corp.example', 'db')?.excluded_by).toBeNull();
    expect(one(doc, 'benny', 'db')?.excluded_by).toBe('exemption');
  });
});

describe('grace period', () => {
  test('notify first: revocable only grace_days after first flagged', async () => {
    const ctx = await world({ uses: [], grants: [NEVER], lastLogDay: '2026-07-31', extra: { lifecycle: { grace_days: 7 } } });
    const first = await run(ctx, '2026-06-30');
    const f1 = one(first, 'ann@corp.example', 'db')!;
    expect(f1).toMatchObject({ status: 'new', first_flagged: '2026-06-30', revocable_from: '2026-07-07' });
    expect(isRevocable(f1, first.as_of)).toBe(false);
    expect(planLists(first).lists[0]!.entries).toEqual([]);
    const later = await run(ctx, '2026-07-07');
    expect(planLists(later).lists[0]!.entries.map((e) => e.principal)).toEqual(['ann@corp.example']);
  });
});

describe("managers' decisions", () => {
  test('revoke puts a cold-start anomaly on the list as a confirmed anomaly', async () => {
    const ctx = await world({ uses: [], grants: [{ ...NEVER, granted_at: '2026-06-20' }] });
    const before = one(await run(ctx), 'ann@corp.example', 'db')!;
    expect(before).toMatchObject({ kind: 'cold_start_anomaly', revocable_from: null });
    await recordDecision(ctx.lake, {
      finding_id: before.finding_id, decision: 'revoke', decided_by: 'boss@corp.example', decided_at: '2026-06-30T10:00:00Z',
      reason: 'not needed for her role', until: null, source: 'jira:SEC-1',
    });
    const doc = await run(ctx);
    expect(one(doc, 'ann@corp.example', 'db')).toMatchObject({ decision: 'revoke', revocable_from: '2026-06-30' });
    expect(planLists(doc).lists[0]!.entries).toEqual([expect.objectContaining({ principal: 'ann@corp.example', reason: 'confirmed_anomaly' })]);
  });
});
