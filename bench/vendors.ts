import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { random } from './random.js';
import type { CpuSplit } from './vendor-child.js';
import { cloudTrailRecord, githubAuditEntry, oktaSsoEvent, ssoSessionArn } from './wide-records.js';

/**
 * Generated logs of the vendor connectors, as each is delivered: Okta /api/v1/logs NDJSON, GitHub's
 * audit-log stream (gzip JSON Lines), CloudTrail S3 log files (gzip `{"Records":[…]}`), Entra and Azure
 * Event Hub captures (gzip `{"records":[…]}`), Reports API activities (gzip JSON Lines); Okta, GitHub and
 * CloudTrail records as wide as the real samples (wide-records.ts). And the bare-DuckDB query each is
 * measured against: DuckDB's own JSON reader with typed columns, the success filter and the GROUP BY, no
 * mapping or quarantine. Deterministic for a given size.
 */

export const VENDORS = ['okta_system_log', 'github_audit', 'aws_cloudtrail', 'entra_signin', 'google_workspace', 'azure_activity'] as const;
export type Vendor = (typeof VENDORS)[number];

const APPS = Array.from({ length: 40 }, (_, i) => `${(0x4f5a1c2e + i).toString(16)}-1111-4222-8333-0123456789ab`);
const SUB = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function entra(r: () => number, time: string, person: string, k: number): object {
  const code = r() < 0.05 ? 50074 : 0;
  const category = r() < 0.6 ? 'SignInLogs' : 'NonInteractiveUserSignInLogs';
  const app = pick(r, APPS);
  return {
    time, resourceId: '/tenants/3f2b7c1e-0000-4000-8000-00000000c0de/providers/Microsoft.aadiam', operationName: 'Sign-in activity',
    operationVersion: '1.0', category, tenantId: '3f2b7c1e-0000-4000-8000-00000000c0de', resultType: String(code), resultSignature: 'None',
    durationMs: 0, callerIpAddress: '198.51.100.7', correlationId: `c-${k}`, identity: 'Someone', Level: 4, location: 'NL',
    properties: {
      id: `s-${k}`, createdDateTime: time, userDisplayName: 'Someone', userPrincipalName: person, userId: `u-${person}`, appId: app,
      appDisplayName: `App ${app.slice(0, 8)}`, ipAddress: '198.51.100.7', clientAppUsed: 'Browser', isInteractive: category === 'SignInLogs',
      status: { errorCode: code }, conditionalAccessStatus: 'success', resourceDisplayName: 'Microsoft Graph',
      deviceDetail: { operatingSystem: 'Windows 10', browser: 'Edge 120' }, location: { city: 'Amsterdam', countryOrRegion: 'NL' },
    },
  };
}

function workspace(r: () => number, time: string, person: string, k: number): object {
  const roll = r();
  const [app, type, name, parameters] =
    roll < 0.5 ? ['saml', 'login', 'login_success', [{ name: 'application_name', value: `App ${Math.floor(r() * 30)}` }, { name: 'initiated_by', value: 'idp' }]]
    : roll < 0.7 ? ['token', 'auth', 'authorize', [{ name: 'client_id', value: `${Math.floor(r() * 20)}.apps.googleusercontent.com` }, { name: 'app_name', value: 'Calendly' }]]
    : roll < 0.9 ? ['login', 'login', 'login_success', [{ name: 'login_type', value: 'google_password' }]]
    : ['drive', 'access', 'view', [{ name: 'doc_id', value: `doc-${k}` }]];
  return {
    kind: 'admin#reports#activity', id: { time, uniqueQualifier: String(k), applicationName: app, customerId: 'C03az79cb' },
    actor: { callerType: 'USER', email: person, profileId: String(k) }, ipAddress: '203.0.113.20', events: [{ type, name, parameters }],
  };
}

function azure(r: () => number, time: string, person: string, k: number): object {
  const op = pick(r, ['Microsoft.Web/sites/write', 'Microsoft.Compute/virtualMachines/start/action', 'Microsoft.Storage/storageAccounts/delete']);
  const rid = `/subscriptions/${SUB}/resourceGroups/rg-${Math.floor(r() * 25)}/providers/${op.split('/').slice(0, 2).join('/')}/x${k % 50}`;
  const resultType = r() < 0.3 ? 'Start' : r() < 0.05 ? 'Failure' : 'Success';
  return {
    time, resourceId: rid.toUpperCase(), operationName: op.toUpperCase(), category: 'Administrative', resultType,
    resultSignature: 'Succeeded.OK', durationMs: '1234', callerIpAddress: '203.0.113.40', correlationId: `c-${k}`,
    identity: { authorization: { scope: rid, action: op }, claims: { aud: 'https://management.core.windows.net/', [UPN]: person, name: 'Someone' } },
    level: 'Information', location: 'global', properties: { statusCode: 'OK', eventCategory: 'Administrative', entity: rid, message: op },
  };
}

const OKTA_APPS = Array.from({ length: 30 }, (_, i) => ({ id: `0oa${(0x1a2b3c + i * 7919).toString(36).padStart(17, 'x')}`, label: `App ${i}` }));

/** Mostly SSO successes; some failures and other event types, as a System Log export has. */
function okta(r: () => number, time: string, person: string, k: number): object {
  const app = pick(r, OKTA_APPS);
  const e = oktaSsoEvent(person, app.id, app.label, time, k) as Record<string, unknown>;
  const roll = r();
  if (roll < 0.05) e['outcome'] = { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' };
  else if (roll < 0.25) Object.assign(e, { eventType: 'user.session.start', displayMessage: 'User login to Okta', legacyEventType: 'core.user_auth.login_success' });
  return e;
}

const GH_ACTIONS = ['git.clone', 'git.clone', 'git.fetch', 'git.fetch', 'git.push', 'pull_request.merge', 'pull_request.create', 'repo.create', 'org.update_member', 'team.add_member', 'protected_branch.update'];

function github(r: () => number, time: string, person: string, k: number): object {
  const actor = r() < 0.05 ? 'dependabot[bot]' : person.split('@')[0]!;
  return githubAuditEntry(actor, 'corp-example', `repo-${Math.floor(r() * 60)}`, pick(r, GH_ACTIONS), time, k);
}

const CT_ACCOUNTS = ['123456789012', '210987654321', '345678901234'];
const CT_SETS = ['ReadOnly', 'Developer', 'DataEngineer', 'PowerUser', 'BillingQuarterlyClose'];
const CT_CALLS = [['s3.amazonaws.com', 'GetObject'], ['s3.amazonaws.com', 'PutObject'], ['ec2.amazonaws.com', 'DescribeInstances'],
  ['iam.amazonaws.com', 'GetRole'], ['lambda.amazonaws.com', 'Invoke'], ['dynamodb.amazonaws.com', 'Query'], ['kms.amazonaws.com', 'Decrypt']] as const;

function cloudtrail(r: () => number, time: string, person: string, k: number): object {
  const account = pick(r, CT_ACCOUNTS);
  const [source, name] = pick(r, CT_CALLS);
  const rec = cloudTrailRecord(ssoSessionArn(account, pick(r, CT_SETS), person), account, source, name, time, k) as Record<string, unknown>;
  if (r() < 0.05) Object.assign(rec, { errorCode: 'AccessDenied', errorMessage: 'User is not authorized to perform this operation' });
  return rec;
}

const MAKE: Record<Vendor, (r: () => number, time: string, person: string, k: number) => object> = {
  okta_system_log: okta, github_audit: github, aws_cloudtrail: cloudtrail, entra_signin: entra, google_workspace: workspace, azure_activity: azure,
};

/** How each vendor's files are delivered: line files or one wrapper document per file, the name's suffix, records per file. */
const DELIVERY: Record<Vendor, { lines: boolean; wrapper?: string; suffix: string; perFile: number }> = {
  okta_system_log: { lines: true, suffix: 'jsonl', perFile: 20_000 },
  github_audit: { lines: true, suffix: 'jsonl.gz', perFile: 5000 },
  aws_cloudtrail: { lines: false, wrapper: 'Records', suffix: 'json.gz', perFile: 2000 },
  entra_signin: { lines: false, wrapper: 'records', suffix: 'json.gz', perFile: 5000 },
  google_workspace: { lines: true, suffix: 'jsonl.gz', perFile: 5000 },
  azure_activity: { lines: false, wrapper: 'records', suffix: 'json.gz', perFile: 5000 },
};

/** The generated files of a vendor's directory, sorted. */
export async function vendorFiles(dir: string, vendor: Vendor): Promise<string[]> {
  const suffix = `.${DELIVERY[vendor].suffix}`;
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort().map((f) => join(dir, f));
}

/** The glob of a vendor's generated files, for the bare query. */
export const vendorGlob = (dir: string, vendor: Vendor): string => join(dir, `*.${DELIVERY[vendor].suffix}`);

/** Writes `events` records of one vendor in files as it delivers them (DELIVERY); reuses an existing set. */
export async function generateVendor(root: string, vendor: Vendor, events: number): Promise<string> {
  const { lines, wrapper, suffix, perFile } = DELIVERY[vendor];
  const dir = join(root, `${vendor}-${events}`);
  const files = Math.ceil(events / perFile);
  if ((await vendorFiles(dir, vendor).catch(() => [])).length === files) return dir;
  await mkdir(dir, { recursive: true });
  const r = random(7);
  const people = Math.max(50, Math.floor(events / 2000));
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < files; i++) {
    const n = Math.min(perFile, events - i * perFile);
    const recs = Array.from({ length: n }, (_, k) => {
      const time = new Date(start + Math.floor(((i * perFile + k) / events) * 90 * 86_400_000)).toISOString();
      return MAKE[vendor](r, time, `user${Math.floor(r() * people)}@corp.example`, i * perFile + k);
    });
    const text = lines ? recs.map((x) => JSON.stringify(x)).join('\n') + '\n' : JSON.stringify({ [wrapper!]: recs });
    await writeFile(join(dir, `part-${String(i).padStart(5, '0')}.${suffix}`), suffix.endsWith('.gz') ? gzipSync(text) : text);
  }
  return dir;
}

/** The bare-DuckDB contender's query per vendor: typed read, success filter, GROUP BY; `$glob` the files. */
export const BARE_SQL: Record<Vendor, string> = {
  okta_system_log: `SELECT count(*) AS groups FROM (
    SELECT published::TIMESTAMPTZ::DATE AS day, lower(actor.alternateId) AS login,
      list_filter(target, x -> x.type = 'AppInstance')[1].id AS app, count(*) AS uses
    FROM read_json($glob, format = 'newline_delimited', columns = {published: 'VARCHAR', eventType: 'VARCHAR',
      actor: 'STRUCT(alternateId VARCHAR, type VARCHAR)', outcome: 'STRUCT(result VARCHAR)',
      target: 'STRUCT(id VARCHAR, type VARCHAR, displayName VARCHAR)[]'})
    WHERE eventType = 'user.authentication.sso' AND outcome.result = 'SUCCESS' AND actor.type = 'User'
    GROUP BY ALL)`,
  github_audit: `SELECT count(*) AS groups FROM (
    SELECT to_timestamp("@timestamp" / 1000)::DATE AS day, actor, 'repo/' || lower(repo) AS permission, count(*) AS uses
    FROM read_json($glob, format = 'newline_delimited', columns = {"@timestamp": 'BIGINT', action: 'VARCHAR',
      actor: 'VARCHAR', org: 'VARCHAR', repo: 'VARCHAR'})
    WHERE actor NOT LIKE '%[bot]'
    GROUP BY ALL)`,
  // CloudTrail writes each log file on one line: DuckDB's line reader is its fastest on them (~1.5x 'auto').
  aws_cloudtrail: `SELECT count(*) AS groups FROM (
    SELECT r.eventTime::TIMESTAMPTZ::DATE AS day, lower(split_part(r.userIdentity.arn, '/', 3)) AS principal,
      split_part(r.userIdentity.arn, ':', 5) || '/' || split_part(r.userIdentity.arn, '/', 2) AS permission, count(*) AS uses
    FROM (SELECT unnest(Records) AS r FROM read_json($glob, format = 'newline_delimited', columns = {Records:
      'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, errorCode VARCHAR, userIdentity STRUCT(type VARCHAR, arn VARCHAR))[]'}))
    WHERE r.errorCode IS NULL AND r.userIdentity.type = 'AssumedRole'
    GROUP BY ALL)`,
  entra_signin: `SELECT count(*) AS groups FROM (
    SELECT r.time::TIMESTAMPTZ::DATE AS day, lower(r.properties.userPrincipalName) AS upn, r.properties.appId AS app, count(*) AS uses
    FROM (SELECT unnest(records) AS r FROM read_json($glob, format = 'auto', columns = {records:
      'STRUCT(time VARCHAR, category VARCHAR, properties STRUCT(userPrincipalName VARCHAR, appId VARCHAR, status STRUCT(errorCode BIGINT)))[]'}))
    WHERE r.properties.status.errorCode = 0 AND r.category IN ('SignInLogs', 'NonInteractiveUserSignInLogs')
    GROUP BY ALL)`,
  google_workspace: `SELECT count(*) AS groups FROM (
    SELECT id.time::TIMESTAMPTZ::DATE AS day, lower(actor.email) AS email, events[1].parameters[1].value AS target, count(*) AS uses
    FROM read_json($glob, format = 'newline_delimited', columns = {id: 'STRUCT(time VARCHAR, applicationName VARCHAR)',
      actor: 'STRUCT(email VARCHAR)', events: 'STRUCT(name VARCHAR, parameters STRUCT(name VARCHAR, value VARCHAR)[])[]'})
    WHERE id.applicationName IN ('saml', 'token') AND events[1].name IN ('login_success', 'authorize', 'activity')
    GROUP BY ALL)`,
  azure_activity: `SELECT count(*) AS groups FROM (
    SELECT r.time::TIMESTAMPTZ::DATE AS day, lower(r.identity.claims ->> '$."${UPN}"') AS upn,
      lower(regexp_extract(r.resourceId, '^/SUBSCRIPTIONS/[^/]+/RESOURCEGROUPS/[^/]+', 0)) AS scope, count(*) AS uses
    FROM (SELECT unnest(records) AS r FROM read_json($glob, format = 'auto', columns = {records:
      'STRUCT(time VARCHAR, category VARCHAR, resultType VARCHAR, resourceId VARCHAR, identity STRUCT(claims JSON))[]'}))
    WHERE r.resultType = 'Success' AND r.category = 'Administrative'
    GROUP BY ALL)`,
};

interface Measured {
  seconds: number;
  cpu_s: number;
  max_rss_mb: number;
  groups: number;
  /** With `profile`: CPU seconds by operator (vendor-child.ts CpuSplit). */
  cpu?: CpuSplit;
}

/** One contender in its own process (vendor-child.ts), so its time and peak RSS are its own. */
function measure(mode: 'sql' | 'bare' | 'plain' | 'tree', vendor: Vendor, dir: string, profile = false): Measured {
  const script = new URL('./vendor-child.js', import.meta.url).pathname;
  const args = [script, mode, vendor, dir, ...(profile ? ['--profile'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' } });
  if (r.status !== 0) throw new Error(`vendor-child ${mode} ${vendor} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Measured;
}

/** Bare DuckDB's query over every file under `dir` (a company's logs of one vendor), in its own process: seconds. */
export const bareSeconds = (vendor: Vendor, dir: string): number => measure('tree', vendor, dir).seconds;

/** Whether bench/plain.ts (the plain Node script per connector) is there to be a third contender. */
async function hasPlain(): Promise<boolean> {
  const mod = (await import(new URL('./plain.js', import.meta.url).href).catch(() => undefined)) as { plainScan?: unknown } | undefined;
  return typeof mod?.plainScan === 'function';
}

/**
 * Each vendor connector's SQL + summarize.sql vs bare DuckDB (and the plain Node script when bench/plain.ts
 * exists) on its own generated files, each in its own process; prints a row per connector with the ratio
 * (target ≥ 0.8× bare DuckDB). `only`: a subset of VENDORS.
 */
export async function benchVendors(root: string, events: number, only: readonly Vendor[] = VENDORS): Promise<void> {
  const plain = await hasPlain();
  const rate = (s: number) => `${Math.round(events / s).toLocaleString('en-US').padStart(9)}/s`;
  for (const id of only) {
    const dir = await generateVendor(root, id, events);
    const sql = measure('sql', id, dir);
    const bare = measure('bare', id, dir);
    const third = plain ? measure('plain', id, dir) : undefined;
    process.stdout.write(
      `  ${id.padEnd(17)} ${events.toLocaleString('en-US')} records: connector SQL + summarize ${sql.seconds.toFixed(2)} s (${rate(sql.seconds)}, ` +
        `${sql.max_rss_mb} MB), bare DuckDB ${bare.seconds.toFixed(2)} s (${rate(bare.seconds)})` +
        (third ? `, plain Node ${third.seconds.toFixed(2)} s` : '') +
        `: ${(bare.seconds / sql.seconds).toFixed(2)}× bare DuckDB (target ≥ 0.8; CPU time ${(bare.cpu_s / sql.cpu_s).toFixed(2)}×)` +
        (third ? `, ${(third.seconds / sql.seconds).toFixed(2)}× plain Node` : '') +
        `  [groups ${sql.groups} / ${bare.groups}]\n`,
    );
    if (bare.seconds / sql.seconds < 0.8) out(whereCpuGoes(id, dir));
  }
}

/**
 * For a connector below 0.8× bare DuckDB: where the CPU goes in both queries (DuckDB's profiler, a run of each
 * in its own process), and what bounds lapse: its reader alone against what the target leaves.
 */
function whereCpuGoes(id: Vendor, dir: string): string {
  const lapse = measure('sql', id, dir, true).cpu!;
  const bare = measure('bare', id, dir, true).cpu!;
  const total = (c: CpuSplit) => c.read + c.judge + c.summary;
  const s = (x: number) => `${x.toFixed(2)} s`;
  // At 0.8× bare, lapse's whole query may take bare's CPU / 0.8: what its read leaves of that is for the rest.
  const budget = total(bare) / 0.8 - lapse.read;
  return (
    `      where the CPU goes (DuckDB's profiler): lapse reads ${s(lapse.read)}, judges ${s(lapse.judge)}, summarizes ${s(lapse.summary)}; ` +
    `bare reads ${s(bare.read)}, filters and maps ${s(bare.judge)}, groups ${s(bare.summary)}\n` +
    `      what bounds it: at 0.8× bare, lapse's reader (the columns it must judge, JSON at the leaves) leaves ${s(Math.max(budget, 0))} ` +
    `of CPU to judge every record and summarize it; lapse spends ${s(lapse.judge + lapse.summary)}\n`
  );
}

const out = (text: string) => process.stdout.write(text);
