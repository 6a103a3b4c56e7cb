import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { configSchema, parseConfig } from '../../core/config.js';
import type { FindingsDocument } from '../../core/model.js';
import { recordRestore, recordRevocations } from '../../core/records.js';
import { LocalLake, type Lake } from '../../core/store.js';
import type { ActionContext } from '../_shared/define.js';
import { AS_OF, doc, finding } from '../_shared/testing/findings.js';
import { applyWebhook, webhook } from './action.js';
import { WebhookOptions } from './options.js';
import { webhookProfile } from './checks.js';
import { RECORDS_PREFIX, readDelivered } from './records.js';
import { retryAfter } from './send.js';
import { startReceiver, type Receiver } from './testing/receiver.js';

/** The webhook action against receivers on 127.0.0.1 that verify every signature, as docs/webhook.md says. */

const SECRET = 'whsec-test-0123456789abcdef';
const ENV = { HOOK_SECRET: SECRET, OTHER_SECRET: 'other-secret-0123456789' };

const fresh = finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Admin', status: 'new', first_flagged: AS_OF });
const old = finding({ system: 'github', principal: 'bob-gh', email: 'bob@corp.example', permission: 'repo/corp/api', first_flagged: '2026-03-01' });
const gone = finding({ system: 'okta', principal: 'carl@corp.example', permission: 'app/Salesforce', status: 'resolved', resolved_on: AS_OF });
const quiet = finding({ system: 'aws', principal: 'dave@corp.example', permission: '123456789012/Billing', status: 'exempted', first_flagged: AS_OF, excluded_by: 'source_freshness' });

function today(): FindingsDocument {
  return { ...doc([fresh, old, gone, quiet]), guards: [{ system: 'okta', guard: 'blast_radius', held: 40, detail: '40 of 100 grants (40%) > 20%' }] };
}

interface H {
  r: Receiver;
  ctx: ActionContext;
  sleeps: number[];
  run(d: FindingsDocument, over?: Record<string, unknown>, lake?: Lake): Promise<string[]>;
}

let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function receiver(secret = SECRET): Promise<Receiver> {
  const r = await startReceiver(secret);
  receivers.push(r);
  return r;
}

async function harness(): Promise<H> {
  const r = await receiver();
  const dir = await mkdtemp(join(tmpdir(), 'lapse-webhook-'));
  const config = parseConfig('{"directory": {"path": "people.csv"}, "systems": {}}', join(dir, 'lapse.json'), configSchema(z.never(), z.looseObject({ type: z.string() })));
  const ctx: ActionContext = { config, lake: new LocalLake(join(dir, 'lake')), log: pino({ level: 'silent' }), run: { mode: 'enforce', writes_lists: true, overrides: [] } };
  const sleeps: number[] = [];
  return {
    r,
    ctx,
    sleeps,
    async run(d, over = {}, lake = ctx.lake) {
      const options = WebhookOptions.parse({ endpoints: [{ url: r.url, secret_env: 'HOOK_SECRET' }], max_retries: 3, ...over });
      const c = { ...ctx, lake };
      const plan = await webhook.plan(c, d, options);
      return (await applyWebhook(c, plan, options, { env: ENV, sleep: async (ms) => void sleeps.push(ms) })).lines;
    },
  };
}

const types = (r: Receiver) => r.processed.flatMap((p) => p.body.events.map((e) => e.type)).sort();

describe('webhook: what is sent', () => {
  test("the run's changes, signed, to a receiver that verifies them: new, resolved, revoked, restored, guards held", async () => {
    const h = await harness();
    await recordRevocations(h.ctx.lake, { as_of: AS_OF, run_id: today().run_id }, { system: 'github', held_reason: null, entries: [{ finding_id: old.finding_id, principal: old.principal, permission: old.permission, reason: 'stale' }] });
    await recordRestore(h.ctx.lake, { restore_id: 'r_1', system: 'aws', principal: 'erin@corp.example', permission: '123456789012/Ops', person: 'erin', finding_id: 'f_x', reason: 'on call', requested_by: 'sec', requested_at: `${AS_OF}T09:00:00Z`, revoked_in_run: '2026-06-29-bbbbbbbb', list: 'x' });
    const lines = await h.run(today());
    expect(lines).toEqual([`${h.r.url}: 1 delivery accepted (5 events), 0 left for the next run`]);
    expect(h.r.attempts).toHaveLength(1);
    expect(h.r.attempts[0]!.verified).toBe(true);
    expect(types(h.r)).toEqual(['finding.new', 'finding.resolved', 'grant.restored', 'grant.revoked', 'guard.held']);
    const body = h.r.processed[0]!.body as unknown as { delivery_id: string; run_id: string; mode: string; events: { type: string; finding?: { finding_id: string } | null; revocation?: unknown }[] };
    expect(body.delivery_id).toBe(h.r.processed[0]!.key);
    expect(body.run_id).toBe(today().run_id);
    expect(body.mode).toBe('enforce');
    expect(body.events.find((e) => e.type === 'finding.new')!.finding!.finding_id).toBe(fresh.finding_id);
    expect(body.events.find((e) => e.type === 'grant.revoked')!.finding!.finding_id).toBe(old.finding_id);
    // An exempted finding is not news; one first flagged months ago was told then.
    expect(JSON.stringify(body)).not.toContain(quiet.finding_id);
  });

  test('a receiver with another secret refuses the signature (401): not retried, not recorded, the action fails', async () => {
    const h = await harness();
    const wrong = await receiver('not-the-same-secret-at-all');
    await expect(h.run(today(), { endpoints: [{ url: wrong.url, secret_env: 'HOOK_SECRET' }] })).rejects.toThrow(/HTTP 401 \(refused/);
    expect(wrong.attempts).toHaveLength(1);
    expect(await readDelivered(h.ctx.lake)).toEqual(new Set());
  });

  test('an endpoint gets only the events it asks for; a dry run describes each delivery and event', async () => {
    const h = await harness();
    const options = WebhookOptions.parse({ endpoints: [{ url: h.r.url, secret_env: 'HOOK_SECRET', events: ['guard.held', 'finding.resolved'] }] });
    const lines = webhook.describe(await webhook.plan(h.ctx, today(), options)).lines;
    expect(lines[0]).toBe(`${h.r.url}: 1 delivery (2 events: 1 guard.held, 1 finding.resolved)`);
    expect(lines[1]).toMatch(/^ {2}POST wh_[0-9a-f]{16}: 2 events, \d+ bytes$/);
    expect(lines.slice(2)).toEqual([`    guard.held ${AS_OF} okta blast_radius held 40`, `    finding.resolved ${AS_OF} okta app/Salesforce carl@corp.example`]);
    expect(h.r.attempts).toEqual([]);
  });
});

describe('webhook: exactly once', () => {
  test('a re-run sends nothing again', async () => {
    const h = await harness();
    await h.run(today());
    expect(await h.run(today())).toEqual([`${h.r.url}: 0 deliveries accepted (0 events), 0 left for the next run`]);
    expect(h.r.attempts).toHaveLength(1);
  });

  test('500s are retried with backoff under the same idempotency key, each attempt signed afresh', async () => {
    const h = await harness();
    h.r.script.push({ status: 500 }, { status: 503 });
    await h.run(today());
    expect(h.r.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(new Set(h.r.attempts.map((a) => a.key)).size).toBe(1);
    expect(h.r.attempts.every((a) => a.verified)).toBe(true);
    expect(h.sleeps).toEqual([1000, 2000]);
    const [rec] = (await h.ctx.lake.list(RECORDS_PREFIX)).map((o) => o.key);
    expect(JSON.parse((await h.ctx.lake.readText(rec!))!)).toMatchObject({ status: 200, attempts: 3, delivery_id: h.r.attempts[0]!.key });
  });

  test('a 429 waits its Retry-After (seconds or a date); one longer than max_retry_after_secs stops the endpoint', async () => {
    const h = await harness();
    h.r.script.push({ status: 429, retryAfter: '7' });
    await h.run(today());
    expect(h.sleeps).toEqual([7000]);
    expect(retryAfter('Tue, 30 Jun 2026 10:00:30 GMT', new Date('2026-06-30T10:00:00Z'))).toBe(30);

    const later = { ...today(), as_of: '2026-07-01', run_id: '2026-07-01-cccccccc', findings: [finding({ ...fresh, first_flagged: '2026-07-01', finding_id: 'f_later' })] };
    h.r.script.push({ status: 429, retryAfter: '600' });
    await expect(h.run(later)).rejects.toThrow(/HTTP 429, and Retry-After 600 s is longer than max_retry_after_secs \(120\)/);
  });

  test('an outage fails only this run: nothing recorded, and the next run (another day) sends the same events', async () => {
    const h = await harness();
    h.r.script.push(...Array.from({ length: 4 }, () => ({ status: 502 })));
    await expect(h.run(today())).rejects.toThrow(/HTTP 502 after 4 attempts; .*0 deliveries accepted \(0 events\), 1 left for the next run; the next run sends the rest/);
    expect(h.r.processed).toEqual([]);
    expect(await h.ctx.lake.list(RECORDS_PREFIX)).toEqual([]);
    // The next day: the finding is open now, the guard and the resolution are the earlier run's (its run.json).
    await h.ctx.lake.writeText(`runs/as_of=${AS_OF}/run.json`, JSON.stringify({ as_of: AS_OF, run_id: today().run_id, guards: today().guards, sources: [] }));
    const next: FindingsDocument = { ...doc([{ ...fresh, status: 'open' }, old], '2026-07-01'), guards: [] };
    await h.run(next);
    expect(types(h.r)).toEqual(['finding.new', 'guard.held']);
    const ids = h.r.processed[0]!.body.events.map((e) => e.id);
    const again = await receiver();
    await h.run(today(), { endpoints: [{ url: again.url, secret_env: 'HOOK_SECRET' }] });
    expect(ids.every((id) => again.processed[0]!.body.events.some((e) => e.id === id))).toBe(true); // event ids are stable across runs
  });

  test('a crash between the 2xx and the record: the re-run resends the same delivery id, the receiver drops it, then it is recorded', async () => {
    const h = await harness();
    const crashing: Lake = Object.assign(Object.create(h.ctx.lake) as Lake, {
      writeText: async (key: string) => {
        throw new Error(`killed before writing ${key}`);
      },
    });
    await expect(h.run(today(), {}, crashing)).rejects.toThrow(/killed before writing records\/webhook\//);
    expect(h.r.processed).toHaveLength(1);
    await h.run(today());
    expect(h.r.attempts.map((a) => a.key)).toEqual([h.r.processed[0]!.key, h.r.processed[0]!.key]);
    expect(h.r.processed).toHaveLength(1); // dropped as a duplicate, answered 200
    expect((await readDelivered(h.ctx.lake)).size).toBe(3); // new, resolved, guard held
    await h.run(today());
    expect(h.r.attempts).toHaveLength(2);
  });

  test('max_events_per_delivery and max_deliveries: the rest waits for the next run', async () => {
    const h = await harness();
    const many = doc(Array.from({ length: 5 }, (_, i) => finding({ system: 'aws', principal: `p${i}@corp.example`, permission: 'x', status: 'new', first_flagged: AS_OF })));
    expect(await h.run(many, { max_events_per_delivery: 2, max_deliveries: 2 })).toEqual([`${h.r.url}: 2 deliveries accepted (4 events), 1 left for the next run`]);
    expect(await h.run(many, { max_events_per_delivery: 2, max_deliveries: 2 })).toEqual([`${h.r.url}: 1 delivery accepted (1 event), 0 left for the next run`]);
    expect(h.r.processed.map((p) => p.body.events.length)).toEqual([2, 2, 1]);
    expect(new Set(h.r.processed.flatMap((p) => p.body.events.map((e) => e.id))).size).toBe(5);
  });

  test('one receiver down does not stop another; an unset secret fails naming its variable', async () => {
    const h = await harness();
    const other = await receiver(ENV.OTHER_SECRET);
    const down = await receiver();
    await down.close();
    const over = { max_retries: 0, endpoints: [{ url: down.url, secret_env: 'HOOK_SECRET' }, { url: other.url, secret_env: 'OTHER_SECRET' }, { url: 'https://unset.example/h', secret_env: 'NOT_SET' }] };
    const err = await h.run(today(), over).catch((e: Error) => e.message);
    expect(err).toContain(`webhook ${down.url}: no answer (fetch failed: ECONNREFUSED) after 1 attempt`);
    expect(err).toContain('webhook https://unset.example/h: environment variable NOT_SET (endpoints[].secret_env) is not set');
    expect(other.processed).toHaveLength(1);
  });
});

describe('webhook: options', () => {
  const issue = (o: unknown) => WebhookOptions.safeParse(o).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  test('https, or http to the loopback host only; no credentials in the URL; a secret variable named', () => {
    expect(issue({ endpoints: [{ url: 'http://siem.corp.example/h', secret_env: 'S' }] })).toEqual(['endpoints.0.url: must be https (plain http only to 127.0.0.1 or localhost)']);
    expect(issue({ endpoints: [{ url: 'https://u:p@siem.corp.example/h', secret_env: 'S' }] })).toEqual(['endpoints.0.url: must not hold a user name or password (the secret goes in secret_env)']);
    expect(issue({ endpoints: [{ url: 'https://siem.corp.example/h' }] })?.[0]).toMatch(/^endpoints\.0\.secret_env: /);
    expect(issue({ endpoints: [{ url: 'http://localhost:8080/h', secret_env: 'S' }] })).toBeUndefined();
    expect(issue({ endpoints: [] })).toEqual(['endpoints: configure at least one endpoint']);
  });
});

describe('webhook: doctor', () => {
  test('each endpoint: its secret set and the receiver answering; nothing delivered', async () => {
    const h = await harness();
    const said: { status: string; what: string; detail: string }[] = [];
    process.env.LAPSE_TEST_HOOK_SECRET = SECRET;
    try {
      const options = WebhookOptions.parse({ endpoints: [{ url: h.r.url, secret_env: 'LAPSE_TEST_HOOK_SECRET' }, { url: 'https://unset.example/h', secret_env: 'LAPSE_TEST_NOT_SET' }] });
      await webhookProfile.checks(options, { config: h.ctx.config, say: (x: (typeof said)[number]) => void said.push(x), probe: {} } as unknown as Parameters<typeof webhookProfile.checks>[1]);
    } finally {
      delete process.env.LAPSE_TEST_HOOK_SECRET;
    }
    expect(said).toEqual([
      { status: 'ok', what: `webhook ${h.r.url}`, detail: 'secret in LAPSE_TEST_HOOK_SECRET; the receiver answers (HTTP 401 to HEAD)' },
      { status: 'FAIL', what: 'webhook https://unset.example/h', detail: 'webhook https://unset.example/h: environment variable LAPSE_TEST_NOT_SET (endpoints[].secret_env) is not set' },
    ]);
    expect(h.r.processed).toEqual([]);
  });
});
