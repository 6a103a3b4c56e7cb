import { spawnSync } from 'node:child_process';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { addDays } from '../core/days.js';
import { configText, generateCompany, LAST_DAY, LOGS } from './ingest-company.js';
import { filesUnder, VENDOR } from './ingest-company-plain.js';
import { bareSeconds, benchVendors } from './vendors.js';

/**
 * Ingest benchmark (issue 14), each measurement in its own process:
 * - per connector: lapse's connector SQL vs bare DuckDB vs the plain script on each vendor's files
 *   (bench/vendors.ts);
 * - on a generated company (bench/ingest-company.ts; 2,000 people, 180 days, CloudTrail, Okta, GitHub):
 *   the backfill (`lapse run` on an empty lake vs the plain script doing the whole job, bench/plain.ts),
 *   the daily run (one new day on a lake holding the days before: `lapse run` vs the plain script, which
 *   must read everything again), lapse's own time beyond process start, and peak RSS;
 * - `--scale`: the backfill of a 20,000-person company too (~13M records, ~15 GB; generated once, cached
 *   in .bench/), and the slope from 2,000 to 20,000 people.
 *
 *   npm run bench -- ingest [--people 2000] [--scale] [--scale-people 20000] [--vendor-events 300000]
 *                           [--no-vendors] [--vendors] [--jobs 2]
 */

interface Result {
  seconds: number;
  lapse_seconds: number;
  max_rss_mb: number;
  records?: number;
  findings?: number;
  /** lapse's own account of the run (its log at debug level): see phasesOf. */
  phases?: Phases;
}

/** Milliseconds of a `lapse run` by phase, from its `run phases` and `logs ingested` debug lines. */
interface Phases {
  run: Record<string, number>;
  logs: Record<string, number>;
}

const arg = (args: string[], name: string, fallback: number) => Number(args[args.indexOf(name) + 1] ?? 0) || fallback;
const out = (s: string) => process.stdout.write(s);
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
/** Seconds as the bench prints them. */
const sec = (x: number) => `${x.toFixed(2)} s`;

/** Runs one contender of bench/ingest-company-child.ts in its own process; lapse's records are read from its report. */
function child(which: 'lapse' | 'plain', a: string, asOf: string, logs?: string): Result {
  const script = new URL('./ingest-company-child.js', import.meta.url).pathname;
  // lapse at debug level: its `run phases` and `logs ingested` lines say where the time went.
  const r = spawnSync(process.execPath, [script, which, a, asOf, ...(logs ? [logs] : [])], {
    encoding: 'utf8', maxBuffer: 256 * 2 ** 20, env: { ...process.env, LAPSE_LOG_LEVEL: which === 'lapse' ? 'debug' : 'warn' },
  });
  if (r.status !== 0) throw new Error(`${which} failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const result = JSON.parse(lines.at(-1)!) as Result;
  const records = [...r.stdout.matchAll(/([\d,]+) records →/g)].reduce((n, m) => n + Number(m[1]!.replaceAll(',', '')), 0);
  const done = { ...result, ...(records ? { records } : {}), ...(which === 'lapse' ? { phases: phasesOf(`${r.stdout}\n${r.stderr}`) } : {}) };
  out(`    (${which} ${asOf}: ${JSON.stringify({ ...done, phases: undefined })})\n`);
  return done;
}

/** The `run phases` line's laps (debug) and each system's `logs ingested` ms (info), from a run's log lines. */
function phasesOf(text: string): Phases {
  const phases: Phases = { run: {}, logs: {} };
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"level"')) continue;
    const entry = JSON.parse(line) as { msg?: string; system?: string; ms?: number } & Record<string, unknown>;
    if (entry.msg === 'logs ingested' && entry.system) phases.logs[entry.system] = (phases.logs[entry.system] ?? 0) + (entry.ms ?? 0);
    if (entry.msg === 'run phases') {
      for (const [k, v] of Object.entries(entry)) if (k.endsWith('_ms') && typeof v === 'number') phases.run[k] = v;
    }
  }
  return phases;
}

/** "where the time goes" for a lapse run, from its phases (nothing when its log had none). */
function whereTimeGoes(r: Result): string {
  const p = r.phases;
  if (!p?.run['ready_ms']) return '';
  const s = (ms = 0) => sec(ms / 1000);
  const logs = Object.entries(p.logs);
  const snapshots = (p.run['ingest_ms'] ?? 0) - logs.reduce((n, [, ms]) => n + ms, 0);
  const accounted = Object.values(p.run).reduce((n, ms) => n + ms, 0);
  return (
    `      where the time goes: Node's start, imports and setup ${s(p.run['ready_ms'])}; ingest ${s(p.run['ingest_ms'])} ` +
    `(logs: ${logs.map(([sys, ms]) => `${sys} ${s(ms)}`).join(', ')}; grants and directory snapshots ${s(snapshots)}); ` +
    `compaction ${s(p.run['compact_ms'])}; loading the as-of day ${s(p.run['load_ms'])}; detect ${s(p.run['detect_ms'])}; ` +
    `actions ${s(p.run['act_ms'])}; the rest (summary and teardown) ${s(r.seconds * 1000 - accounted)}\n`
  );
}

/** A folder whose logs are the company's up to `lastDay` (hard links: same files, sizes and mtimes). */
async function linkLogs(company: string, logs: string, lastDay: string): Promise<void> {
  for (const folder of Object.values(LOGS)) {
    for (const file of await filesUnder(join(company, folder))) {
      const day = /(\d{4})[-/](\d{2})[-/](\d{2})/.exec(relative(company, file));
      if (day && `${day[1]}-${day[2]}-${day[3]}` > lastDay) continue;
      const target = join(logs, relative(company, file));
      await mkdir(dirname(target), { recursive: true });
      await link(file, target).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
  }
}

/** A run folder with its lapse config over `logs`; an empty lake. */
async function runDir(root: string, name: string, company: string, logs = company): Promise<string> {
  const dir = join(root, name);
  await rm(join(dir, 'lake'), { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'lapse.yaml'), configText(company, logs));
  return join(dir, 'lapse.yaml');
}

const secs = (r: Result) => `${r.seconds.toFixed(2).padStart(7)} s`;
const rss = (r: Result) => `peak RSS ${r.max_rss_mb} MB`;

/**
 * What bounds a backfill that misses its target (`allowed` seconds, said as `target`): bare DuckDB's read of
 * each system's files under `logs` (its typed query, bench/vendors.ts, each in its own process) against
 * lapse's ingest of them.
 */
function backfillBound(lapse: Result, allowed: number, target: string, logs: string): string {
  const systems = Object.keys(LOGS) as (keyof typeof LOGS)[];
  const bare = systems.map((sys) => [sys, bareSeconds(VENDOR[sys], join(logs, LOGS[sys]))] as const);
  const ingest = (sys: string) => (lapse.phases?.logs[sys] ?? 0) / 1000;
  return (
    `      bare DuckDB on the same files (typed read, filter, GROUP BY): ` +
    `${bare.map(([sys, t]) => `${sys} ${sec(t)} (lapse's ingest ${(ingest(sys) / t).toFixed(1)}× that)`).join(', ')}\n` +
    `      what bounds it: ${target} the backfill may take ${sec(allowed)}; the engine alone reads the logs in ` +
    `${sec(bare.reduce((n, [, t]) => n + t, 0))}, and lapse's ingest of them (hashing each new file, inflating each gzip whole ` +
    `to prove it is, judging every record, writing summaries and ledger) takes ${sec(systems.reduce((n, sys) => n + ingest(sys), 0))}\n`
  );
}

/** Backfill and daily run on the company of `people`; returns lapse's backfill. */
async function benchCompany(root: string, people: number, jobs: number): Promise<Result> {
  const company = await generateCompany(root, people, jobs, out);
  const before = addDays(LAST_DAY, -1);
  out(`\n${people.toLocaleString('en-US')}-person company, 180 days (${company})\n`);

  // The daily run's lake holds 179 days: its backfill is the backfill row (both contenders on those days).
  const logs = join(root, `ingest-daily-${people}`, 'logs');
  await rm(logs, { recursive: true, force: true });
  await linkLogs(company, logs, before);
  const config = await runDir(root, `ingest-daily-${people}`, company, join(root, `ingest-daily-${people}`, 'logs'));
  const backfill = child('lapse', config, before);
  const plainBackfill = child('plain', company, before, logs);
  const ratio = plainBackfill.seconds / backfill.seconds;
  out(
    `  backfill, 179 days, ${(backfill.records ?? 0).toLocaleString('en-US')} records:\n` +
      `    lapse run (empty lake)  ${secs(backfill)}  ${Math.round((backfill.records ?? 0) / backfill.seconds).toLocaleString('en-US')} records/s  ${rss(backfill)}\n` +
      `    plain script            ${secs(plainBackfill)}  ${rss(plainBackfill)}  (${plainBackfill.findings} stale grants)\n` +
      `    lapse = ${ratio.toFixed(2)}× the plain script (target ≥ 2: ${met(ratio >= 2)})\n` +
      whereTimeGoes(backfill) +
      (ratio < 2 ? backfillBound(backfill, plainBackfill.seconds / 2, 'at 2× the plain script', logs) : ''),
  );

  await linkLogs(company, logs, LAST_DAY);
  const daily = child('lapse', config, LAST_DAY);
  const plainDaily = child('plain', company, LAST_DAY, logs);
  const dailyRatio = plainDaily.seconds / daily.seconds;
  out(
    `  daily run, day 180 on a lake holding 179 (${(daily.records ?? 0).toLocaleString('en-US')} new records):\n` +
      `    lapse run               ${secs(daily)}  (${daily.lapse_seconds.toFixed(2)} s beyond process start; target ≤ 1: ${met(daily.lapse_seconds <= 1)})  ${rss(daily)}\n` +
      `    plain script            ${secs(plainDaily)}  (reads all 180 days again; ${plainDaily.findings} stale grants)\n` +
      `    lapse = ${dailyRatio.toFixed(1)}× the plain script (target ≥ 10: ${met(dailyRatio >= 10)})\n` +
      whereTimeGoes(daily) +
      (daily.lapse_seconds > 1 && daily.phases?.run['ready_ms']
        ? `      what bounds it: before the first file is listed, the imports and the setup (config, lake, engine) take ` +
          // ready_ms counts from the process's start; the 1 s from the script's first line (Node's own start left out).
          `${(daily.phases.run['ready_ms'] / 1000 - (daily.seconds - daily.lapse_seconds)).toFixed(2)} s of the 1 s; the rest is fixed work a day's run does whatever its size ` +
          `(listing and stat-ing every log file, a grants and directory snapshot, the day's tables, detect over every grant)\n`
        : ''),
  );
  return backfill;
}

/** The backfill of the large company (180 days, empty lake): time, records/s, peak RSS. */
async function benchScale(root: string, people: number, jobs: number, small: { people: number; result: Result }): Promise<void> {
  const company = await generateCompany(root, people, jobs, out);
  const config = await runDir(root, `ingest-scale-${people}`, company);
  const r = child('lapse', config, LAST_DAY);
  const perSmall = small.result.seconds / small.people;
  const slope = r.seconds / people / perSmall;
  out(
    `\nscale: ${people.toLocaleString('en-US')}-person company, 180 days, ${(r.records ?? 0).toLocaleString('en-US')} records\n` +
      `    lapse run (empty lake)  ${secs(r)}  ${Math.round((r.records ?? 0) / r.seconds).toLocaleString('en-US')} records/s  ${rss(r)}\n` +
      `    target ≤ 120 s: ${met(r.seconds <= 120)}; peak RSS ≤ 1,536 MB: ${met(r.max_rss_mb <= 1536)}\n` +
      `    slope ${small.people.toLocaleString('en-US')} → ${people.toLocaleString('en-US')} people: ${(r.seconds / small.result.seconds).toFixed(1)}× the time for ` +
      `${(people / small.people).toFixed(0)}× the people (${slope.toFixed(2)}× linear)\n` +
      whereTimeGoes(r) +
      (r.seconds > 120 ? backfillBound(r, 120, 'within the target', company) : ''),
  );
}

export async function benchIngest(args: string[]): Promise<void> {
  const root = resolve('.bench');
  const people = arg(args, '--people', 2000);
  const jobs = arg(args, '--jobs', 2);
  if (!args.includes('--no-vendors')) {
    out('per connector (connector SQL vs bare DuckDB vs the plain script, bench/vendors.ts)\n');
    await benchVendors(root, arg(args, '--vendor-events', 300_000));
  }
  if (args.includes('--vendors')) return;
  const backfill = await benchCompany(root, people, jobs);
  if (args.includes('--scale')) await benchScale(root, arg(args, '--scale-people', 20_000), jobs, { people, result: backfill });
}
