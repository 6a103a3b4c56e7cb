import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';

/**
 * The plain script lapse's ingest is measured against: what a security engineer would write to find
 * grants unused for more than N days, without lapse. Streaming gunzip, JSON.parse per line (or per
 * CloudTrail file), one Map of last use per person and permission, then the TTL rule over the grants.
 * It derives the same principal and permission as lapse's connectors on the files the bench generates
 * (successful uses only; connectors/<id>/README.md), without their quarantine, history or lake.
 */

export type PlainVendor = 'aws_cloudtrail' | 'okta_system_log' | 'github_audit';

/** principal|permission → last use (epoch ms). */
export type LastUse = Map<string, number>;

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const lowerEmail = (s: string): string => (s.includes('@') ? s.toLowerCase() : s);

function remember(last: LastUse, principal: string, permission: string, ms: number): void {
  if (!Number.isFinite(ms)) return;
  const key = `${principal}|${permission}`;
  const prev = last.get(key);
  if (prev === undefined || ms > prev) last.set(key, ms);
}

/** CloudTrail: a successful call is a use of the permission set, role or IAM user it ran as. */
function cloudTrailUse(e: Json): [string, string] | undefined {
  if (str(e['errorCode']) || str(e['errorMessage'])) return undefined;
  if ((e['responseElements'] as Json | null)?.['ConsoleLogin'] === 'Failure') return undefined;
  if (e['eventType'] === 'AwsCloudTrailInsight') return undefined;
  const ui = e['userIdentity'] as Json | undefined;
  const arn = str(ui?.['arn']) ?? '';
  const account = arn.split(':')[4] || str(ui?.['accountId']);
  if (!ui || !account) return undefined;
  if (ui['type'] === 'IAMUser') {
    const name = str(ui['userName']) ?? arn.split('/').at(-1);
    return name ? [name, `${account}/iam_user`] : undefined;
  }
  if (ui['type'] !== 'AssumedRole') return undefined;
  const m = /:assumed-role\/([^/:]+)\/([^/:]+)$/.exec(arn);
  if (!m) return undefined;
  const [, role, session] = m as unknown as [string, string, string];
  if (role.startsWith('AWSServiceRoleFor') || /^i-[0-9a-f]{8,17}$/.test(session)) return undefined;
  if (!role.startsWith('AWSReservedSSO_')) return [lowerEmail(session), `${account}/role/${role}`];
  // AWSReservedSSO_<PermissionSetName>_<16 hex>: the name may hold `_`.
  const rest = role.slice('AWSReservedSSO_'.length);
  const cut = rest.lastIndexOf('_');
  return [lowerEmail(session), `${account}/${cut > 0 ? rest.slice(0, cut) : rest}`];
}

/** Okta: a successful SSO by a user to an app instance is a use of `app/<id>`. */
function oktaUse(e: Json): [string, string] | undefined {
  if (e['eventType'] !== 'user.authentication.sso') return undefined;
  const actor = e['actor'] as Json | undefined;
  const login = str(actor?.['alternateId']);
  if (!login || actor?.['type'] !== 'User' || login.toLowerCase() === 'system@okta.com') return undefined;
  const result = String((e['outcome'] as Json | undefined)?.['result'] ?? '').toUpperCase();
  if (result !== 'SUCCESS' && result !== 'ALLOW') return undefined;
  const app = (e['target'] as Json[] | undefined)?.find((t) => t['type'] === 'AppInstance' && typeof t['id'] === 'string');
  return app ? [lowerEmail(login), `app/${app['id'] as string}`] : undefined;
}

const GITHUB_NOT_USES = new Set([
  'workflows.created_workflow_run', 'workflows.completed_workflow_run', 'workflows.prepared_workflow_job',
  'org.sso_response', 'business.sso_response', 'org.self_hosted_runner_online', 'org.self_hosted_runner_offline',
  'protected_branch.rejected_ref_update',
]);
const MEMBERSHIP = new Set(['org.add_member', 'org.remove_member', 'repo.add_member', 'repo.remove_member', 'team.add_member', 'team.remove_member']);

/** GitHub: an action by a person on a repository (or the org) is a use of `repo/<owner/name>` (or `org/<org>`). */
function githubUse(e: Json): [string, string] | undefined {
  const action = str(e['action']);
  const actor = str(e['actor']);
  if (!action || !actor || actor.endsWith('[bot]') || e['actor_is_bot'] === true || actor.toLowerCase() === 'github') return undefined;
  if (GITHUB_NOT_USES.has(action)) return undefined;
  if (MEMBERSHIP.has(action) && String(e['user'] ?? '').toLowerCase() === actor.toLowerCase()) return undefined;
  if (/^(business|enterprise)(_[a-z0-9_]+)?\./.test(action)) return undefined;
  const org = str(e['org']);
  const named = str(e['repo']) ?? str(e['repository']);
  const repo = named?.includes('/') ? named : named && org ? `${org}/${named}` : undefined;
  const orgOf = org ?? repo?.split('/')[0];
  if (!orgOf) return undefined;
  const orgEvent = /^(org|team|org_[a-z0-9_]+|organization_[a-z0-9_]+)\./.test(action);
  return [actor, orgEvent || !repo ? `org/${orgOf.toLowerCase()}` : `repo/${repo.toLowerCase()}`];
}

const githubTime = (e: Json): number => {
  const t = e['@timestamp'] ?? e['created_at'];
  return typeof t === 'number' ? t : Date.parse(String(t));
};

/** Each line of a JSON Lines file, gzip or not, streamed. */
async function* lines(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line.trim() !== '') yield line;
}

async function scanCloudTrail(files: string[], last: LastUse): Promise<void> {
  for (const file of files) {
    const text = file.endsWith('.gz') ? await promisify(gunzip)(await readFile(file)) : await readFile(file);
    const doc = JSON.parse(text.toString('utf8')) as { Records?: Json[] };
    for (const e of doc.Records ?? []) {
      const use = cloudTrailUse(e);
      if (use) remember(last, use[0], use[1], Date.parse(String(e['eventTime'])));
    }
  }
}

async function scanLines(files: string[], last: LastUse, use: (e: Json) => [string, string] | undefined, time: (e: Json) => number): Promise<void> {
  for (const file of files) {
    for await (const line of lines(file)) {
      let e: Json;
      try {
        e = JSON.parse(line) as Json;
      } catch {
        continue;
      }
      const u = use(e);
      if (u) remember(last, u[0], u[1], time(e));
    }
  }
}

/** The last use of each principal|permission in one vendor's log files. */
export async function plainScan(vendor: PlainVendor, files: string[]): Promise<LastUse> {
  const last: LastUse = new Map();
  if (vendor === 'aws_cloudtrail') await scanCloudTrail(files, last);
  else if (vendor === 'okta_system_log') await scanLines(files, last, oktaUse, (e) => Date.parse(String(e['published'])));
  else await scanLines(files, last, githubUse, githubTime);
  return last;
}

/** A grant as lapse's generic grants format has it. */
export interface PlainGrant {
  principal: string;
  permission: string;
  granted_at?: string;
}

/** A stale grant: held, and unused (or never used) for more than the TTL. */
export interface PlainFinding {
  system: string;
  principal: string;
  permission: string;
  last_used: string | null;
  days_unused: number | null;
}

const DAY = 86_400_000;

/** The TTL rule: a grant unused for more than `ttlDays` before `asOf` (never used: granted longer ago) is stale. */
export function ttlRule(system: string, grants: PlainGrant[], last: LastUse, asOf: string, ttlDays: number): PlainFinding[] {
  const end = Date.parse(`${asOf}T23:59:59.999Z`);
  const out: PlainFinding[] = [];
  for (const g of grants) {
    const used = last.get(`${g.principal}|${g.permission}`);
    const since = used ?? (g.granted_at ? Date.parse(g.granted_at) : -Infinity);
    const days = Math.floor((end - since) / DAY);
    if (days > ttlDays) {
      out.push({ system, principal: g.principal, permission: g.permission, last_used: used ? new Date(used).toISOString().slice(0, 10) : null, days_unused: used ? days : null });
    }
  }
  return out;
}

/** One system of the whole job: its vendor, its log files and its grants file (JSON Lines). */
export interface PlainSystem {
  id: string;
  vendor: PlainVendor;
  files: string[];
  grants: string;
}

/** The whole job: every system's logs scanned, grants read, the TTL rule applied; the stale grants. */
export async function plainJob(systems: PlainSystem[], asOf: string, ttlDays: number): Promise<PlainFinding[]> {
  const findings: PlainFinding[] = [];
  for (const s of systems) {
    const last = await plainScan(s.vendor, s.files);
    const grants: PlainGrant[] = [];
    for await (const line of lines(s.grants)) grants.push(JSON.parse(line) as PlainGrant);
    findings.push(...ttlRule(s.id, grants, last, asOf, ttlDays));
  }
  return findings;
}
