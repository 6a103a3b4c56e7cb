import { afterEach, describe, expect, test } from 'vitest';
import { addDays } from '../../core/days.js';
import { latestDecisions } from '../../core/decisions.js';
import { listExemptions } from '../../core/exemptions.js';
import { buildTickets } from '../_shared/ticket.js';
import { ticketAdf } from './adf.js';
import { readRecords } from './records.js';
import { adfErrors } from './testing/adf-schema.js';
import { AS_OF, closeHarness, doc, finding, harness, REPORT_RUN, USERS, WORLD, type Harness } from './testing/fixtures.js';

/**
 * The jira action against a stateful Jira stub, through a server that validates every request and
 * answer against Atlassian's OpenAPI description (testing/server.ts). After each test, neither the
 * server nor the stub may have seen anything that breaks the description or Jira's own rules.
 */

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});

const ALL = Object.values(WORLD);
const fingerprintOf = (subject: string, system: string) =>
  buildTickets(doc(ALL), 'person_system', REPORT_RUN).find((t) => t.subject === subject && t.system === system)!.fingerprint;
const issueOf = (hh: Harness, subject: string, system: string) => {
  const fp = fingerprintOf(subject, system);
  const found = hh.stub.issues.filter((i) => i.fields.labels.includes(fp));
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('creating tickets', () => {
  test('one issue per (person, system) with the fields, the ADF description of the same Ticket, labels and routing', async () => {
    h = await harness();
    const lines = await h.run(doc(ALL));
    expect(h.stub.issues).toHaveLength(4);
    expect(lines[0]).toBe('4 tickets in SEC: 4 created, 1 manager not found');

    const tickets = buildTickets(doc(ALL), 'person_system', REPORT_RUN);
    for (const t of tickets) {
      const issue = h.stub.issues.find((i) => i.fields.labels.includes(t.fingerprint))!;
      expect(issue.fields.summary).toBe(t.summary);
      expect(issue.fields.description).toEqual(ticketAdf(t));
      expect(adfErrors(issue.fields.description)).toEqual([]);
      expect(issue.fields.labels).toEqual([...t.labels, 'access-review']);
      expect(issue.fields.issuetype).toBe('Task');
      expect(issue.fields.custom).toEqual({ customfield_10050: 'lapse' });
    }
    const annAws = issueOf(h, 'ann@corp.example', 'aws');
    expect(annAws.fields).toMatchObject({ priority: 'Medium', assignee: USERS.queue.accountId });
    expect(issueOf(h, 'carl@corp.example', 'aws').fields).toMatchObject({ priority: 'High', assignee: USERS.boss.accountId });

    const records = await readRecords(h.ctx.lake);
    expect([...records.values()].map((r) => [r.key, r.open, r.grants.length]).sort()).toEqual([
      ['SEC-1', true, 2],
      ['SEC-2', true, 1],
      ['SEC-3', true, 1],
      ['SEC-4', true, 1],
    ]);
  });

  test('priority takes the most urgent kind of the ticket; none configured leaves the project default', async () => {
    h = await harness({ priority: { never_used: 'Lowest' } });
    await h.run(doc([WORLD.annRead, { ...WORLD.annAdmin, kind: 'terminated' }, WORLD.annOkta]));
    // aws: terminated has no priority configured, never_used has one → Lowest; okta: stale only → the default (Medium).
    expect(issueOf(h, 'ann@corp.example', 'aws').fields.priority).toBe('Lowest');
    expect(issueOf(h, 'ann@corp.example', 'okta').fields.priority).toBe('Medium');
  });

  test('search results are read page by page (nextPageToken)', async () => {
    h = await harness();
    h.stub.pageSize = 1;
    await h.run(doc(ALL));
    h.stub.indexAll();
    const before = h.stub.count('searchAndReconsileIssuesUsingJqlPost');
    await h.run(doc(ALL));
    expect(h.stub.count('searchAndReconsileIssuesUsingJqlPost') - before).toBe(4); // four issues, one per page
    expect(h.stub.requests.filter((r) => r.op === 'searchAndReconsileIssuesUsingJqlPost').at(-1)!.body).toMatchObject({ nextPageToken: expect.any(String) });
    expect(h.stub.count('createIssue')).toBe(4);
  });
});

describe('never a duplicate', () => {
  test('a re-run inside the eventual-consistency window finds its issues through the stored keys (reconcileIssues)', async () => {
    h = await harness();
    h.stub.indexDelayMs = 3_600_000; // the search index never catches up during this test
    await h.run(doc(ALL));
    const lines = await h.run(doc(ALL));
    expect(h.stub.count('createIssue')).toBe(4);
    expect(lines[0]).toBe('4 tickets in SEC: 4 unchanged');
    const search = h.stub.requests.filter((r) => r.op === 'searchAndReconsileIssuesUsingJqlPost').at(-1)!;
    expect((search.body as { reconcileIssues: number[] }).reconcileIssues.sort()).toEqual([10001, 10002, 10003, 10004]);
    expect((search.body as { jql: string }).jql).toMatch(/^project = "SEC" AND labels in \("lapse-[0-9a-f]{16}"(, "lapse-[0-9a-f]{16}")*\) ORDER BY created ASC$/);
  });

  test('when the search misses a stored issue (no reconcile, index behind), it is read by key: still no duplicate', async () => {
    h = await harness();
    h.stub.indexDelayMs = 3_600_000;
    h.stub.reconcile = false;
    await h.run(doc(ALL));
    await h.run(doc(ALL));
    expect(h.stub.count('createIssue')).toBe(4);
    expect(h.stub.count('getIssue')).toBe(4);
  });

  test('with the lake records lost, the fingerprint label finds the issues once the index has them', async () => {
    h = await harness();
    await h.run(doc(ALL));
    await h.ctx.lake.remove((await h.ctx.lake.list('records/jira/')).map((o) => o.key));
    h.stub.indexAll();
    const lines = await h.run(doc(ALL));
    expect(h.stub.count('createIssue')).toBe(4);
    expect(lines.filter((l) => l.startsWith('found SEC-'))).toHaveLength(4);
    expect((await readRecords(h.ctx.lake)).size).toBe(4);
  });

  test('a duplicate that exists anyway (two open issues with one fingerprint) is closed as a duplicate of the tracked one', async () => {
    h = await harness();
    h.stub.indexDelayMs = 3_600_000;
    await h.run(doc([WORLD.annOkta]));
    await h.ctx.lake.remove((await h.ctx.lake.list('records/jira/')).map((o) => o.key));
    await h.run(doc([WORLD.annOkta])); // index behind and no record: nothing can tell, Jira now has two
    expect(h.stub.openIssues()).toHaveLength(2);
    h.stub.indexAll();
    const lines = await h.run(doc([WORLD.annOkta]));
    expect(lines).toContain('closed SEC-1: duplicate of SEC-2');
    expect(h.stub.openIssues().map((i) => i.key)).toEqual(['SEC-2']);
    expect(h.stub.issue('SEC-1').comments.at(-1)!.body).toMatchObject({ content: [{ content: [{ text: expect.stringContaining('duplicate of SEC-2') }] }] });
  });
});

describe('updating', () => {
  test('a changed group updates the description and comments on what changed; an unchanged one is left alone, even as days pass', async () => {
    h = await harness();
    await h.run(doc([WORLD.annAdmin, WORLD.annRead]));
    const extra = finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Billing', kind: 'never_used', last_used: null, days_unused: null });
    const next = addDays(AS_OF, 1);
    const lines = await h.run(doc([{ ...WORLD.annAdmin, days_unused: 181 }, WORLD.annRead, extra], next));
    expect(lines[0]).toBe('1 ticket in SEC: 1 updated');
    const issue = h.stub.issue('SEC-1');
    expect(issue.fields.description).toEqual(ticketAdf(buildTickets(doc([{ ...WORLD.annAdmin, days_unused: 181 }, WORLD.annRead, extra], next), 'person_system', REPORT_RUN)[0]!));
    expect(issue.fields.summary).toBe('[lapse] Unused access: ann@corp.example on aws (3 grants)');
    const comment = JSON.stringify(issue.comments.at(-1)!.body);
    expect(comment).toContain(`grants as of ${next}: 3 now`);
    expect(comment).toContain('newly flagged: 123456789012/Billing (ann@corp.example)');
    expect(issue.changelog.at(-1)!.author).toBe(h.stub.self.accountId);

    // Days unused move every day by themselves: no update, no comment.
    const later = addDays(AS_OF, 5);
    const quiet = await h.run(doc([{ ...WORLD.annAdmin, days_unused: 185 }, WORLD.annRead, extra], later));
    expect(quiet[0]).toBe('1 ticket in SEC: 1 unchanged');
    expect(h.stub.count('editIssue')).toBe(1);
    expect(h.stub.count('addComment')).toBe(1);

    // A grant resolved while others remain: updated again, and the comment says which.
    await h.run(doc([WORLD.annRead, extra], later));
    expect(JSON.stringify(h.stub.issue('SEC-1').comments.at(-1)!.body)).toContain('no longer flagged (used again, revoked or exempted): 123456789012/Admin (ann@corp.example)');
    expect(h.stub.count('editIssue')).toBe(2);
  });

  test('labels people added are kept; labels lapse wants are added back', async () => {
    h = await harness();
    await h.run(doc([WORLD.annOkta]));
    const issue = h.stub.issue('SEC-1');
    issue.fields.labels = ['triaged', ...issue.fields.labels.filter((l) => l !== 'access-review')];
    await h.run(doc([{ ...WORLD.annOkta, last_used: '2026-02-01' }]));
    expect(issue.fields.labels).toEqual(expect.arrayContaining(['triaged', 'access-review', 'lapse']));
  });
});

describe('closing', () => {
  test('a ticket whose grants are all resolved is transitioned to done with a comment, once', async () => {
    h = await harness();
    await h.run(doc(ALL));
    const lines = await h.run(doc([WORLD.annAdmin, WORLD.annRead, WORLD.carlLake, WORLD.daveBilling, { ...WORLD.annOkta, status: 'resolved', resolved_on: AS_OF }]));
    expect(lines).toContain('closed SEC-2: every grant in it is resolved');
    const okta = h.stub.issue('SEC-2');
    expect(okta.status.name).toBe('Done');
    expect(okta.resolution).toBe('Done');
    expect(JSON.stringify(okta.comments.at(-1)!.body)).toContain('every grant in this ticket is resolved');
    expect([...(await readRecords(h.ctx.lake)).values()].find((r) => r.key === 'SEC-2')).toMatchObject({ open: false, closed: { outcome: 'resolved' } });

    await h.run(doc([WORLD.annAdmin, WORLD.annRead, WORLD.carlLake, WORLD.daveBilling]));
    expect(h.stub.count('doTransition')).toBe(1);
  });

  test('the group flagged again later gets a new ticket; the closed one stays closed', async () => {
    h = await harness();
    await h.run(doc([WORLD.annOkta]));
    await h.run(doc([]));
    expect(h.stub.issue('SEC-1').status.name).toBe('Done');
    const lines = await h.run(doc([{ ...WORLD.annOkta, status: 'reappeared', first_flagged: '2026-07-10' }], '2026-07-10'));
    expect(lines[1]).toMatch(/^opened SEC-2: /);
    expect(h.stub.issue('SEC-1').status.name).toBe('Done');
    const rec = [...(await readRecords(h.ctx.lake)).values()][0]!;
    expect(rec).toMatchObject({ key: 'SEC-2', open: true, history: [{ key: 'SEC-1', outcome: 'resolved' }] });
  });

  test('no configured done transition available: the ticket stays open, the others are synced, and the action fails naming what Jira offers', async () => {
    h = await harness({ done_transitions: ['Close Issue'] });
    await h.run(doc([WORLD.annOkta, WORLD.annAdmin]));
    h.stub.doneTransition = 'Finish';
    const extra = finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Billing' });
    await expect(h.run(doc([WORLD.annAdmin, extra]))).rejects.toThrow(
      'jira: 1 ticket could not be synced: jira: cannot close SEC-2: none of done_transitions (Close Issue) is available; it offers: Start progress, Finish',
    );
    expect(h.stub.issue('SEC-2').status.name).toBe('To Do');
    expect(h.stub.issue('SEC-1').fields.summary).toContain('(2 grants)'); // the other ticket was still updated
    h.options.done_transitions = ['Finish'];
    await h.run(doc([WORLD.annAdmin, extra]));
    expect(h.stub.issue('SEC-2').status.name).toBe('Done');
  });
});

describe('answers read back', () => {
  test("won't do: the grants become exemptions owned by the resolver, with the reason; the ticket is never reopened", async () => {
    h = await harness();
    await h.run(doc(ALL));
    const resolvedAt = Date.parse('2026-06-30T15:00:00Z');
    h.stub.resolve('SEC-1', USERS.sam.accountId, "Won't Do", { comment: 'Ann is on the incident rota; she needs both.', at: resolvedAt });
    const lines = await h.run(doc(ALL));
    expect(lines).toContain(`SEC-1 resolved "Won't Do" by sam@corp.example: 2 grants exempted until ${addDays('2026-06-30', 180)}; never reopened`);
    const exemptions = await listExemptions(h.ctx.lake);
    expect(exemptions.map((e) => [e.permission, e.principal, e.owner, e.until, e.source, e.created_at])).toEqual([
      ['123456789012/Admin', 'ann@corp.example', 'sam@corp.example', '2026-12-27', 'jira', '2026-06-30T15:00:00.000Z'],
      ['123456789012/ReadOnly', 'ann@corp.example', 'sam@corp.example', '2026-12-27', 'jira', '2026-06-30T15:00:00.000Z'],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    expect(exemptions[0]!.reason).toBe('Jira SEC-1 resolved as "Won\'t Do" by Sam Security: Ann is on the incident rota; she needs both.');
    expect(h.stub.count('createIssue')).toBe(4);

    // Detect has not applied the exemption yet (same findings): still no new ticket, no new exemption, SEC-1 untouched.
    const transitions = h.stub.count('doTransition');
    await h.run(doc(ALL));
    expect(h.stub.count('createIssue')).toBe(4);
    expect((await listExemptions(h.ctx.lake)).length).toBe(2);
    expect(h.stub.count('doTransition')).toBe(transitions);
    expect(h.stub.issue('SEC-1').resolution).toBe("Won't Do");

    // A grant newly flagged in the same group gets a ticket of its own; the won't-do one stays closed.
    const extra = finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Billing' });
    await h.run(doc([...ALL, extra]));
    expect(h.stub.count('createIssue')).toBe(5);
    const fresh = h.stub.issues.at(-1)!;
    expect(fresh.fields.summary).toBe('[lapse] Unused access: ann@corp.example on aws (1 grant)');
    expect(h.stub.issue('SEC-1').status.name).toBe('Done');
  });

  test('manager keep and revoke are recorded once: keep until the due date (an exemption too), revoke for the revocation list', async () => {
    h = await harness();
    const eve = finding({ system: 'aws', principal: 'eve@corp.example', permission: '123456789012/Prod', kind: 'cold_start_anomaly', last_used: null, days_unused: null, revocable_from: null });
    await h.run(doc([WORLD.carlLake, eve]));
    const carl = issueOf(h, 'carl@corp.example', 'aws');
    const eveIssue = h.stub.issues.find((i) => i.fields.summary.includes('eve@'))!;
    expect([carl.fields.assignee, eveIssue.fields.assignee]).toEqual([USERS.boss.accountId, USERS.boss.accountId]);
    expect(h.stub.count('findUsers')).toBe(1); // the manager lookup is cached for the run
    h.stub.resolve(carl.key, USERS.boss.accountId, 'Keep access', { comment: 'Carl runs the Q3 data migration.', duedate: '2026-09-30', at: Date.parse('2026-06-30T16:00:00Z') });
    h.stub.resolve(eveIssue.key, USERS.boss.accountId, 'Revoke access', { at: Date.parse('2026-06-30T16:05:00Z') });

    const lines = await h.run(doc([WORLD.carlLake, eve]));
    expect(lines).toContain(`${carl.key} resolved "Keep access" by boss@corp.example: keep recorded, 1 grant exempted until 2026-09-30`);
    expect(lines).toContain(`${eveIssue.key} resolved "Revoke access" by boss@corp.example: revoke recorded, 1 grant goes on the next revocation list`);
    const decisions = await latestDecisions(h.ctx.lake, '2026-12-31');
    expect(decisions.get(WORLD.carlLake.finding_id)).toMatchObject({ decision: 'keep', decided_by: 'boss@corp.example', until: '2026-09-30', source: `jira:${carl.key}`, reason: expect.stringContaining('Carl runs the Q3 data migration.') });
    expect(decisions.get(eve.finding_id)).toMatchObject({ decision: 'revoke', until: null, decided_at: '2026-06-30T16:05:00.000Z', source: `jira:${eveIssue.key}` });
    expect((await listExemptions(h.ctx.lake)).map((e) => [e.permission, e.until, e.owner])).toEqual([['123456789012/DataLake', '2026-09-30', 'boss@corp.example']]);

    // Read back on every run, recorded once: the next runs add no decision, exemption or ticket.
    const files = async () => (await h!.ctx.lake.list('decisions/')).length + (await h!.ctx.lake.list('exemptions/')).length;
    const before = await files();
    await h.run(doc([WORLD.carlLake, { ...eve, decision: 'revoke', revocable_from: AS_OF }]));
    await h.run(doc([WORLD.carlLake, { ...eve, decision: 'revoke', revocable_from: AS_OF }]));
    expect(await files()).toBe(before);
    expect(h.stub.count('createIssue')).toBe(2);
  });

  test('keep without a due date lasts keep_days; a status name can carry the answer too', async () => {
    h = await harness({ keep_days: 30, resolutions: { 'Keep access': 'keep', 'Revoke access': 'revoke', Done: 'revoke' } });
    await h.run(doc([WORLD.carlLake, WORLD.annOkta])); // SEC-1: ann on okta, SEC-2: carl on aws
    h.stub.resolve('SEC-2', USERS.boss.accountId, 'Keep access', { at: Date.parse('2026-07-01T08:00:00Z') });
    h.stub.resolve('SEC-1', USERS.sam.accountId, 'Duplicate', { at: Date.parse('2026-07-01T09:00:00Z') }); // resolution unmapped, status "Done" mapped
    await h.run(doc([WORLD.carlLake, WORLD.annOkta]));
    const decisions = await latestDecisions(h.ctx.lake, '2026-12-31');
    expect(decisions.get(WORLD.carlLake.finding_id)).toMatchObject({ decision: 'keep', until: '2026-07-31' });
    expect(decisions.get(WORLD.annOkta.finding_id)).toMatchObject({ decision: 'revoke', decided_by: 'sam@corp.example' });
  });

  test('closed with an unmapped resolution: nothing recorded, said so, and no new ticket for the same flagging', async () => {
    h = await harness();
    await h.run(doc([WORLD.annOkta]));
    h.stub.resolve('SEC-1', USERS.sam.accountId, 'Done');
    const lines = await h.run(doc([WORLD.annOkta]));
    expect(lines).toContain('SEC-1 closed as "Done" by sam@corp.example: no answer is mapped to it, so nothing is recorded; its grants stay flagged and get no new ticket');
    expect(await h.ctx.lake.list('decisions/')).toEqual([]);
    expect(await h.ctx.lake.list('exemptions/')).toEqual([]);
    expect(h.stub.count('createIssue')).toBe(1);
    expect(h.logs.some((l) => l.includes('jira ticket closed without a mapped answer'))).toBe(true);
  });

  test('a ticket reopened after its answer is followed again: a later answer is read back', async () => {
    h = await harness();
    await h.run(doc([WORLD.carlLake]));
    h.stub.resolve('SEC-1', USERS.boss.accountId, 'Done');
    await h.run(doc([WORLD.carlLake]));
    h.stub.reopen('SEC-1', USERS.boss.accountId);
    const lines = await h.run(doc([WORLD.carlLake]));
    expect(lines).toContain('SEC-1 was reopened: lapse follows it again');
    expect([...(await readRecords(h.ctx.lake)).values()][0]).toMatchObject({ key: 'SEC-1', open: true, settled: [] });
    h.stub.resolve('SEC-1', USERS.boss.accountId, 'Revoke access', { at: Date.parse('2026-07-01T10:00:00Z') });
    await h.run(doc([WORLD.carlLake]));
    expect((await latestDecisions(h.ctx.lake, '2026-12-31')).get(WORLD.carlLake.finding_id)).toMatchObject({ decision: 'revoke', source: 'jira:SEC-1' });
    expect(h.stub.count('createIssue')).toBe(1);
  });

  test('a deleted ticket is replaced while its grants are still flagged', async () => {
    h = await harness();
    await h.run(doc([WORLD.annOkta, WORLD.annAdmin]));
    h.stub.delete('SEC-2');
    const lines = await h.run(doc([WORLD.annOkta, WORLD.annAdmin]));
    expect(lines).toContain('SEC-2 no longer exists in Jira (deleted, or hidden from lapse): its grants get a new ticket if still flagged');
    expect(lines.some((l) => l.startsWith('opened SEC-3: [lapse] Unused access: ann@corp.example on okta'))).toBe(true);
    expect([...(await readRecords(h.ctx.lake)).values()].find((r) => r.key === 'SEC-3')).toMatchObject({ open: true, history: [{ key: 'SEC-2', outcome: 'gone' }] });
  });
});

describe('routing to managers', () => {
  test('the manager is found by email (also when Jira hides it); a miss goes to the security queue and is reported', async () => {
    h = await harness({ security_assignee: null });
    h.stub.addUser({ accountId: '70121:hidden-mgr', displayName: 'Hidden Manager', email: 'hidden@corp.example', emailVisible: false });
    const fred = finding({ system: 'aws', principal: 'fred@corp.example', permission: '123456789012/Ops', kind: 'cold_start_anomaly', manager: 'hidden@corp.example', revocable_from: null });
    const lines = await h.run(doc([WORLD.daveBilling, fred]));
    expect(lines).toContain('manager ghost@corp.example not found in Jira: SEC-1 went to the security queue instead');
    expect(h.stub.issue('SEC-1').fields.assignee).toBeNull(); // security_assignee: null → unassigned
    expect(h.stub.issue('SEC-2').fields.assignee).toBe('70121:hidden-mgr');
    expect(h.logs.some((l) => l.includes('"manager":"ghost@corp.example"') && l.includes('manager not found in jira'))).toBe(true);
    const queries = h.stub.requests.filter((r) => r.op === 'findUsers').map((r) => r.query['query']);
    expect(queries).toEqual(['ghost@corp.example', 'hidden@corp.example']);
  });
});

describe('dry run', () => {
  test('plan and describe show the exact tickets without calling Jira', async () => {
    h = await harness();
    const { jira } = await import('./action.js');
    const plan = await jira.plan(h.ctx, doc(ALL), h.options);
    expect(jira.describe(plan).lines).toEqual([
      '4 tickets in SEC: 4 to open, 0 to update, 0 unchanged; 0 to close',
      'open: [lapse] Unused access: ann@corp.example on aws (2 grants) → security queue',
      'open: [lapse] Unused access: ann@corp.example on okta (1 grant) → security queue',
      'open: [lapse] Confirm unusual access: carl@corp.example on aws → manager boss@corp.example',
      'open: [lapse] Confirm unusual access: dave@corp.example on aws → manager ghost@corp.example',
    ]);
    expect(h.stub.requests).toEqual([]);
    await h.run(doc(ALL));
    const later = await jira.plan(h.ctx, doc([WORLD.annAdmin, WORLD.carlLake, WORLD.daveBilling]), h.options);
    expect(jira.describe(later).lines).toEqual([
      '3 tickets in SEC: 0 to open, 1 to update, 2 unchanged; 1 to close',
      'update SEC-1: [lapse] Unused access: ann@corp.example on aws (1 grant)',
      'close SEC-2: every grant in it is resolved',
    ]);
  });
});
