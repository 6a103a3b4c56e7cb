import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Db, sqlString } from '../../core/db.js';
import type { Lake } from '../../core/store.js';

/** Where a Security Lake custom source's objects go: the region and account its partitions name. */
export interface SecurityLakeTarget {
  region: string;
  account_id: string;
}

/**
 * The keys one run's OCSF export is written to, under the output location. Locally, JSON Lines and Parquet
 * side by side, one pair per as-of day. Under a Security Lake custom source's location, Parquet only, in the
 * partitions its Glue crawler reads: `region=<r>/accountId=<a>/eventDay=<YYYYMMDD>/`. The names depend on the
 * day alone, so exporting a day again replaces that day's files.
 */
export function ocsfKeys(asOf: string, securityLake?: SecurityLakeTarget): { jsonl: string | null; parquet: string } {
  const name = `lapse-findings-${asOf}`;
  if (!securityLake) return { jsonl: `${name}.ocsf.jsonl`, parquet: `${name}.ocsf.parquet` };
  const day = asOf.replaceAll('-', '');
  return { jsonl: null, parquet: `region=${securityLake.region}/accountId=${securityLake.account_id}/eventDay=${day}/${name}.parquet` };
}

/** Writes the records (JSON Lines, then Parquet made from them by DuckDB) to `out`; returns the keys written. */
export async function writeOcsf(out: Lake, records: object[], asOf: string, securityLake?: SecurityLakeTarget): Promise<string[]> {
  const keys = ocsfKeys(asOf, securityLake);
  const dir = await out.scratch();
  const jsonl = join(dir, 'findings.jsonl');
  const parquet = join(dir, 'findings.parquet');
  await writeFile(jsonl, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  await toParquet(jsonl, parquet, records.length);
  // Parquet first: a run stopped between the two leaves the JSON Lines of the previous export, never a newer one alone.
  await out.putFile(keys.parquet, parquet);
  if (keys.jsonl) await out.putFile(keys.jsonl, jsonl);
  return keys.jsonl ? [keys.parquet, keys.jsonl] : [keys.parquet];
}

/** JSON Lines → Parquet (zstd), every record read to infer the columns; no records: an empty file with no rows. */
async function toParquet(jsonl: string, parquet: string, n: number): Promise<void> {
  const db = await Db.open({ threads: 1 });
  try {
    const source = n === 0 ? 'SELECT NULL::BIGINT AS time WHERE false' : `SELECT * FROM read_json(${sqlString(jsonl)}, format = 'newline_delimited', sample_size = -1)`;
    await db.run(`COPY (${source}) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    db.close();
  }
}
