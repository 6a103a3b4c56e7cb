import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { configSchema, parseConfig } from '../../../core/config.js';
import type { Finding, FindingsDocument } from '../../../core/model.js';
import { LocalLake } from '../../../core/store.js';
import type { ActionContext, RunFacts } from '../../_shared/define.js';
import { AS_OF, doc, finding as anyFinding } from '../../_shared/testing/findings.js';
import { applyNotify, notify } from '../action.js';
import { NotifyOptions } from '../options.js';
import { startSlackServer, type SlackServer } from './slack-server.js';
import { emailOptions, startSmtpServer, type SmtpTestServer } from './smtp.js';

/** A small company's findings, a Slack and an SMTP server on 127.0.0.1, and the notify action between them. */

export const TOKEN = 'xoxb-1234567890-test-token-abcdef';
export const SMTP_AUTH = { user: 'lapse-mailer', pass: 'smtp-secret-pass-42' };
export const ENV = { SLACK_BOT_TOKEN: TOKEN, SMTP_USER: SMTP_AUTH.user, SMTP_PASSWORD: SMTP_AUTH.pass };

export { AS_OF, doc };

/** A finding first flagged today, going on the revocation list on 2026-07-14 unless used. */
export const finding = (over: Parameters<typeof anyFinding>[0]): Finding => anyFinding({ status: 'new', first_flagged: AS_OF, revocable_from: '2026-07-14', ...over });

/** Ann (in Slack): two grants that lapse on 2026-07-14; Bob (not in Slack): one; Carl: an unusual grant for his manager. */
export const WORLD = {
  annAdmin: finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Admin' }),
  annRepo: finding({ system: 'github', principal: 'ann-gh', email: 'ann@corp.example', permission: 'repo/corp/api', kind: 'never_used', last_used: null, days_unused: null }),
  bobDb: finding({ system: 'warehouse', principal: 'BOB_W', email: 'bob@corp.example', person: 'bob', permission: 'PII_READ' }),
  carlLake: finding({
    system: 'aws',
    principal: 'carl@corp.example',
    permission: '123456789012/DataLake',
    kind: 'cold_start_anomaly',
    last_used: null,
    days_unused: null,
    granted_at: '2026-06-10',
    score: 0.95,
    revocable_from: null,
    baseline: { team_size: 6, team_holders: 1, team_users: 0, org_holders: 1 },
  }),
  /** Excluded: never told. */
  daveQuiet: finding({ system: 'aws', principal: 'dave@corp.example', permission: '123456789012/Billing', excluded_by: 'source_freshness', status: 'exempted' }),
};

export const ENFORCE: RunFacts = { mode: 'enforce', writes_lists: true, overrides: [] };
export const REPORT: RunFacts = { mode: 'report', writes_lists: false, overrides: [] };

export interface Harness {
  slack: SlackServer;
  smtp: SmtpTestServer;
  ctx: ActionContext;
  dir: string;
  options: NotifyOptions;
  sleeps: number[];
  /** plan + apply, as the runner does. */
  run(d: FindingsDocument, options?: NotifyOptions): Promise<string[]>;
  close(): Promise<void>;
}

export async function harness(over: Record<string, unknown> = {}, run: RunFacts = ENFORCE, extraConfig = ''): Promise<Harness> {
  const slack = await startSlackServer({ token: TOKEN, users: [{ id: 'U0ANN00001', email: 'ann@corp.example', name: 'Ann' }, { id: 'U0BOSS0001', email: 'boss@corp.example', name: 'Bea Boss' }] });
  const smtp = await startSmtpServer({ auth: SMTP_AUTH });
  const dir = await mkdtemp(join(tmpdir(), 'lapse-notify-'));
  const log = pino({ level: 'silent' });
  const cfg = parseConfig(`{"directory": {"path": "people.csv"}, "systems": {}${extraConfig}}`, join(dir, 'lapse.json'), configSchema(z.never(), z.looseObject({ type: z.string() })));
  const ctx: ActionContext = { config: cfg, lake: new LocalLake(join(dir, 'lake')), log, run };
  const options = NotifyOptions.parse({
    slack: { api_url: slack.url, summary_channel: '#access-reviews', max_retries: 2, timeout_secs: 10 },
    email: { ...emailOptions(smtp.port), timeout_secs: 10 },
    contact: '#access-help',
    ...over,
  });
  const sleeps: number[] = [];
  return {
    slack,
    smtp,
    ctx,
    dir,
    options,
    sleeps,
    async run(d, opts = options) {
      const plan = await notify.plan(ctx, d, opts);
      return (await applyNotify(ctx, plan, opts, { env: ENV, sleep: async (ms) => void sleeps.push(ms) })).lines;
    },
    close: async () => {
      await slack.close();
      await smtp.close();
    },
  };
}
