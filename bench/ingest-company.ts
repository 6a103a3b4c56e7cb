import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addDays, type Day } from '../core/days.js';
import { random } from './random.js';

/**
 * The company the ingest bench runs on: N people (2,000 by default) in teams of 100, 180 days of logs on
 * three systems in their vendors' formats, records as wide as the real samples (bench/wide-records.ts):
 * CloudTrail `.json.gz` log files (one per account, region and hour), Okta System Log JSON Lines and
 * GitHub audit-log stream JSON Lines (one file per day each); the grants of each system (lapse's JSON
 * Lines grants format), the directory and the lapse config. About 650 records per person a month
 * (1.3M for 2,000 people). Deterministic: the world and each day are drawn from fixed seeds, so days are
 * generated in parallel (bench/ingest-company-worker.ts) and give the same files in any order.
 */

export const FIRST_DAY: Day = '2026-01-01';
export const DAYS = 180;
export const LAST_DAY: Day = addDays(FIRST_DAY, DAYS - 1);
export const TTL_DAYS = 90;
export const ORG = 'corp-example';
export const ACCOUNTS = ['123456789012', '210987654321', '345678901234'];
export const REGIONS = ['us-east-1', 'eu-west-1'];
const PERMISSION_SETS = ['ReadOnly', 'Developer', 'DataEngineer', 'PowerUser', 'BillingAdmin', 'SecurityAudit'];
const GLOBAL_APPS = 3;
const APPS = 60;
const TEAM_SIZE = 100;
const TEAM_APPS = 5;
const TEAM_REPOS = 15;
const PERSON_REPOS = 10;
const PERSON_AWS = 3;

export type System = 'aws' | 'okta' | 'github';

/** A grant and how its holder uses it: `rate` uses a day on average while active, until `until` (a day index; -1: never). */
export interface Grant {
  system: System;
  person: number;
  permission: string;
  granted_at: Day;
  rate: number;
  until: number;
}

export interface Person {
  id: string;
  email: string;
  login: string;
  team: number;
}

export const app = (k: number) => ({ id: `0oa${String(k).padStart(4, '0')}bench${String(k * 7919 % 10000).padStart(4, '0')}`, label: `App ${k}` });
export const repo = (k: number) => `service-${String(k).padStart(4, '0')}`;

export function person(i: number): Person {
  const id = `p${String(i).padStart(5, '0')}`;
  return { id, email: `${id}@corp.example`, login: `${id}-corp`, team: Math.floor(i / TEAM_SIZE) };
}

/** Uses a day a system's grant sees on average: tuned so the company logs ~650 records per person a month. */
const RATE: Record<System, number> = { okta: 0.16, github: 0.14, aws: 0.4 };

/** Every grant of the company, from the world's seed (the same for a given size). */
export function grants(people: number): Grant[] {
  const r = random(1);
  const out: Grant[] = [];
  const draw = (system: System, p: number, permission: string) => {
    const roll = r();
    // 75% in use to the end, 15% ended some day in the window, 10% never used.
    const until = roll < 0.75 ? DAYS : roll < 0.9 ? Math.floor(r() * DAYS) : -1;
    const granted = addDays(FIRST_DAY, -30 - Math.floor(r() * 400));
    out.push({ system, person: p, permission, granted_at: granted, rate: RATE[system] * (0.2 + r() * 1.6), until });
  };
  for (let p = 0; p < people; p++) {
    const team = person(p).team;
    for (let a = 0; a < GLOBAL_APPS; a++) draw('okta', p, `app/${app(a).id}`);
    for (let a = 0; a < TEAM_APPS; a++) draw('okta', p, `app/${app(GLOBAL_APPS + ((team * 3 + a) % (APPS - GLOBAL_APPS))).id}`);
    const first = team * TEAM_REPOS;
    const repos = new Set<number>();
    while (repos.size < PERSON_REPOS) repos.add(first + Math.floor(r() * TEAM_REPOS));
    for (const k of [...repos].sort((a, b) => a - b)) draw('github', p, `repo/${ORG}/${repo(k)}`);
    const sets = new Set<string>();
    while (sets.size < PERSON_AWS) sets.add(`${ACCOUNTS[Math.floor(r() * ACCOUNTS.length)]}/${PERMISSION_SETS[Math.floor(r() * PERMISSION_SETS.length)]}`);
    for (const s of [...sets].sort()) draw('aws', p, s);
  }
  return out;
}

/** The principal a system names a person by. */
export const principal = (system: System, p: Person): string => (system === 'github' ? p.login : p.email);

/** Where a company of `people` lives under the bench root. */
export const companyDir = (root: string, people: number) => join(root, `ingest-company-${people}`);

/** Each system's log folder inside the company. */
export const LOGS: Record<System, string> = { aws: 'logs/cloudtrail', okta: 'logs/okta', github: 'logs/github' };

/** The grants files, the directory and the config: everything but the logs. */
async function writeWorld(dir: string, people: number): Promise<void> {
  const all = grants(people);
  for (const system of ['aws', 'okta', 'github'] as const) {
    const lines = all
      .filter((g) => g.system === system)
      .map((g) => JSON.stringify({ principal: principal(system, person(g.person)), permission: g.permission, granted_at: g.granted_at }));
    await writeFile(join(dir, `grants/${system}.jsonl`), `${lines.join('\n')}\n`);
  }
  const rows = Array.from({ length: people }, (_, i) => {
    const p = person(i);
    const lead = person(p.team * TEAM_SIZE);
    return [p.id, p.email, `team${p.team}`, p.id === lead.id ? '' : lead.id, 'active', `github:${p.login}`, ''].join(',');
  });
  await writeFile(join(dir, 'people.csv'), `id,email,team,manager,status,aliases,start_date\n${rows.join('\n')}\n`);
}

/** The lapse config over the company's files; `logs` is the folder holding the three log folders (default: the company's). */
export function configText(dir: string, logs = dir): string {
  const path = (p: string) => JSON.stringify(join(dir, p));
  const log = (s: System) => JSON.stringify(join(logs, LOGS[s]));
  return `store: ./lake
directory: { path: ${path('people.csv')} }
defaults: { ttl_days: ${TTL_DAYS}, max_source_lag_days: 2 }
guards: { max_revoke_fraction: 1, max_revoke_count: 10000000 }
systems:
  aws:
    connector: aws_cloudtrail
    logs: [{ path: ${log('aws')} }]
    grants: { path: ${path('grants/aws.jsonl')} }
  okta:
    connector: okta_system_log
    logs: [{ path: ${log('okta')} }]
    grants: { path: ${path('grants/okta.jsonl')} }
  github:
    connector: github_audit
    logs: [{ path: ${log('github')} }]
    grants: { path: ${path('grants/github.jsonl')} }
`;
}

interface Done {
  people: number;
  days: number;
  seconds: number;
}

/** Generates the company of `people` (cached: a complete one is reused); `jobs` processes draw the days. */
export async function generateCompany(root: string, people: number, jobs = 2, log: (s: string) => void = () => {}): Promise<string> {
  const dir = companyDir(root, people);
  const done = await readFile(join(dir, 'done.json'), 'utf8').then((t) => JSON.parse(t) as Done).catch(() => undefined);
  if (done?.people === people && done.days === DAYS) return dir;
  const start = performance.now();
  await rm(dir, { recursive: true, force: true });
  for (const d of ['grants', ...Object.values(LOGS)]) await mkdir(join(dir, d), { recursive: true });
  await writeWorld(dir, people);
  log(`generating the ${people.toLocaleString('en-US')}-person company in ${dir} (${jobs} processes)…\n`);
  const script = new URL('./ingest-company-worker.js', import.meta.url).pathname;
  await Promise.all(
    Array.from({ length: jobs }, (_, j) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [script, dir, String(people), String(j), String(jobs)], { stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`company generator ${j} exited ${code}`))));
      }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  await writeFile(join(dir, 'done.json'), `${JSON.stringify({ people, days: DAYS, seconds } satisfies Done)}\n`);
  log(`  generated in ${seconds.toFixed(0)} s\n`);
  return dir;
}
