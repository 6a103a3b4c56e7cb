import { spawn } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Finding, FindingsDocument } from '../core/model.js';
import { startSlackServer, type SlackServer } from '../actions/notify/testing/slack-server.js';
import { emailOptions, startSmtpServer, type SmtpTestServer } from '../actions/notify/testing/smtp.js';
import { tempDir } from './helpers.js';

/**
 * The demo with notices on, end to end through the built CLI: a copy of fixtures/demo whose config gains a
 * notify action pointed at a Slack stub (checked against Slack's OpenAPI description) and an SMTP server,
 * both on 127.0.0.1. Who should hear is computed from the run's own findings document and the revocation
 * records in its lake, so the test holds whatever the demo finds.
 */

const DEMO = new URL('../fixtures/demo/', import.meta.url).pathname;
const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const TOKEN = 'xoxb-demo-0000-test-token';
const ENV = { SLACK_BOT_TOKEN: TOKEN, SMTP_USER: 'mailer', SMTP_PASSWORD: 'mailer-secret-7' };
const SLACK_PEOPLE = ['ethan.brooks@corp.example', 'gina.moretti@corp.example', 'kenji.watanabe@corp.example', 'sofia.marchetti@corp.example'];
const RUN = ['run', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'];

/** The built CLI, asynchronously: the servers answering it live in this process. */
function lapse(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...ENV, LAPSE_LOG_LEVEL: 'warn' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

interface World {
  root: string;
  slack: SlackServer;
  smtp: SmtpTestServer;
}

async function world(): Promise<World> {
  const root = await tempDir('lapse-notify-demo-');
  await cp(DEMO, join(root, 'fixtures/demo'), { recursive: true });
  const slack = await startSlackServer({ token: TOKEN, users: SLACK_PEOPLE.map((email, i) => ({ id: `U0DEMO${String(i).padStart(4, '0')}`, email, name: email })) });
  const smtp = await startSmtpServer({ auth: { user: ENV.SMTP_USER, pass: ENV.SMTP_PASSWORD } });
  const file = join(root, 'fixtures/demo/lapse.yaml');
  const config = parseYaml(await readFile(file, 'utf8')) as { actions: unknown[] };
  config.actions.push({
    type: 'notify',
    slack: { api_url: slack.url, summary_channel: '#access-reviews' },
    email: emailOptions(smtp.port),
    contact: '#access-help',
  });
  await writeFile(file, stringify(config));
  return { root, slack, smtp };
}

async function closeWorld(w: World | undefined): Promise<void> {
  await w?.slack.close();
  await w?.smtp.close();
}

/** Who the run's findings say should hear: holders of what lapses, managers of what awaits them. */
async function expected(w: World): Promise<{ people: Set<string>; revoked: Map<string, string[]> }> {
  const r = await lapse(['detect', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30', '--json'], w.root);
  const doc = JSON.parse(r.out) as FindingsDocument;
  const live = (f: Finding) => f.status !== 'resolved' && f.status !== 'exempted' && f.excluded_by === null;
  const people = new Set<string>();
  for (const f of doc.findings.filter(live)) {
    if (f.revocable_from !== null && f.kind !== 'terminated' && f.email) people.add(f.email.toLowerCase());
    if (f.revocable_from === null && f.decision === null && f.manager?.includes('@')) people.add(f.manager.toLowerCase());
  }
  const revoked = new Map<string, string[]>();
  const byId = new Map(doc.findings.map((f) => [f.finding_id, f]));
  const dir = join(w.root, 'lapse-data/records/revocations');
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!e.isFile()) continue;
    for (const line of (await readFile(join(e.parentPath, e.name), 'utf8')).split('\n').filter(Boolean)) {
      const f = byId.get((JSON.parse(line) as { finding_id: string }).finding_id);
      if (f?.email && f.kind !== 'terminated') revoked.set(f.email.toLowerCase(), [...(revoked.get(f.email.toLowerCase()) ?? []), f.permission]);
    }
  }
  return { people, revoked };
}

/** Every message people got, by recipient: Slack DMs and mails (not the summary). */
function received(w: World): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (who: string, text: string) => out.set(who, [...(out.get(who) ?? []), text]);
  for (const p of w.slack.posted) if (p.user) add(SLACK_PEOPLE[Number(p.user.slice(-4))]!, p.text);
  for (const m of w.smtp.received) if (!m.to.includes('security@corp.example')) add(m.to[0]!, m.mail.text ?? '');
  return out;
}

describe('lapse run with notices (the demo)', () => {
  let w: World;
  let first: Awaited<ReturnType<typeof lapse>>;
  beforeAll(async () => {
    w = await world();
    first = await lapse(RUN, w.root);
  }, 120_000);
  afterAll(() => closeWorld(w));

  test('sends each person one message: a Slack DM when Slack knows them, else an email; and the summary', async () => {
    expect(first.err).toBe('');
    expect(first.code).toBe(3); // the demo's guards, as without notices
    const want = await expected(w);
    const got = received(w);
    expect(want.people.size).toBeGreaterThan(5);
    expect(new Set(got.keys())).toEqual(want.people);
    for (const [who, messages] of got) expect(messages, who).toHaveLength(1);
    const viaSlack = new Set(w.slack.posted.filter((p) => p.user).map((p) => SLACK_PEOPLE[Number(p.user!.slice(-4))]));
    expect(viaSlack).toEqual(new Set(SLACK_PEOPLE.filter((p) => want.people.has(p))));
    expect(first.out).toMatch(new RegExp(`notify\\n\\s+${want.people.size} messages sent \\(${viaSlack.size} Slack, ${want.people.size - viaSlack.size} email\\), 0 deferred, 0 failed, ${want.people.size - viaSlack.size} not in Slack`));
    // A grant put on today's revocation list: its holder is told, with the exact command that gives it back.
    expect(want.revoked.size).toBeGreaterThan(0);
    for (const [who, perms] of want.revoked) {
      const text = got.get(who)![0]!;
      expect(text, who).toContain('REMOVED');
      for (const p of perms) expect(text, who).toContain(`--permission ${p} --reason '<why>'`);
    }
    expect(w.slack.posted.filter((p) => p.channel === 'C0SECREVW1')).toHaveLength(1);
    const summary = w.smtp.received.filter((m) => m.to.includes('security@corp.example'));
    expect(summary).toHaveLength(1);
    expect(summary[0]!.mail.text).toMatch(/Guards: .*okta source_freshness/);
    expect(w.smtp.received.every((m) => m.secure && m.user === ENV.SMTP_USER)).toBe(true);
    expect(w.slack.violations).toEqual([]);
  });

  test('a re-run sends nothing again', async () => {
    const before = [w.slack.posted.length, w.smtp.received.length];
    const again = await lapse(RUN, w.root);
    expect(again.code).toBe(3);
    expect(again.out).toMatch(/notify\n\s+0 messages sent/);
    expect([w.slack.posted.length, w.smtp.received.length]).toEqual(before);
  }, 120_000);

  test('lapse notify sends nothing already sent', async () => {
    const r = await lapse(['notify', '--config', 'fixtures/demo/lapse.yaml'], w.root);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/notify: 0 messages sent/);
  }, 120_000);
});

describe('a notify action with no transport', () => {
  test('is refused before anything runs, naming the field (exit 2)', async () => {
    const root = await tempDir('lapse-notify-bad-');
    await cp(DEMO, join(root, 'fixtures/demo'), { recursive: true });
    const file = join(root, 'fixtures/demo/lapse.yaml');
    const config = parseYaml(await readFile(file, 'utf8')) as { actions: unknown[] };
    config.actions.push({ type: 'notify', reminder_days: 3 });
    await writeFile(file, stringify(config));
    const r = await lapse(RUN, root);
    expect(r.code).toBe(2);
    expect(r.err).toContain('actions[2].slack: configure slack, email or both');
    expect(await readdir(root)).toEqual(['fixtures']); // no lake, no lists
  });
});

describe('lapse notify --preview', () => {
  let w: World;
  afterAll(() => closeWorld(w));

  test('writes every message as it would be sent, one file per recipient, and sends none', async () => {
    w = await world();
    expect((await lapse(['ingest', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'], w.root)).code).toBe(0);
    expect((await lapse(['detect', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'], w.root)).code).toBe(3);
    const r = await lapse(['notify', '--config', 'fixtures/demo/lapse.yaml', '--preview', 'preview'], w.root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('PREVIEW (nothing is sent)');
    const files = await readdir(join(w.root, 'preview'));
    const want = await expected(w);
    const people = files.filter((f) => !f.startsWith('summary-') && f !== 'index.md' && !f.startsWith('.'));
    expect(new Set(people.map((f) => f.replace(/\.(slack\.json|eml)$/, '')))).toEqual(want.people);
    expect(files).toEqual(expect.arrayContaining(['summary-_access-reviews.slack.json', 'summary-security@corp.example.eml', 'index.md']));
    const dm = JSON.parse(await readFile(join(w.root, 'preview', people[0]!), 'utf8')) as { text: string; blocks: { type: string }[] };
    expect(dm.blocks[0]!.type).toBe('header');
    expect(dm.text).toContain('What happens next:');
    expect([w.slack.calls.length, w.smtp.received.length]).toEqual([0, 0]);
    // Again into the same directory: the previous preview is replaced; a directory it did not write is refused.
    expect((await lapse(['notify', '--config', 'fixtures/demo/lapse.yaml', '--preview', 'preview'], w.root)).code).toBe(0);
    const refused = await lapse(['notify', '--config', 'fixtures/demo/lapse.yaml', '--preview', 'fixtures/demo'], w.root);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('not empty and not written by lapse notify --preview');
  }, 120_000);
});

describe('lapse run with notices, after a crash', () => {
  let w: World;
  afterAll(() => closeWorld(w));

  test('an SMTP server failing after 2 messages fails only notify; the next run sends only the rest', async () => {
    w = await world();
    w.smtp.failAfter = 2;
    const broken = await lapse(RUN, w.root);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/notify \[failed\]|notify.*FAILED|notify:.*451/s);
    expect(await readdir(join(w.root, 'lapse-out/revocations'))).toContain('aws'); // the lists were written all the same
    const mailed = w.smtp.received.length;
    expect(mailed).toBe(2);
    const firstRound = received(w);
    w.smtp.failAfter = null;
    const next = await lapse(RUN, w.root);
    expect(next.code).toBe(3);
    const want = await expected(w);
    const got = received(w);
    expect(new Set(got.keys())).toEqual(want.people);
    for (const [who, messages] of got) expect(messages, who).toHaveLength(1);
    expect(got.size).toBeGreaterThan(firstRound.size);
    expect(w.smtp.received.filter((m) => m.to.includes('security@corp.example'))).toHaveLength(1);
    expect(w.slack.violations).toEqual([]);
  }, 240_000);
});
