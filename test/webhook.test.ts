import { spawn } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FindingsDocument } from '../core/model.js';
import { startReceiver, type Receiver } from '../actions/webhook/testing/receiver.js';
import { tempDir } from './helpers.js';

/**
 * The demo with a webhook, end to end through the built CLI: a copy of fixtures/demo whose config gains a
 * webhook action pointed at a receiver on 127.0.0.1 that verifies every signature and drops a delivery whose
 * idempotency key it already processed. What it should get is computed from the run's own findings document
 * and the revocation records in its lake, so the test holds whatever the demo finds.
 */

const DEMO = new URL('../fixtures/demo/', import.meta.url).pathname;
const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const SECRET = 'demo-webhook-secret-0123456789';
const CONFIG = 'fixtures/demo/lapse.yaml';
const RUN = ['run', '--config', CONFIG, '--as-of', '2026-06-30'];

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** The built CLI, asynchronously (the receiver lives in this process); `onStart` gets the child, to kill it. */
function lapse(args: string[], cwd: string, onStart?: (kill: () => void) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LAPSE_WEBHOOK_SECRET: SECRET, LAPSE_LOG_LEVEL: 'warn' } });
    onStart?.(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

async function world(receiver: Receiver, over: Record<string, unknown> = {}): Promise<string> {
  const root = await tempDir('lapse-webhook-demo-');
  await cp(DEMO, join(root, 'fixtures/demo'), { recursive: true });
  await setWebhook(root, { endpoints: [{ url: receiver.url, secret_env: 'LAPSE_WEBHOOK_SECRET' }], ...over });
  return root;
}

async function setWebhook(root: string, entry: Record<string, unknown>): Promise<void> {
  const file = join(root, CONFIG);
  const config = parseYaml(await readFile(file, 'utf8')) as { actions: { type: string }[] };
  config.actions = [...config.actions.filter((a) => a.type !== 'webhook'), { type: 'webhook', ...entry }];
  await writeFile(file, stringify(config));
}

const lakeFiles = (root: string, dir: string) => readdir(join(root, 'lapse-data', dir), { recursive: true }).catch(() => [] as string[]);

/** What the receiver should hold: the run's changes by type, from its findings document and revocation records. */
async function expected(root: string): Promise<Record<string, number>> {
  const r = await lapse(['detect', '--config', CONFIG, '--as-of', '2026-06-30', '--json'], root);
  const doc = JSON.parse(r.out) as FindingsDocument;
  let revoked = 0;
  for (const name of await lakeFiles(root, 'records/revocations')) {
    if (name.endsWith('.jsonl')) revoked += (await readFile(join(root, 'lapse-data/records/revocations', name), 'utf8')).split('\n').filter(Boolean).length;
  }
  const inWindow = (d: string) => d >= '2026-06-23' && d <= '2026-06-30';
  const counts: Record<string, number> = {
    'finding.new': doc.findings.filter((f) => f.status !== 'resolved' && f.status !== 'exempted' && inWindow(f.first_flagged)).length,
    'finding.resolved': doc.findings.filter((f) => f.status === 'resolved').length,
    'grant.revoked': revoked,
    'guard.held': doc.guards.length,
  };
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

const byType = (r: Receiver) => {
  const out: Record<string, number> = {};
  for (const e of r.processed.flatMap((p) => p.body.events)) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
};

describe('lapse run with a webhook (the demo)', () => {
  let receiver: Receiver;
  let root: string;
  let crashed: Result;
  let rerun: Result;
  beforeAll(async () => {
    receiver = await startReceiver(SECRET);
    root = await world(receiver, { max_events_per_delivery: 10 });
    // The receiver stores the first delivery, then the process is killed before lapse records it.
    crashed = await lapse(RUN, root, (kill) => (receiver.onProcessed = kill));
    receiver.onProcessed = null;
    rerun = await lapse(RUN, root);
  }, 180_000);
  afterAll(() => receiver?.close());

  test('a crash after the receiver accepted: the re-run resends that delivery under its key, the receiver drops it, each event is held once', async () => {
    expect(crashed.signal).toBe('SIGKILL');
    expect(rerun.err).toBe('');
    expect(rerun.code).toBe(3); // the demo's guards, as without a webhook
    const first = receiver.attempts[0]!.key;
    expect(receiver.attempts.filter((a) => a.key === first)).toHaveLength(2);
    expect(receiver.attempts.every((a) => a.verified && a.status === 200)).toBe(true);
    const ids = receiver.processed.flatMap((p) => p.body.events.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(byType(receiver)).toEqual(await expected(root));
    expect(ids.length).toBeGreaterThan(10); // more than one delivery: the crash hit the first of several
    // The re-run's count includes the resent first delivery (accepted again, as a duplicate).
    expect(rerun.out).toContain(`  webhook\n    ${receiver.url}: ${receiver.processed.length} deliveries accepted (${ids.length} events), 0 left for the next run`);
    const records = (await lakeFiles(root, 'records/webhook')).filter((n) => n.endsWith('.json'));
    expect(records).toHaveLength(receiver.processed.length);
  });

  test('a re-run sends nothing; a dry run prints what it would send and sends nothing', async () => {
    const before = receiver.attempts.length;
    const again = await lapse(RUN, root);
    expect(again.code).toBe(3);
    expect(again.out).toContain(': 0 deliveries accepted (0 events), 0 left for the next run');
    expect(receiver.attempts).toHaveLength(before);

    const other = await startReceiver(SECRET);
    try {
      await setWebhook(root, { endpoints: [{ url: other.url, secret_env: 'LAPSE_WEBHOOK_SECRET', events: ['guard.held'] }] });
      const dry = await lapse([...RUN, '--dry-run'], root);
      expect(dry.out).toMatch(/webhook \[not applied: dry run\]\n\s+http:\/\/127\.0\.0\.1:\d+\/hooks\/lapse: 1 delivery \(2 events: 2 guard\.held\)\n\s+POST wh_[0-9a-f]{16}: 2 events, \d+ bytes\n\s+guard\.held 2026-06-30 \w+ \w+ held \d+/);
      expect(other.attempts).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('lapse run with a webhook receiver down', () => {
  test('fails only the webhook (lists written, exit 1); the next run sends everything', async () => {
    const receiver = await startReceiver(SECRET);
    try {
      const root = await world(receiver, { max_retries: 1 });
      receiver.script.push({ status: 500 }, { status: 503 });
      const down = await lapse(RUN, root);
      expect(down.code).toBe(1);
      expect(down.out).toMatch(/webhook \[FAILED: webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/lapse: HTTP 503 after 2 attempts;/);
      expect(await readdir(join(root, 'lapse-out/revocations'))).toContain('aws');
      expect(receiver.processed).toEqual([]);
      expect(await lakeFiles(root, 'records/webhook')).toEqual([]);
      const next = await lapse(RUN, root);
      expect(next.code).toBe(3);
      expect(byType(receiver)).toEqual(await expected(root));
    } finally {
      await receiver.close();
    }
  }, 180_000);

  test('config errors exit 2 naming the field, before anything runs', async () => {
    const receiver = await startReceiver(SECRET);
    try {
      const root = await world(receiver, { endpoints: [{ url: 'http://siem.corp.example/hooks', secret_env: 'LAPSE_WEBHOOK_SECRET' }] });
      const plain = await lapse(RUN, root);
      expect(plain.code).toBe(2);
      expect(plain.err).toMatch(/actions\[2\]\.endpoints\[0\]\.url: must be https \(plain http only to 127\.0\.0\.1 or localhost\)/);
      await setWebhook(root, { endpoints: [{ url: 'https://siem.corp.example/hooks' }] });
      const noSecret = await lapse(RUN, root);
      expect(noSecret.code).toBe(2);
      expect(noSecret.err).toMatch(/actions\[2\]\.endpoints\[0\]\.secret_env/);
      expect(await lakeFiles(root, '')).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
