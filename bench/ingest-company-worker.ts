import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { addDays } from '../core/days.js';
import { DAYS, FIRST_DAY, LOGS, ORG, app, grants, person, principal, type Grant } from './ingest-company.js';
import { random } from './random.js';
import { cloudTrailRecord, githubAuditEntry, oktaSsoEvent, ssoSessionArn } from './wide-records.js';

/**
 * One process of the ingest company's generator (bench/ingest-company.ts):
 * `node ingest-company-worker.js <dir> <people> <j> <jobs>` writes the logs of every day d with d % jobs = j.
 * Each day is drawn from its own seed, so any split gives the same files.
 */

const gz = promisify(gzip);
const DAY_MS = 86_400_000;
const CALLS: [string, string][] = [
  ['s3.amazonaws.com', 'GetObject'], ['s3.amazonaws.com', 'PutObject'], ['ec2.amazonaws.com', 'DescribeInstances'],
  ['lambda.amazonaws.com', 'Invoke'], ['dynamodb.amazonaws.com', 'Query'], ['kms.amazonaws.com', 'Decrypt'],
  ['logs.amazonaws.com', 'FilterLogEvents'], ['sts.amazonaws.com', 'GetCallerIdentity'], ['cloudformation.amazonaws.com', 'DescribeStacks'],
];
const GITHUB_ACTIONS = ['git.clone', 'git.fetch', 'git.fetch', 'git.push', 'pull_request.create', 'pull_request.merge', 'repo.download_zip'];

interface Line {
  ms: number;
  text: string;
}

/** How many uses a grant sees on day `d`: geometric with its rate as mean, nothing once its use ended. */
function usesOn(g: Grant, d: number, r: () => number): number {
  if (g.until <= d) return 0;
  const p = g.rate / (1 + g.rate);
  let n = 0;
  while (r() < p) n++;
  return n;
}

/** A time in the working day (07:00–19:00 UTC mostly, some at night). */
const timeOn = (dayMs: number, r: () => number) => dayMs + Math.floor((r() < 0.9 ? 7 * 3_600_000 + r() * 12 * 3_600_000 : r() * DAY_MS));

const iso = (ms: number) => new Date(ms).toISOString();
const byTime = (a: Line, b: Line) => a.ms - b.ms;

function oktaLines(g: Grant, count: number, dayMs: number, r: () => number, n: () => number, out: Line[]): void {
  const p = person(g.person);
  const id = g.permission.slice('app/'.length);
  for (let k = 0; k < count; k++) {
    const ms = timeOn(dayMs, r);
    const event = oktaSsoEvent(p.email, id, `App ${id}`, iso(ms), n()) as Record<string, unknown>;
    if (r() < 0.02) event['outcome'] = { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' };
    out.push({ ms, text: JSON.stringify(event) });
  }
}

/** A sign-in to Okta itself: in every export, and not a use of any app. */
function oktaSessionStart(email: string, ms: number, n: number): string {
  const event = oktaSsoEvent(email, app(0).id, app(0).label, iso(ms), n) as Record<string, unknown>;
  return JSON.stringify({ ...event, eventType: 'user.session.start', displayMessage: 'User login to Okta', legacyEventType: 'core.user_auth.login_success', target: [] });
}

function githubLines(g: Grant, count: number, dayMs: number, r: () => number, n: () => number, out: Line[]): void {
  const login = principal('github', person(g.person));
  const name = g.permission.split('/')[2]!;
  for (let k = 0; k < count; k++) {
    const ms = timeOn(dayMs, r);
    out.push({ ms, text: JSON.stringify(githubAuditEntry(login, ORG, name, GITHUB_ACTIONS[Math.floor(r() * GITHUB_ACTIONS.length)]!, iso(ms), n())) });
    // Workflow runs the push triggered: streamed like any other entry, and not a person's use.
    if (r() < 0.08) {
      const bot = githubAuditEntry('github-actions[bot]', ORG, name, 'workflows.completed_workflow_run', iso(ms + 60_000), n()) as Record<string, unknown>;
      out.push({ ms: ms + 60_000, text: JSON.stringify({ ...bot, actor_is_bot: true }) });
    }
  }
}

function cloudTrailRecords(g: Grant, count: number, dayMs: number, r: () => number, n: () => number, files: Map<string, Line[]>): void {
  const email = person(g.person).email;
  const [account, set] = g.permission.split('/') as [string, string];
  const arn = ssoSessionArn(account, set, email);
  for (let k = 0; k < count; k++) {
    const ms = timeOn(dayMs, r);
    const i = n();
    const [source, name] = CALLS[Math.floor(r() * CALLS.length)]!;
    const rec = cloudTrailRecord(arn, account, source, name, iso(ms), i) as Record<string, unknown>;
    if (r() < 0.03) Object.assign(rec, { errorCode: 'AccessDenied', errorMessage: `User is not authorized to perform: ${source.split('.')[0]}:${name}` });
    // CloudTrail's own calls (AWS services acting): in the same files, not a person's use.
    if (r() < 0.05) rec['userIdentity'] = { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
    const key = `${account}|${rec['awsRegion'] as string}|${Math.floor((ms - dayMs) / 3_600_000)}`;
    const list = files.get(key) ?? [];
    list.push({ ms, text: JSON.stringify(rec) });
    files.set(key, list);
  }
}

async function writeCloudTrail(dir: string, day: string, files: Map<string, Line[]>, r: () => number): Promise<void> {
  const writes: Promise<void>[] = [];
  for (const [key, lines] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const [account, region, hour] = key.split('|') as [string, string, string];
    const folder = join(dir, LOGS.aws, 'AWSLogs', account, 'CloudTrail', region, day.replaceAll('-', '/'));
    const stamp = `${day.replaceAll('-', '')}T${hour.padStart(2, '0')}00Z`;
    const name = `${account}_CloudTrail_${region}_${stamp}_${Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0')}.json.gz`;
    const text = `{"Records":[${lines.sort(byTime).map((l) => l.text).join(',')}]}`;
    writes.push(mkdir(folder, { recursive: true }).then(async () => writeFile(join(folder, name), await gz(text))));
  }
  await Promise.all(writes);
}

const jsonLines = (lines: Line[]) => `${lines.sort(byTime).map((l) => l.text).join('\n')}\n`;

/** Every file of day `d`. */
async function generateDay(dir: string, people: number, all: Grant[], d: number): Promise<void> {
  const day = addDays(FIRST_DAY, d);
  const dayMs = Date.parse(`${day}T00:00:00Z`);
  const r = random(1000 + d);
  let counter = d * 10_000_000;
  const n = () => counter++;
  const okta: Line[] = [];
  const github: Line[] = [];
  const trail = new Map<string, Line[]>();
  for (const g of all) {
    const count = usesOn(g, d, r);
    if (!count) continue;
    if (g.system === 'okta') oktaLines(g, count, dayMs, r, n, okta);
    else if (g.system === 'github') githubLines(g, count, dayMs, r, n, github);
    else cloudTrailRecords(g, count, dayMs, r, n, trail);
  }
  for (let p = 0; p < people; p++) {
    if (r() >= 0.25) continue;
    const ms = timeOn(dayMs, r);
    okta.push({ ms, text: oktaSessionStart(person(p).email, ms, n()) });
  }
  await Promise.all([
    writeFile(join(dir, LOGS.okta, `system-log-${day}.jsonl`), jsonLines(okta)),
    writeFile(join(dir, LOGS.github, `audit-log-${day}.jsonl`), jsonLines(github)),
    writeCloudTrail(dir, day, trail, r),
  ]);
}

const [, , dir, people, j, jobs] = process.argv;
const size = Number(people);
const all = grants(size);
for (let d = Number(j); d < DAYS; d += Number(jobs)) await generateDay(dir!, size, all, d);
