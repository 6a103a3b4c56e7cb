import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The simulated company's files in the formats the vendors write them (bench/company.ts draws the
 * world): Okta System Log events and app-assignment exports, GitHub audit-log streaming entries and
 * collaborator exports, JSON Lines and CSV logs, a directory with its dated history, a leave file, on-call
 * schedules (CSV, and PagerDuty's `GET /oncalls?include[]=users` page), and the lapse config.
 */

export type SystemId = 'app' | 'okta' | 'github' | 'legacy' | 'fileshare';
export const SYSTEMS: readonly SystemId[] = ['app', 'okta', 'github', 'legacy', 'fileshare'];

export const ORG = 'corp-example';

/** The Okta apps: permission `app/<id>`. */
export const APPS = {
  slack: { id: '0oa1slackSIM0001', label: 'Slack' },
  jira: { id: '0oa2jiraSIM0002', label: 'Jira Software' },
  aws: { id: '0oa3awsssoSIM003', label: 'AWS IAM Identity Center' },
  vpn: { id: '0oa4legacyvpn004', label: 'Legacy VPN' }, // signs in outside Okta: never logged
} as const;
const APP_LABEL = new Map<string, string>(Object.values(APPS).map((a) => [`app/${a.id}`, a.label]));

const GITHUB_ACTIONS = ['git.clone', 'git.push', 'git.fetch', 'pull_request.merge', 'pull_request.create'];

/** One successful use as the system logs it; `n` numbers the system's events (ids), `r` in [0, 1) varies the record. */
export function useLine(system: SystemId, principal: string, permission: string, ts: string, n: number, r: number): string {
  switch (system) {
    case 'okta':
      return oktaSso(principal, permission, ts, n);
    case 'github':
      return githubEntry(principal, permission.slice('repo/'.length), ts, n, GITHUB_ACTIONS[Math.floor(r * GITHUB_ACTIONS.length)]!);
    case 'fileshare':
      return `${ts},${principal},${permission},OK`;
    default:
      return JSON.stringify({ ts, user: principal, perm: permission, result: 'ok' });
  }
}

/** A `user.authentication.sso` System Log event (the fields Okta always sends, trimmed of client details). */
function oktaSso(login: string, permission: string, ts: string, n: number): string {
  const id = permission.slice('app/'.length);
  const label = APP_LABEL.get(permission) ?? id;
  return JSON.stringify({
    actor: { id: `00u${String(n % 100000).padStart(5, '0')}SIM`, type: 'User', alternateId: login, displayName: login.split('@')[0] },
    displayMessage: 'User single sign on to app',
    eventType: 'user.authentication.sso',
    outcome: { result: 'SUCCESS', reason: null },
    published: ts.replace('Z', '.000Z'),
    severity: 'INFO',
    legacyEventType: 'app.auth.sso',
    transaction: { type: 'WEB', id: `trxSIM${n}`, detail: {} },
    uuid: uuid(n),
    version: '0',
    target: [{ id, type: 'AppInstance', alternateId: label, displayName: label, detailEntry: { signOnModeType: 'SAML_2_0' } }],
  });
}

/** An Okta sign-in to Okta itself: in every real export, and not a use of any app. */
export function oktaSessionStart(login: string, ts: string, n: number): string {
  return JSON.stringify({
    actor: { id: `00u${String(n % 100000).padStart(5, '0')}SIM`, type: 'User', alternateId: login, displayName: login.split('@')[0] },
    displayMessage: 'User login to Okta', eventType: 'user.session.start', outcome: { result: 'SUCCESS', reason: null },
    published: ts.replace('Z', '.000Z'), severity: 'INFO', uuid: uuid(n), version: '0', target: [],
  });
}

/** An audit-log streaming entry on a repository (`owner/name`; epoch milliseconds, as streamed). */
function githubEntry(actor: string, repo: string, ts: string, n: number, action: string): string {
  return JSON.stringify({
    '@timestamp': Date.parse(ts),
    _document_id: `simDoc${n.toString(36).padStart(10, '0')}`,
    action,
    actor,
    actor_is_bot: false,
    business: `${ORG}-ent`,
    org: ORG,
    repo,
    repository: repo,
    repository_public: false,
    transport_protocol_name: 'http',
    user_agent: 'git/2.47.1',
  });
}

/** A bot's entry: streamed like any other, and not a person's use. */
export function githubBotEntry(repo: string, ts: string, n: number): string {
  return JSON.stringify({ '@timestamp': Date.parse(ts), _document_id: `simBot${n}`, action: 'workflows.completed_workflow_run', actor: 'github-actions[bot]', actor_is_bot: true, org: ORG, repo: `${ORG}/${repo}` });
}

const uuid = (n: number) => `5b6c7d8e-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** One row of the system's grants snapshot, in its native export where it has one. */
export function grantLine(system: SystemId, principal: string, permission: string, granted: string, team?: string): string {
  switch (system) {
    case 'okta': // the simple Application User export the connector documents
      return JSON.stringify({ appId: permission.slice('app/'.length), login: principal, created: `${granted}T10:00:00Z`, scope: team ? 'GROUP' : 'USER', ...(team ? { group: team } : {}) });
    case 'github': // a repository collaborator, enriched with `repo` (and `team` when through one)
      return JSON.stringify({ login: principal, type: 'User', site_admin: false, repo: permission.slice('repo/'.length), granted_at: granted, ...(team ? { team } : {}) });
    default:
      return JSON.stringify({ principal, permission, granted_at: granted });
  }
}

/** Where each system's files go. */
export const PATHS: Record<SystemId, { logs: string; grants: string }> = {
  app: { logs: 'logs/app/app.jsonl', grants: 'grants/app.jsonl' },
  okta: { logs: 'logs/okta/system-log.ndjson', grants: 'grants/okta-app-users.jsonl' },
  github: { logs: 'logs/github/audit-stream.json', grants: 'grants/github.jsonl' },
  legacy: { logs: 'logs/legacy/legacy.jsonl', grants: 'grants/legacy.jsonl' },
  fileshare: { logs: 'logs/fileshare/access.csv', grants: 'grants/fileshare.jsonl' },
};

const HEADERS: Partial<Record<SystemId, string>> = { fileshare: 'time,user,share,status' };

export async function writeSystem(dir: string, system: SystemId, uses: string[], grants: string[]): Promise<void> {
  const header = HEADERS[system];
  await put(dir, PATHS[system].logs, `${header ? `${header}\n` : ''}${uses.join('\n')}\n`);
  await put(dir, PATHS[system].grants, `${grants.join('\n')}\n`);
}

export async function put(dir: string, path: string, text: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), text);
}

/** A directory row (the whole directory as of a day is a list of these). */
export interface DirectoryRow {
  id: string;
  email: string;
  team: string;
  manager: string;
  status: 'active' | 'terminated' | 'leave';
  aliases: string;
  start_date: string;
  leave_until: string;
}

/** The directory as CSV; `leave` adds the leave_until column (issue 12). */
export function directoryCsv(rows: DirectoryRow[], leave: boolean): string {
  const cols: (keyof DirectoryRow)[] = ['id', 'email', 'team', 'manager', 'status', 'aliases', 'start_date', ...(leave ? ['leave_until' as const] : [])];
  return `${cols.join(',')}\n${rows.map((r) => cols.map((c) => r[c]).join(',')).join('\n')}\n`;
}

/** An on-call shift: who (a directory id or e-mail), from and to (ISO times). */
export interface Shift {
  person: string;
  email: string;
  from: string;
  to: string;
}

export function shiftsCsv(shifts: Shift[]): string {
  return `person,from,to\n${shifts.map((s) => `${s.person},${s.from},${s.to}`).join('\n')}\n`;
}

/** PagerDuty's `GET /oncalls?include[]=users&schedule_ids[]=…` response: one entry per shift, users expanded (with email). */
export function pagerDutyOncalls(shifts: Shift[], schedule: { id: string; name: string }): string {
  const oncalls = shifts.map((s) => ({
    escalation_policy: { id: 'PSIMEP1', type: 'escalation_policy_reference', summary: `${schedule.name} escalation`, self: 'https://api.pagerduty.com/escalation_policies/PSIMEP1' },
    escalation_level: 1,
    schedule: { id: schedule.id, type: 'schedule_reference', summary: schedule.name, self: `https://api.pagerduty.com/schedules/${schedule.id}` },
    user: { id: `PU${s.email.split('@')[0]!.toUpperCase()}`, type: 'user', name: s.email.split('@')[0], email: s.email, time_zone: 'Etc/UTC', summary: s.email.split('@')[0] },
    start: s.from,
    end: s.to,
  }));
  return `${JSON.stringify({ oncalls, limit: oncalls.length, offset: 0, more: false, total: oncalls.length }, null, 2)}\n`;
}

/** What the config switches on: the issue 12 keys only when the detection code accepts them. */
export interface ConfigOptions {
  ttlDays: number;
  history: boolean;
  leave: boolean;
  onCall: string[];
  unlogged: boolean;
  rules: boolean;
  protectedPrincipals: string[];
  quarterlyTeam: string;
}

/** The lapse config of the company: one system per log format, rules by exact name or (issue 12) by glob and team. */
export function configText(o: ConfigOptions): string {
  const onCallRule = '{ on_call: true, description: the on-call rotations (directory.on_call) }';
  const onCall = !o.onCall.length ? '' : o.rules ? `\n      "prod/OnCall*": ${onCallRule}` : `\n      prod/OnCallAdmin: ${onCallRule}\n      prod/OnCallDB: ${onCallRule}`;
  const appRules = o.rules
    ? `
      "*/BreakGlass*": { emergency_only: true }
      "finance/quarter-*": { ttl_days: 120, periodic: true }
      finance/quarter-archive: { ttl_days: ${o.ttlDays} }
      "audit/*": { ttl_days: 120, periodic: true, teams: [${o.quarterlyTeam}] }${onCall}`
    : `
      finance/quarter-close: { ttl_days: 120 }
      finance/quarter-report: { ttl_days: 120 }
      ops/BreakGlassAdmin: { emergency_only: true }
      db/BreakGlassRoot: { emergency_only: true }${onCall}`;
  const directory = [
    'path: people.csv',
    ...(o.history ? ['history: directory-history/'] : []),
    ...(o.leave ? ['leave: leave.csv'] : []),
    ...(o.onCall.length ? [`on_call: [${o.onCall.join(', ')}]`] : []),
  ];
  return `store: ./lake
directory: { ${directory.join(', ')} }
defaults: { ttl_days: ${o.ttlDays}, max_source_lag_days: 2 }
systems:
  app:
    connector: jsonl
    logs: [{ path: logs/app/ }]
    grants: { path: ${PATHS.app.grants} }
    mapping: { time: ts, principal: user, permission: perm, outcome: { field: result, success: [ok] } }
    permissions:${appRules}
  okta:
    connector: okta_system_log
    logs: [{ path: logs/okta/ }]
    grants: { path: ${PATHS.okta.grants}, format: native }
  github:
    connector: github_audit
    logs: [{ path: logs/github/ }]
    grants: { path: ${PATHS.github.grants}, format: native }
  legacy:
    connector: jsonl
    logs: [{ path: logs/legacy/ }]
    grants: { path: ${PATHS.legacy.grants} }
    mapping: { time: ts, principal: user, permission: perm, outcome: { field: result, success: [ok] } }
  fileshare:
    connector: csv
    logs: [{ path: logs/fileshare/ }]
    grants: { path: ${PATHS.fileshare.grants} }
    mapping: { time: time, principal: user, permission: share, outcome: { field: status, success: [OK] } }
protected_principals: [${o.protectedPrincipals.join(', ')}]
guards: { max_revoke_fraction: 0.4, max_revoke_count: 1000000${o.unlogged ? ', unobserved_permission: { min_holders: 5 }' : ''} }
cold_start: { min_team_size: 5, anomaly_threshold: 0.9 }
${o.history ? 'team_moves: { grace_days: 30, old_team_share: 0.5, new_team_share: 0.2 }\n' : ''}`;
}
