import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Db } from '../core/db.js';
import { sqlString } from '../core/db.js';

/**
 * A lake for the detect benchmark, written straight to Parquet in lapse's layout: `grants` grants over
 * 5 systems (50 per person, teams of 20 sharing most permissions), `days` days of daily summaries
 * ending the day before `asOf` (one source object and batch per system and day, all committed), the
 * directory, and a config. Usage classes per grant: 60% used every 7–30 days, 15% monthly, 15%
 * used only in the history's first quarter (stale), 10% never used.
 */
export const BENCH_AS_OF = '2026-07-01';
/** The issue's budget is 4 GB: DuckDB gets 3 GB and spills beyond it; the rest is Node and the binary. */
const BENCH_MEMORY = '3GB';
const SYSTEMS = 5;
const GRANTS_PER_PERSON_PER_SYSTEM = 10;

export async function generateDetectLake(root: string, grants: number, days: number): Promise<string> {
  const dir = join(root, `detect-${grants}-${days}`);
  if (existsSync(join(dir, 'lapse.json'))) return dir;
  const lake = join(dir, 'lake');
  await mkdir(lake, { recursive: true });
  const people = Math.ceil(grants / (SYSTEMS * GRANTS_PER_PERSON_PER_SYSTEM));
  const db = await Db.open();
  const start = `DATE '${BENCH_AS_OF}' - ${days}`;
  await db.run(`
    CREATE TABLE people AS
    SELECT 'p' || i AS id, 'user' || i || '@corp.example' AS email, 'team' || (i // 20) AS team,
           CASE WHEN i % 20 = 0 THEN NULL ELSE 'p' || ((i // 20) * 20) END AS manager, 'active' AS status,
           []::STRUCT(system VARCHAR, id VARCHAR)[] AS aliases, NULL::DATE AS start_date
    FROM range(${people}) t(i);
    CREATE TABLE grants AS
    SELECT 'sys' || s AS system, 'user' || i || '@corp.example' AS principal,
           -- teams share most permissions: a team's 10 are drawn from 40, the rest of the company's 200
           'perm' || CASE WHEN hash(i, s, j) % 10 < 8 THEN (hash(i // 20, s, j % 4) % 40) ELSE (40 + hash(i, s, j) % 160) END
             || '-' || j AS permission,
           DATE '2024-01-01' + (hash(i, s, j, 'g') % 700)::INTEGER AS granted_at, 'group:g' || (i // 20) AS via,
           hash(i, s, j, 'c') % 100 AS class, hash(i, s, j, 'p') AS h
    FROM range(${people}) a(i), range(${SYSTEMS}) b(s), range(${GRANTS_PER_PERSON_PER_SYSTEM}) c(j);`);
  await mkdir(join(lake, `directory/day=${BENCH_AS_OF}`), { recursive: true });
  await db.run(`COPY (SELECT * FROM people) TO ${sqlString(join(lake, `directory/day=${BENCH_AS_OF}/people.parquet`))} (FORMAT parquet)`);
  await db.run(`COPY (SELECT system, principal, permission, granted_at, via, DATE '${BENCH_AS_OF}' AS day, DATE '2025-01-01' AS first_seen FROM grants)
    TO ${sqlString(join(lake, 'grants'))} (FORMAT parquet, PARTITION_BY (system, day), OVERWRITE_OR_IGNORE)`);
  await db.run(`
    COPY (
      SELECT system, (${start} + d::INTEGER)::DATE AS day, principal, permission, 'o-' || system || '-' || (${start} + d::INTEGER)::DATE AS source,
             1::BIGINT AS uses, (${start} + d::INTEGER)::TIMESTAMPTZ AS first_seen, (${start} + d::INTEGER)::TIMESTAMPTZ + INTERVAL 1 HOUR AS last_seen
      FROM (
        SELECT system, principal, permission,
          unnest(CASE
            WHEN class < 60 THEN range((h % 7)::BIGINT, ${days}, 7 + (h % 24)::BIGINT)
            WHEN class < 75 THEN range((h % 30)::BIGINT, ${days}, 30)
            WHEN class < 90 THEN range((h % 30)::BIGINT, greatest(${days} // 4, 1), 30)
            ELSE []::BIGINT[] END) AS d
        FROM grants)
    ) TO ${sqlString(join(lake, 'usage_daily'))} (FORMAT parquet, PARTITION_BY (system, day), OVERWRITE_OR_IGNORE)`);
  await db.run(`
    COPY (
      SELECT 'o-' || system || '-' || day AS object_id, 'b-' || system || '-' || day AS batch, system,
             day::TIMESTAMPTZ AS first_seen, day::TIMESTAMPTZ + INTERVAL 23 HOUR AS last_seen
      FROM (SELECT DISTINCT 'sys' || s AS system, (${start} + d::INTEGER)::DATE AS day FROM range(${SYSTEMS}) a(s), range(${days}) b(d))
    ) TO ${sqlString(join(lake, 'objects'))} (FORMAT parquet, PARTITION_BY (system), OVERWRITE_OR_IGNORE)`);
  db.close();
  const systems = Object.fromEntries(
    Array.from({ length: SYSTEMS }, (_, s) => [
      `sys${s}`,
      { connector: 'jsonl', grants: { path: 'unused.jsonl' }, mapping: { time: 't', principal: 'p', permission: 'x' } },
    ]),
  );
  const config = { store: './lake', directory: { path: 'unused.csv' }, systems, engine: { memory_limit: BENCH_MEMORY } };
  await writeFile(join(dir, 'lapse.json'), JSON.stringify(config, null, 2));
  return dir;
}
