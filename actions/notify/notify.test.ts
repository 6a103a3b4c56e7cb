import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, test } from 'vitest';
import { recordRevocations } from '../../core/records.js';
import { siteUrl } from '../../core/site.js';
import { RECORDS_PREFIX } from '../jira/records.js';
import { notify } from './action.js';
import { previewFiles } from './preview.js';
import { readSent } from './records.js';
import { AS_OF, doc, finding, harness, REPORT, TOKEN, WORLD, type Harness } from './testing/fixtures.js';

/** The notify action against Slack (a stub checked against Slack's OpenAPI description) and an SMTP server, both on 127.0.0.1. */

let h: Harness | undefined;
afterEach(async () => {
  if (!h) return;
  await h.close();
  expect(h.slack.violations).toEqual([]);
  h = undefined;
});

const everyone = () => doc(Object.values(WORLD));
const dms = (x: Harness, user: string) => x.slack.posted.filter((p) => p.user === user);
const mailsTo = (x: Harness, to: string) => x.smtp.received.filter((r) => r.to.includes(to));

describe('notify: who hears what', () => {
  test('a stray use that does not restart the clock is told as counted, with its reason, not as "N days ago"', async () => {
    h = await harness({});
    const reason = 'a lone use on 2026-05-20, 41 days after its regular use ended on 2026-04-09, does not restart the TTL; a person confirms before it is revoked';
    const stray = finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Admin', last_used: '2026-05-20', days_unused: 82, ttl_days: 60, confidence: 'medium', confidence_reason: reason });
    const lines = await h.run(doc([stray]));
    expect(lines[0]).toContain('1 Slack');
    const [ann] = dms(h, 'U0ANN00001');
    expect(ann!.text).toContain(`last used 2026-05-20; 82 days counted against its time-to-live of 60 days: ${reason}`);
    expect(ann!.text).not.toContain('82 days ago');
  });

  test('a digest per holder (Slack DM, or email when Slack does not know them), the manager, and the run summary', async () => {
    h = await harness({}, undefined, ', "actions": [{"type": "jira", "url": "https://corp.atlassian.net/", "project": "SEC"}]');
    await h.ctx.lake.writeText(`${RECORDS_PREFIX}x.json`, jiraRecord(WORLD.carlLake.finding_id));
    const lines = await h.run(everyone());
    expect(lines[0]).toBe('3 messages sent (2 Slack, 1 email), 0 deferred, 0 failed, 1 not in Slack');

    const [ann] = dms(h, 'U0ANN00001');
    expect(dms(h, 'U0ANN00001')).toHaveLength(1);
    expect(ann!.text).toContain('You hold 2 grants not used within their time-to-live.');
    expect(ann!.text).toContain('aws `123456789012/Admin`: last used 2026-01-01 (180 days ago); time-to-live 90 days');
    expect(ann!.text).toContain("github `repo/corp/api` as `ann-gh`: never used since it was granted on 2025-06-01");
    // What happens next is the tickets' own text: true to the mode and the notice period.
    expect(ann!.text).toContain('Unless kept or used again before then, these 2 grants go on the revocation lists for aws, github of the run on 2026-07-14');
    expect(ann!.text).toContain('ask #access-help to keep it');
    expect(ann!.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '2 grants of yours lapse from 2026-07-14 unless used' } });

    const [bob] = mailsTo(h, 'bob@corp.example');
    expect(mailsTo(h, 'bob@corp.example')).toHaveLength(1);
    expect(bob!.secure).toBe(true); // STARTTLS
    expect(bob!.user).toBe('lapse-mailer');
    expect(bob!.mail.from?.value).toEqual([{ name: 'lapse', address: 'lapse@corp.example' }]);
    expect(bob!.mail.replyTo?.text).toBe('security@corp.example');
    expect(bob!.mail.subject).toBe('[lapse] 1 grant of yours lapses from 2026-07-14 unless used');
    expect(bob!.mail.text).toContain('warehouse `PII_READ` as `BOB_W`: last used 2026-01-01');
    expect(bob!.mail.html).toContain('<code>PII_READ</code>');
    expect(bob!.mail.headers.get('auto-submitted')).toBe('auto-generated');

    const [boss] = dms(h, 'U0BOSS0001');
    expect(boss!.text).toContain('carl@corp.example (team eng): aws `123456789012/DataLake`: granted 2026-06-10; 1 of 6 on the team hold it, 0 used it (SEC-7: https://corp.atlassian.net/browse/SEC-7)');
    expect(boss!.text).toContain("lapse never revokes an unusual grant without a manager's revoke");
    expect(JSON.stringify(boss!.blocks)).toContain('<https://corp.atlassian.net/browse/SEC-7|SEC-7>');

    const channel = h.slack.posted.filter((p) => p.channel === 'C0SECREVW1');
    expect(channel).toHaveLength(1);
    expect(channel[0]!.text).toContain('Found: 4 grants flagged (4 new), 0 held by a rule or guard');
    expect(channel[0]!.text).toContain('Notices: 3 messages sent (2 on Slack, 1 by email), 0 deferred to the next run by max_messages, 0 failed, 1 not in Slack');
    expect(mailsTo(h, 'security@corp.example')).toHaveLength(1);
    // Nobody else: not dave (excluded), not carl (an undecided anomaly is his manager's to decide).
    expect(h.smtp.received.flatMap((r) => r.to).sort()).toEqual(['bob@corp.example', 'security@corp.example']);
    // The token went only in the Authorization header.
    expect(JSON.stringify(h.slack.calls)).not.toContain(TOKEN);
  });

  test('a re-run sends nothing again; a reminder goes once, reminder_days before the list', async () => {
    h = await harness({ reminder_days: 3 });
    await h.run(everyone());
    const posts = h.slack.posted.length;
    const mails = h.smtp.received.length;
    expect(await h.run(everyone())).toEqual(['0 messages sent (0 Slack, 0 email), 0 deferred, 0 failed, 0 not in Slack']);
    expect([h.slack.posted.length, h.smtp.received.length]).toEqual([posts, mails]);
    const later = doc(Object.values(WORLD).map((f) => ({ ...f, status: f.status === 'new' ? ('open' as const) : f.status })), '2026-07-11');
    await h.run(later);
    const reminders = h.slack.posted.slice(posts).filter((p) => p.user === 'U0ANN00001');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.blocks[0]).toMatchObject({ text: { text: 'Reminder: 2 grants of yours lapse from 2026-07-14 unless used' } });
    expect(mailsTo(h, 'bob@corp.example')).toHaveLength(2);
    const n = h.slack.posted.length;
    await h.run(doc(later.findings, '2026-07-12'));
    expect(h.slack.posted.slice(n).filter((p) => p.user !== null)).toEqual([]);
  });

  test('once revoked: a note with the exact restore command', async () => {
    h = await harness({ audiences: ['holders'] });
    const f = { ...WORLD.annAdmin, revocable_from: AS_OF, status: 'open' as const };
    await recordRevocations(h.ctx.lake, { as_of: AS_OF, run_id: `${AS_OF}-aaaaaaaa` }, { system: 'aws', held_reason: null, entries: [{ ...f, reason: 'stale' }] });
    await h.run(doc([f]));
    const [note] = dms(h, 'U0ANN00001');
    expect(note!.blocks[0]).toMatchObject({ text: { text: 'Access removed: 1 grant of yours' } });
    expect(note!.text).toContain('This grant was put on a revocation list today');
    expect(note!.text).toContain("`lapse restore --config lapse.yaml --system aws --principal ann@corp.example --permission 123456789012/Admin --reason '<why>' --requested-by <who>`");
    expect(note!.text).not.toContain('UNUSED ACCESS'); // revoked, not "lapses unless used"
    await h.run(doc([{ ...f, status: 'resolved', resolved_on: '2026-07-01' }], '2026-07-01'));
    expect(dms(h, 'U0ANN00001')).toHaveLength(1);
  });

  test('a grant listed again on later days (no revoker applied it) is told once', async () => {
    h = await harness({ audiences: ['holders'] });
    const f = { ...WORLD.annAdmin, revocable_from: AS_OF, status: 'open' as const };
    const list = (day: string, run: string) =>
      recordRevocations(h!.ctx.lake, { as_of: day, run_id: `${day}-${run}` }, { system: 'aws', held_reason: null, entries: [{ ...f, reason: 'stale' }] });
    await list(AS_OF, 'aaaaaaaa');
    await list('2026-07-01', 'bbbbbbbb');
    await h.run(doc([f], '2026-07-01'));
    const notes = dms(h, 'U0ANN00001');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text.match(/lapse restore/g)).toHaveLength(1);
    await list('2026-07-02', 'cccccccc');
    await h.run(doc([f], '2026-07-02'));
    expect(dms(h, 'U0ANN00001')).toHaveLength(1);
  });

  test('report mode: the notice says nothing is taken away automatically, and no reminder is due', async () => {
    h = await harness({ audiences: ['holders'], slack: undefined }, REPORT);
    await h.run(doc([WORLD.bobDb]));
    const [bob] = mailsTo(h, 'bob@corp.example');
    expect(bob!.mail.subject).toBe('[lapse] Unused access: 1 grant of yours');
    expect(bob!.mail.text).toContain('lapse runs in report mode: nothing is taken away automatically');
    expect(bob!.mail.text).not.toContain('2026-07-14');
  });

  test("with site.url, a holder's digest links their page on the expiring-access site", async () => {
    h = await harness({ audiences: ['holders'], slack: undefined }, { ...REPORT, site_url: 'https://lapse.corp.example/' });
    await h.run(doc([WORLD.bobDb]));
    const [bob] = mailsTo(h, 'bob@corp.example');
    expect(bob!.mail.text).toContain(`Everything you hold and when each lapses: ${siteUrl('https://lapse.corp.example/', 'person', WORLD.bobDb.person!)}`);
  });
});

describe('notify: never twice, never lost', () => {
  test('max_messages: the rest wait for the next run, counted', async () => {
    h = await harness({ max_messages: 1, audiences: ['holders'] });
    expect((await h.run(everyone()))[0]).toBe('1 message sent (1 Slack, 0 email), 1 deferred, 0 failed, 0 not in Slack');
    expect((await h.run(everyone()))[0]).toBe('1 message sent (0 Slack, 1 email), 0 deferred, 0 failed, 1 not in Slack');
    expect(dms(h, 'U0ANN00001')).toHaveLength(1);
    expect(mailsTo(h, 'bob@corp.example')).toHaveLength(1);
  });

  test('429: waits its Retry-After and sends once', async () => {
    h = await harness({ audiences: ['holders'] });
    h.slack.faults.push({ method: 'chat.postMessage', times: 1, retryAfter: 2 });
    await h.run(everyone());
    expect(h.sleeps).toEqual([2000]);
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(dms(h, 'U0ANN00001')).toHaveLength(1);
  });

  test('a Retry-After longer than max_retry_after_secs fails the action; the next run catches up', async () => {
    h = await harness({ audiences: ['holders'], email: undefined });
    const opts = { ...h.options, slack: { ...h.options.slack!, max_retry_after_secs: 5 } };
    h.slack.faults.push({ method: 'users.lookupByEmail', times: 1, retryAfter: 60 });
    await expect(h.run(everyone(), opts)).rejects.toThrow(/Retry-After 60 s is longer than max_retry_after_secs \(5\).*the next run sends the rest/);
    expect(h.slack.posted).toEqual([]);
    expect((await h.run(everyone()))[0]).toBe('1 message sent (1 Slack, 0 email), 0 deferred, 0 failed, 1 not in Slack');
  });

  test('users_not_found with no email: counted, not recorded, tried again next run', async () => {
    h = await harness({ audiences: ['holders'], email: undefined });
    expect((await h.run(doc([WORLD.bobDb])))[0]).toBe('0 messages sent (0 Slack, 0 email), 0 deferred, 0 failed, 1 not in Slack');
    expect(await readSent(h.ctx.lake)).toEqual(new Set());
    await h.run(doc([WORLD.bobDb]));
    expect(h.slack.calls.filter((c) => c.method === 'users.lookupByEmail')).toHaveLength(2);
  });

  test('an SMTP server failing after K messages: the action fails, the next run sends only the rest', async () => {
    h = await harness({ audiences: ['holders'], slack: undefined });
    const people = ['a', 'b', 'c', 'd', 'e'].map((p) => finding({ system: 'aws', principal: `${p}@corp.example`, permission: 'x/Admin' }));
    h.smtp.failAfter = 2;
    await expect(h.run(doc(people))).rejects.toThrow(/smtp.*451.*2 messages sent \(0 Slack, 2 email\), 3 deferred/);
    expect(h.smtp.received.map((r) => r.to[0])).toEqual(['a@corp.example', 'b@corp.example']);
    h.smtp.failAfter = null;
    await h.run(doc(people));
    expect(h.smtp.received.map((r) => r.to[0])).toEqual(['a@corp.example', 'b@corp.example', 'c@corp.example', 'd@corp.example', 'e@corp.example']);
  });

  test('a recipient the server refuses fails only that message', async () => {
    h = await harness({ audiences: ['holders'], slack: undefined });
    h.smtp.refuse.add('bob@corp.example');
    const lines = await h.run(everyone());
    expect(lines[0]).toBe('1 message sent (0 Slack, 1 email), 0 deferred, 1 failed, 0 not in Slack');
  });
});

describe('notify: preview', () => {
  test('--preview writes each message as it would be sent: the MIME message with both parts', async () => {
    h = await harness({ slack: undefined });
    const plan = await notify.plan(h.ctx, everyone(), h.options);
    const files = await previewFiles(plan, h.options);
    expect(files.map((f) => f.name)).toEqual(['boss@corp.example.eml', 'ann@corp.example.eml', 'bob@corp.example.eml', 'summary-security@corp.example.eml']);
    const mail = await simpleParser(files.find((f) => f.recipient === 'bob@corp.example')!.content);
    expect(mail.to).toMatchObject({ text: 'bob@corp.example' });
    expect(mail.text).toContain('warehouse `PII_READ`');
    expect(mail.html).toContain('<code>PII_READ</code>');
    expect(h.smtp.received).toEqual([]);
  });
});

describe('notify: options', () => {
  test.each([
    [{}, 'slack: configure slack, email or both'],
    [{ email: { host: 'h', from: 'x@y.example' } }, 'audiences: security needs slack.summary_channel or email.summary_to'],
    [{ email: { host: 'h', from: 'x@y.example', summary_to: ['nope'] } }, 'email.summary_to.0: must be an email address'],
    [{ email: { host: 'h', from: 'x@y.example', user_env: 'U' }, audiences: ['holders'] }, 'email.password_env: give user_env and password_env together'],
    [{ slack: { summary_channel: 'access' } }, 'slack.summary_channel: must be a channel name with its #'],
  ])('%j is refused: %s', async (raw, message) => {
    const { NotifyOptions } = await import('./options.js');
    const r = NotifyOptions.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toContain(message);
  });
});

function jiraRecord(findingId: string): string {
  return JSON.stringify({
    schema_version: 1,
    fingerprint: 'lapse-x',
    key: 'SEC-7',
    id: '10007',
    open: true,
    content_hash: 'h',
    grants: [{ finding_id: findingId, kind: 'cold_start_anomaly', system: 'aws', principal: 'carl@corp.example', permission: '123456789012/DataLake', person: 'carl', first_flagged: AS_OF }],
    created_at: '2026-06-30T00:00:00Z',
    updated_at: '2026-06-30T00:00:00Z',
    closed: null,
    settled: [],
    history: [],
  });
}

describe('notify: doctor', () => {
  test('signs in to Slack and connects to the SMTP server; a wrong token or a dead server fails, named', async () => {
    h = await harness();
    const { notifyProfile } = await import('./checks.js');
    const said: string[] = [];
    const say = (c: { status: string; what: string; detail: string }) => void said.push(`${c.status} ${c.what}: ${c.detail}`);
    const saved = { ...process.env };
    Object.assign(process.env, { SLACK_BOT_TOKEN: TOKEN, SMTP_USER: 'lapse-mailer', SMTP_PASSWORD: 'smtp-secret-pass-42' });
    try {
      await notifyProfile.checks(h.options, { config: h.ctx.config, say, probe: {} as never });
      process.env['SLACK_BOT_TOKEN'] = 'xoxb-wrong';
      await notifyProfile.checks({ ...h.options, email: { ...h.options.email!, port: 1 } }, { config: h.ctx.config, say, probe: {} as never });
    } finally {
      process.env = saved;
    }
    expect(said[0]).toBe(`ok notify slack ${h.slack.url}: signed in as lapse in Corp Example`);
    expect(said[1]).toBe(`ok notify smtp 127.0.0.1:${h.smtp.port}: connected (starttls) and signed in`);
    expect(said[2]).toBe(`FAIL notify slack ${h.slack.url}: slack auth.test: invalid_auth`);
    expect(said[3]).toMatch(/^FAIL notify smtp 127\.0\.0\.1:1: smtp.*ECONNREFUSED/);
    expect(h.smtp.received).toEqual([]);
  });
});
