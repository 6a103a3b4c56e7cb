import { afterEach, describe, expect, test } from 'vitest';
import { one, run, world } from '../../test/world.js';
import { planLists } from '../revocation_list/action.js';
import { applyJira, jira } from './action.js';
import { JiraOptions } from './options.js';
import { EMAIL, ENV, TOKEN, USERS } from './testing/fixtures.js';
import { JiraStub } from './testing/jira-stub.js';
import { startJiraServer, type JiraServer } from './testing/server.js';

/**
 * The closed loop with the real detect stage: detect → tickets → people answer in Jira → the answers
 * are recorded → the next detect honours them (a won't-do becomes an exemption, a manager's revoke
 * puts the grant on the revocation list as a confirmed anomaly) → no ticket asks again.
 */

let server: JiraServer | undefined;
afterEach(async () => {
  await server?.close();
  expect(server?.violations ?? []).toEqual([]);
  server = undefined;
});

describe('jira ⇄ detect', () => {
  test("answers read back from Jira change the next run's findings and revocation lists", async () => {
    const ctx = await world({
      uses: [],
      grants: [
        { principal: 'ann@corp.example', permission: 'db', granted_at: '2026-06-20' }, // new and unusual: an anomaly for boss
        { principal: 'dan@corp.example', permission: 'reports', granted_at: '2025-01-01' }, // never used: the security queue
      ],
    });
    const stub = new JiraStub();
    for (const u of Object.values(USERS)) stub.addUser({ ...u });
    server = await startJiraServer(stub, { email: EMAIL, token: TOKEN });
    const options = JiraOptions.parse({ url: server.url, project: 'SEC', retry: { max_retries: 1, base_delay_ms: 5, max_delay_secs: 5 } });
    const sync = async (doc: Awaited<ReturnType<typeof run>>) => applyJira(ctx, await jira.plan(ctx, doc, options), options, { env: ENV });

    const first = await run(ctx);
    expect(one(first, 'ann@corp.example', 'db')).toMatchObject({ kind: 'cold_start_anomaly', manager: 'boss@corp.example', revocable_from: null });
    expect(one(first, 'dan@corp.example', 'reports')).toMatchObject({ kind: 'never_used', excluded_by: null });
    await sync(first);
    const annTicket = stub.issues.find((i) => i.fields.summary.includes('ann@corp.example'))!;
    const danTicket = stub.issues.find((i) => i.fields.summary.includes('dan@corp.example'))!;
    expect(annTicket.fields.assignee).toBe(USERS.boss.accountId);

    stub.resolve(annTicket.key, USERS.boss.accountId, 'Revoke access', { comment: 'Not needed for her role.', at: Date.parse('2026-06-30T09:00:00Z') });
    stub.resolve(danTicket.key, USERS.sam.accountId, "Won't Do", { comment: 'Quarter-end reporting.', at: Date.parse('2026-06-30T09:30:00Z') });
    await sync(first);

    const second = await run(ctx);
    expect(one(second, 'ann@corp.example', 'db')).toMatchObject({ decision: 'revoke', revocable_from: '2026-06-30' });
    expect(one(second, 'dan@corp.example', 'reports')).toMatchObject({ status: 'exempted', excluded_by: 'exemption' });
    expect(one(second, 'dan@corp.example', 'reports')!.exempt_reason).toMatch(/^Jira SEC-\d resolved as "Won't Do" by Sam Security: Quarter-end reporting\. \(exemption x_\w+, owner sam@corp\.example, until 2026-12-27\)$/);
    const list = planLists(second).lists.find((l) => l.system === 'app')!;
    expect(list.entries.map((e) => [e.principal, e.permission, e.reason])).toEqual([['ann@corp.example', 'db', 'confirmed_anomaly']]);

    const lines = (await sync(second)).lines;
    expect(lines).toEqual(['0 tickets in SEC']);
    expect(stub.issues).toHaveLength(2);
  });
});
