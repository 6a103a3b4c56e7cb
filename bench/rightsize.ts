import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Db } from '../core/db.js';
import { silentLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import { buildConfigSchema } from '../cli/config.js';
import { parseConfig } from '../core/config.js';
import { compact } from '../aggregate/index.js';
import { rightsize } from '../rightsize/index.js';
import { loadWorld } from '../rightsize/testing.js';
import { rightsizeCompany } from './rightsize-company.js';

/**
 * `lapse rightsize` on a generated company (bench/rightsize-company.ts): N AWS permission sets with their
 * policies, a few holders each, and a year of their action uses (the window the judge reads), timed per
 * granularity: first the stage alone on the relations loaded in memory, then the whole `lapse rightsize`
 * command (a process, as a user runs it) on a lake holding a year of daily action summaries.
 *
 *   npm run bench -- rightsize [--roles 10000] [--holders 5] [--stage-only]
 */
export async function benchRightsize(args: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => Number(args[args.indexOf(name) + 1] ?? NaN) || fallback;
  const roles = arg('--roles', 10_000);
  const holders = arg('--holders', 5);
  const dir = resolve('.bench', `rightsize-${roles}`);
  await mkdir(dir, { recursive: true });
  let t = performance.now();
  const company = await rightsizeCompany({ roles, holders, days: 365 });
  await writeFile(join(dir, 'policies.jsonl'), company.policies);
  const config = parseConfig(JSON.stringify({
    store: './lake', directory: { path: 'people.csv' },
    systems: { aws: { connector: 'aws_cloudtrail', grants: { path: 'grants.jsonl' }, rightsize: { policies: { path: 'policies.jsonl' }, logged: ['management_write', 'management_read'] } } },
  }), join(dir, 'lapse.json'), buildConfigSchema());
  const db = await Db.open();
  const ctx = { config, db, lake: new LocalLake(join(dir, 'lake')), log: silentLogger() };
  await loadWorld(db, company.grants, company.uses);
  const n = (x: number) => x.toLocaleString('en-US');
  process.stdout.write(`rightsize: ${n(roles)} permission sets, ${n(company.grants.length)} grants, ${n(company.uses.length)} (holder, action) uses over 365 days; generated and loaded in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  for (const granularity of ['service', 'action'] as const) {
    t = performance.now();
    const doc = await rightsize(ctx, {
      asOf: '2026-06-30', from: '2025-07-01', to: '2026-06-30', days: 365, granularity, systems: ['aws'],
      coverage: new Map([['aws', { first_day: '2025-07-01', last_day: '2026-06-30' }]]),
    });
    const seconds = (performance.now() - t) / 1000;
    const shrink = doc.units.filter((u) => u.status === 'shrink').length;
    process.stdout.write(`  stage, --granularity ${granularity}: ${seconds.toFixed(1)} s, ${n(doc.units.length)} units, ${n(shrink)} to shrink, ${(JSON.stringify(doc).length / 1e6).toFixed(0)} MB of JSON\n`);
  }
  if (args.includes('--stage-only')) return db.close();
  const rows = await writeLake(db, dir);
  // What a lake holds after `lapse ingest`'s compaction: one file a day (the COPY above writes several).
  const merged = await compact(ctx);
  db.close();
  process.stdout.write(`  lake: ${n(rows)} daily action rows over 365 days (actions_daily/, one file a day: ${n(merged.files_before)} files compacted into ${n(merged.files_after)})\n`);
  // The stage alone reads the relations in memory; the command also lists and reads the lake.
  for (const granularity of ['service', 'action']) {
    t = performance.now();
    const r = spawnSync(process.execPath, [bin(), 'rightsize', '--config', 'lapse.yaml', '--as-of', '2026-06-30', '--days', '365', '--granularity', granularity, '--json'],
      { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' } });
    if (r.status !== 0) throw new Error(`lapse rightsize failed (${r.status}): ${r.stderr}`);
    process.stdout.write(`  lapse rightsize --days 365 --granularity ${granularity} (whole process): ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
}

const bin = () => resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..', 'bin/lapse.js');

/**
 * The lake `lapse rightsize` reads: the grants snapshot, one committed source object, and each (holder,
 * action) use of the window spread over its active days of the year, one Parquet file a day. Returns the rows.
 */
async function writeLake(db: Db, dir: string): Promise<number> {
  const lake = join(dir, 'lake');
  if (existsSync(lake)) await rm(lake, { recursive: true });
  await mkdir(join(lake, 'objects/system=aws'), { recursive: true });
  await mkdir(join(lake, 'grants/system=aws/day=2026-06-30'), { recursive: true });
  await writeFile(join(dir, 'people.csv'), 'id,email,team,manager,status\n');
  await writeFile(join(dir, 'grants.jsonl'), '');
  await writeFile(join(dir, 'lapse.yaml'), [
    'store: ./lake', 'directory: { path: people.csv }', 'systems:', '  aws:', '    connector: aws_cloudtrail',
    '    grants: { path: grants.jsonl }', '    actions: true',
    '    rightsize: { policies: { path: policies.jsonl }, logged: [management_write, management_read] }', '',
  ].join('\n'));
  await db.run(`COPY (SELECT system, DATE '2026-06-30' AS day, principal, permission, granted_at, via, granted_at AS first_seen, label FROM lapse_grants)
    TO '${join(lake, 'grants/system=aws/day=2026-06-30/grants.parquet')}' (FORMAT parquet)`);
  await mkdir(join(lake, 'directory/day=2026-06-30'), { recursive: true });
  await db.run(`COPY (SELECT DATE '2026-06-30' AS day, 'u0' AS id, 'u0@corp.example' AS email, 'eng' AS team, NULL::VARCHAR AS manager, 'active' AS status,
      []::STRUCT(system VARCHAR, id VARCHAR)[] AS aliases, NULL::DATE AS start_date, NULL::DATE AS leave_until)
    TO '${join(lake, 'directory/day=2026-06-30/people.parquet')}' (FORMAT parquet)`);
  await db.run(`COPY (SELECT 'aws' AS system, 'bench' AS object_id, 'bench://year' AS uri, 0::BIGINT AS size, 0::BIGINT AS mtime_ms, 'bench' AS batch,
      0::BIGINT AS records, 0::BIGINT AS uses, 0::BIGINT AS dropped, NULL::TIMESTAMPTZ AS first_seen, NULL::TIMESTAMPTZ AS last_seen)
    TO '${join(lake, 'objects/system=aws/bench.parquet')}' (FORMAT parquet)`);
  await db.run(`COPY (
      SELECT system, day, principal, permission, action, true AS iam, 'bench' AS source, greatest(1, uses // days)::BIGINT AS uses,
        day::TIMESTAMPTZ + INTERVAL 9 HOUR AS first_seen, day::TIMESTAMPTZ + INTERVAL 17 HOUR AS last_seen
      FROM (
        SELECT u.*, DATE '2025-07-01' + ((hash(u.principal || u.action) + k * 7919) % 365)::INTEGER AS day
        FROM lapse_action_uses u, range(u.days) AS r(k)
      )
      QUALIFY row_number() OVER (PARTITION BY system, day, principal, permission, action) = 1
    ) TO '${join(lake, 'actions_daily')}' (FORMAT parquet, PARTITION_BY (system, day))`);
  return (await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(lake, 'actions_daily')}/**/*.parquet')`))!.n;
}
