import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { expect } from 'vitest';
import { z } from 'zod';
import { configSchema, parseConfig } from '../../../core/config.js';
import type { FindingsDocument } from '../../../core/model.js';
import { LocalLake } from '../../../core/store.js';
import type { ActionContext } from '../../_shared/define.js';
import { AS_OF, doc, finding } from '../../_shared/testing/findings.js';
import { applyJira, jira } from '../action.js';
import type { ApiDeps } from '../client.js';
import { JiraOptions } from '../options.js';
import { adfValidator } from './adf-schema.js';
import { JiraStub } from './jira-stub.js';
import { startJiraServer, type JiraServer } from './server.js';

/** A small company's findings and a Jira to sync them with, for the jira action's tests. */

export const EMAIL = 'lapse@corp.example';
export const TOKEN = 'ATATT3xFfGF0-test-token-9f8e7d6c5b4a';
export const ENV = { JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: TOKEN };

export { AS_OF, doc, finding };

const anomaly = { kind: 'cold_start_anomaly' as const, last_used: null, days_unused: null, granted_at: '2026-06-10', score: 0.95, revocable_from: null, baseline: { team_size: 6, team_holders: 1, team_users: 0, org_holders: 1 } };

/** Ann: two stale grants on aws and one on okta (security queue); Carl and Dave: anomalies for their managers. */
export const WORLD = {
  annAdmin: finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/Admin' }),
  annRead: finding({ system: 'aws', principal: 'ann@corp.example', permission: '123456789012/ReadOnly', kind: 'never_used', last_used: null, days_unused: null }),
  annOkta: finding({ system: 'okta', principal: 'ann@corp.example', permission: 'app/0oa1' }),
  carlLake: finding({ system: 'aws', principal: 'carl@corp.example', permission: '123456789012/DataLake', team: 'data', ...anomaly }),
  daveBilling: finding({ system: 'aws', principal: 'dave@corp.example', permission: '123456789012/Billing', team: 'ops', manager: 'ghost@corp.example', ...anomaly }),
};

/** The harness's run as its tickets describe it: its config is in report mode, with no revocation lists. */
export const REPORT_RUN = { mode: 'report' as const, writes_lists: false };

export interface Harness {
  stub: JiraStub;
  server: JiraServer;
  ctx: ActionContext;
  dir: string;
  logs: string[];
  options: JiraOptions;
  /** plan + apply, as the runner does. */
  run(d: FindingsDocument, deps?: ApiDeps & { env?: NodeJS.ProcessEnv }): Promise<string[]>;
  close(): Promise<void>;
}

export const USERS = {
  boss: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Bea Boss', email: 'boss@corp.example' },
  sam: { accountId: '5b10a2844c20165700ede21g', displayName: 'Sam Security', email: 'sam@corp.example' },
  queue: { accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', displayName: 'Security Queue', email: 'security@corp.example' },
};

export async function harness(over: Record<string, unknown> = {}): Promise<Harness> {
  adfValidator(); // compile Atlassian's ADF schema now, not inside the first request a test times
  const stub = new JiraStub();
  for (const u of Object.values(USERS)) stub.addUser({ ...u });
  const server = await startJiraServer(stub, { email: EMAIL, token: TOKEN });
  const dir = await mkdtemp(join(tmpdir(), 'lapse-jira-'));
  const logs: string[] = [];
  const log = pino({ level: 'debug', redact: { paths: ['*.token'], censor: '[redacted]' } }, { write: (s: string) => void logs.push(s) });
  // The action reads nothing from the config; a minimal valid one (no systems, no other actions) will do.
  const cfg = parseConfig('{"directory": {"path": "people.csv"}, "systems": {}}', join(dir, 'lapse.json'), configSchema(z.never(), z.never()));
  const ctx: ActionContext = { config: cfg, lake: new LocalLake(join(dir, 'lake')), log };
  const options = JiraOptions.parse({
    url: server.url,
    project: 'SEC',
    security_assignee: USERS.queue.accountId,
    priority: { terminated: 'Highest', cold_start_anomaly: 'High', stale: 'Medium', never_used: 'Low' },
    custom_fields: { customfield_10050: 'lapse' },
    labels: ['access-review'],
    timeout_secs: 10, // generous: a slow, loaded test machine must not turn into ambiguous creates
    retry: { max_retries: 3, base_delay_ms: 5, max_delay_secs: 5 },
    ...over,
  });
  return {
    stub,
    server,
    ctx,
    dir,
    logs,
    options,
    async run(d, deps = {}) {
      const plan = await jira.plan(ctx, d, options);
      return (await applyJira(ctx, plan, options, { env: ENV, ...deps })).lines;
    },
    close: () => server.close(),
  };
}

/** Closes a test's harness; neither the server nor the stub may have seen anything that breaks the spec or Jira's rules. */
export async function closeHarness(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.close();
  expect(h.server.violations).toEqual([]);
  expect(h.stub.violations).toEqual([]);
}
