import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ActionError } from '../../core/errors.js';
import { runActions } from '../index.js';
import { readRecords } from './records.js';
import { closeHarness, doc, EMAIL, ENV, harness, TOKEN, WORLD, type Harness } from './testing/fixtures.js';

/**
 * Rate limits, errors and outages: retried within bounds, never a lost or doubled ticket, and an
 * outage fails the jira action cleanly while the run's other actions go on. The token never leaves
 * the Authorization header.
 */

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});

const ALL = Object.values(WORLD);
const SEARCH = 'searchAndReconsileIssuesUsingJqlPost';
const retries = (hh: Harness) => hh.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'jira request retried');

describe('rate limits and server errors', () => {
  test('429 waits as long as Retry-After says, then goes on', async () => {
    h = await harness();
    h.stub.faults.push({ op: SEARCH, times: 1, status: 429, headers: { 'Retry-After': '1' } });
    h.stub.faults.push({ op: 'findUsers', times: 1, status: 429, headers: { 'Retry-After': '0' } }); // a documented 429
    const started = Date.now();
    await h.run(doc(ALL));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(h.stub.issues).toHaveLength(4);
    expect(retries(h).map((r) => [r['request'], r['status'], r['wait_ms']])).toEqual([
      ['search page 1', 429, 1000],
      ['user search', 429, 0],
    ]);
  });

  test('a Retry-After longer than retry.max_delay_secs fails at once instead of stalling the run', async () => {
    h = await harness();
    h.stub.faults.push({ op: SEARCH, times: 1, status: 429, headers: { 'Retry-After': '600' } });
    const started = Date.now();
    await expect(h.run(doc(ALL))).rejects.toThrow('jira: search page 1 failed: HTTP 429: injected 429; Jira asked to wait 600 s, more than retry.max_delay_secs (5)');
    expect(Date.now() - started).toBeLessThan(5000); // far from the 600 s asked
    expect(h.stub.issues).toEqual([]);
  });

  test('5xx and dropped connections are retried with exponential backoff', async () => {
    h = await harness();
    h.stub.faults.push({ op: 'createIssue', times: 2, status: 503 }, { op: SEARCH, times: 1, network: 'reset' });
    const waits: number[] = [];
    await h.run(doc(ALL), { random: () => 1, sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([5, 5, 10]); // search: 5; create: 5, then 10 (base_delay_ms 5, doubling)
    expect(h.stub.issues).toHaveLength(4);
    expect(retries(h).map((r) => [r['request'], r['status']])).toEqual([
      ['search page 1', null],
      ['create issue for lapse-' + h.stub.issues[0]!.fields.labels.find((l) => /^lapse-[0-9a-f]{16}$/.test(l))!.slice(6), 503],
      ['create issue for lapse-' + h.stub.issues[0]!.fields.labels.find((l) => /^lapse-[0-9a-f]{16}$/.test(l))!.slice(6), 503],
    ]);
  });

  test('retries are bounded: a request failing every time fails the action after max_retries', async () => {
    h = await harness();
    const fault = { op: SEARCH, times: 100, status: 502 };
    h.stub.faults.push(fault);
    await expect(h.run(doc(ALL))).rejects.toThrow('jira: search page 1 failed: HTTP 502: injected 502 (after 4 attempts)');
    expect(100 - fault.times).toBe(4); // the first try and max_retries (3) more
  });

  test('a timed-out request is retried (idempotent reads)', async () => {
    h = await harness({ timeout_secs: 1 });
    h.stub.faults.push({ op: SEARCH, times: 1, network: 'hang' });
    await h.run(doc(ALL));
    expect(retries(h)).toEqual([expect.objectContaining({ request: 'search page 1', status: null, detail: expect.stringMatching(/^ETIMEDOUT: no response within 1000 ms/) })]);
    expect(h.stub.issues).toHaveLength(4);
  });

  test('a create whose answer is lost is not resent (it may have worked); the next run finds it by its label instead of duplicating it', async () => {
    h = await harness();
    h.stub.faults.push({ op: 'createIssue', times: 1, status: 500, afterStub: true });
    await expect(h.run(doc([WORLD.annOkta]))).rejects.toThrow(
      /^jira: create issue for lapse-[0-9a-f]{16} failed: HTTP 500: injected 500; not resent, so it cannot run twice \(the next run finds or redoes it\)$/,
    );
    expect(h.stub.issues).toHaveLength(1); // Jira did create it
    expect(await readRecords(h.ctx.lake)).toEqual(new Map()); // lapse could not know: nothing recorded
    const lines = await h.run(doc([WORLD.annOkta]));
    expect(lines).toContain('found SEC-1 by its label (not on record): tracking it again');
    expect(h.stub.issues).toHaveLength(1);
  });

  test('a 403 on one issue (e.g. its security level) fails that ticket only; the others are updated', async () => {
    h = await harness();
    await h.run(doc([WORLD.annOkta, WORLD.annAdmin]));
    h.stub.faults.push({ op: 'editIssue', times: 1, status: 403 });
    const changed = [{ ...WORLD.annOkta, last_used: '2026-01-05' }, { ...WORLD.annAdmin, last_used: '2026-01-05' }];
    await expect(h.run(doc(changed))).rejects.toThrow('jira: 1 ticket could not be synced: jira: update SEC-1 failed: HTTP 403: injected 403');
    expect(JSON.stringify(h.stub.issue('SEC-2').fields.description)).toContain('2026-01-05');
    expect(JSON.stringify(h.stub.issue('SEC-1').fields.description)).not.toContain('2026-01-05');
    await h.run(doc(changed)); // and next time it goes through
    expect(JSON.stringify(h.stub.issue('SEC-1').fields.description)).toContain('2026-01-05');
  });

  test('a non-transient refusal (400) fails that ticket only; the others are created and it is retried next run', async () => {
    h = await harness();
    h.stub.issueTypes = ['Bug'];
    await expect(h.run(doc([WORLD.annOkta]))).rejects.toThrow(/^jira: 1 ticket could not be synced: jira: create issue for lapse-[0-9a-f]{16} failed: HTTP 400: issuetype: valid issue type is required$/);
    h.stub.issueTypes = ['Task'];
    await h.run(doc([WORLD.annOkta]));
    expect(h.stub.issues).toHaveLength(1);
  });
});

describe('outages', () => {
  test('Jira down: the jira action fails with an ActionError naming the request, the other actions still run, and nothing is lost', async () => {
    h = await harness();
    const raw = { type: 'jira', url: h.server.url, project: 'SEC', timeout_secs: 10, retry: { max_retries: 2, base_delay_ms: 5, max_delay_secs: 5 } };
    const ctx = { ...h.ctx, config: { ...h.ctx.config, actions: [raw, { type: 'ticket_preview', dir: 'out/tickets', group_by: 'person_system' }] } };
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    try {
      h.stub.faults.push({ times: 1000, network: 'reset' });
      const outcomes = await runActions(ctx, doc(ALL), { dryRun: false });
      expect(outcomes.map((o) => [o.type, o.state])).toEqual([
        ['jira', 'failed'],
        ['ticket_preview', 'applied'],
      ]);
      expect(outcomes[0]!.error).toMatch(/^jira: search page 1 failed: (ECONNRESET|UND_ERR_SOCKET): .* \(after 3 attempts\)$/);
      expect((await readdir(join(h.dir, 'out/tickets/aws'))).sort()).toEqual([/^ann@corp\.example-\w{12}\.md$/, /^carl@corp\.example-\w{12}\.md$/, /^dave@corp\.example-\w{12}\.md$/].map((r) => expect.stringMatching(r)));
      expect(h.stub.issues).toEqual([]);
      expect(await readRecords(h.ctx.lake)).toEqual(new Map());

      h.stub.faults = [];
      const again = await runActions(ctx, doc(ALL), { dryRun: false });
      expect(again.map((o) => o.state)).toEqual(['applied', 'applied']);
      expect(h.stub.issues).toHaveLength(4);
    } finally {
      process.env = saved;
    }
  });

  test('an outage in the middle keeps what was done: created tickets are recorded, the rest are created next run, none twice', async () => {
    h = await harness();
    h.stub.faults.push({ op: 'createIssue', skip: 2, times: 1000, status: 503 });
    await expect(h.run(doc(ALL))).rejects.toThrow(/^jira: create issue for lapse-[0-9a-f]{16} failed: HTTP 503: injected 503 \(after 4 attempts\)$/);
    expect(h.stub.issues.map((i) => i.key)).toEqual(['SEC-1', 'SEC-2']);
    expect([...(await readRecords(h.ctx.lake)).values()].map((r) => r.key).sort()).toEqual(['SEC-1', 'SEC-2']);
    h.stub.faults = [];
    h.stub.indexDelayMs = 3_600_000;
    await h.run(doc(ALL));
    expect(h.stub.issues.map((i) => i.key)).toEqual(['SEC-1', 'SEC-2', 'SEC-3', 'SEC-4']);
  });

  test('refused credentials are not retried', async () => {
    h = await harness();
    await expect(h.run(doc(ALL), { env: { JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: 'wrong' } })).rejects.toThrow('jira: search page 1 failed: HTTP 401: Client must be authenticated to access this resource.');
    expect(h.server.authorizations).toHaveLength(1);
  });

  test('credentials missing from the environment: an ActionError naming the variable, before any request', async () => {
    h = await harness();
    await expect(h.run(doc(ALL), { env: {} })).rejects.toThrow(
      new ActionError('jira: environment variable JIRA_EMAIL (email_env) is not set: it names the Jira account lapse acts as'),
    );
    await expect(h.run(doc(ALL), { env: { JIRA_EMAIL: EMAIL } })).rejects.toThrow(
      "jira: environment variable JIRA_API_TOKEN (token_env) is not set: it holds that account's API token",
    );
    expect(h.server.authorizations).toEqual([]);
  });
});

describe('secrets', () => {
  test('the API token is sent only in the Authorization header: never in logs, errors or the lake', async () => {
    h = await harness();
    const basic = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');
    h.stub.faults.push({ op: SEARCH, times: 1, status: 429, headers: { 'Retry-After': '0' } }, { op: 'createIssue', times: 1, status: 503 });
    await h.run(doc(ALL));
    h.stub.faults.push({ times: 1000, status: 503 });
    const raw = { type: 'jira', url: h.server.url, project: 'SEC', retry: { max_retries: 1, base_delay_ms: 5, max_delay_secs: 5 } };
    const ctx = { ...h.ctx, config: { ...h.ctx.config, actions: [raw] } };
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    let outcome;
    try {
      [outcome] = await runActions(ctx, doc(ALL), { dryRun: false }); // logs the failure with its error, as in production
    } finally {
      process.env = saved;
    }
    expect(outcome).toMatchObject({ state: 'failed' });
    const logged = h.logs.join('\n');
    expect(logged).toContain('action failed');
    expect(logged).toContain('jira request retried');
    for (const secret of [TOKEN, basic]) {
      expect(logged).not.toContain(secret);
      expect(outcome!.error).not.toContain(secret);
    }
    expect(logged).not.toMatch(/authorization/i);
    const lakeFiles = await readdir(join(h.dir, 'lake'), { recursive: true, withFileTypes: true });
    for (const f of lakeFiles.filter((e) => e.isFile())) {
      const text = await readFile(join(f.parentPath, f.name), 'utf8');
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(basic);
    }
    expect(new Set(h.server.authorizations)).toEqual(new Set([`Basic ${basic}`]));
  });
});
