import type { Db } from '../../core/db.js';
import { sqlIdent } from '../../core/db.js';
import { jsonLinesScan, jsonPath, literalPath } from './sql.js';

/**
 * Stages tabular records (JSONL or CSV with a header) into a temp table
 * `(file, ord, raw, bad, v VARCHAR[])`, where `v[i]` is field `fields[i]` as text and `bad` names why a
 * record could not be read (`malformed_json`, `malformed_csv: …`). Nothing is dropped: an unreadable
 * record is a row with `bad` set and its text in `raw`.
 */
export async function stageRecords(
  db: Db,
  table: string,
  files: string[],
  fields: string[],
  format: 'jsonl' | 'csv',
  delimiter = ',',
): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${table} (file VARCHAR, ord BIGINT, raw VARCHAR, bad VARCHAR, v VARCHAR[])`);
  if (format === 'jsonl') {
    const scan = jsonLinesScan(files, await db.threads());
    await db.run(
      `INSERT INTO ${table}
       SELECT file, ord, rec::VARCHAR,
         CASE WHEN rec IS NULL THEN 'malformed_json' WHEN json_type(rec) <> 'OBJECT' THEN 'not_an_object' END,
         CASE WHEN json_type(rec) = 'OBJECT' THEN json_extract_string(rec, $paths) END
       FROM (${scan.sql})`,
      { ...scan.params, paths: fields.map(jsonPath) },
    );
    return;
  }
  // One CSV file at a time: files may order their columns differently, and DuckDB keeps rejected
  // rows only for scans that do not union columns by name.
  for (const file of files) await stageCsvFile(db, table, file, fields, delimiter);
}

async function stageCsvFile(db: Db, table: string, file: string, fields: string[], delim: string): Promise<void> {
  const reader = `read_csv($path, header = true, all_varchar = true, delim = $delim, quote = '"', escape = '"',
    store_rejects = true, rejects_table = 'lapse_csv_rejects', rejects_scan = 'lapse_csv_scans')`;
  // The rejects tables collect across scans: start each file with none.
  await db.run('DROP TABLE IF EXISTS lapse_csv_rejects; DROP TABLE IF EXISTS lapse_csv_scans');
  let columns: Set<string>;
  try {
    const described = await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${reader}`, { path: literalPath(file), delim });
    columns = new Set(described.map((c) => c.column_name));
  } catch (err) {
    // The whole file is unreadable as CSV (binary, empty): one record says so.
    const reason = `unreadable_csv: ${(err as Error).message.split('\n')[0]}`;
    await db.run(`INSERT INTO ${table} VALUES ($file, NULL, NULL, $reason, NULL)`, { file, reason });
    return;
  }
  // A field the file lacks reads as NULL, so each row is reported naming the missing field.
  const values = fields.map((f) => (columns.has(f) ? `t.${sqlIdent(f)}` : 'NULL::VARCHAR'));
  await db.run(
    `INSERT INTO ${table}
     SELECT $file, ordinality, regexp_replace(to_json(t)::VARCHAR, ',"ordinality":[0-9]+}$', '}'), NULL, [${values.join(', ')}]
     FROM (SELECT * FROM ${reader} WITH ORDINALITY) t`,
    { file, path: literalPath(file), delim },
  );
  // A rejected row is data row `line - 1` (DuckDB counts rows, the header being line 1). The reader numbers
  // only the rows it kept, so each kept row moves past the rejected rows before it: the k-th kept row is
  // row k + #{rejected j-th: row_j - j < k}.
  const rejected = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM lapse_csv_rejects');
  if (!rejected?.n) return;
  await db.run(
    `INSERT INTO ${table}
     SELECT $file, line - 1, csv_line, 'malformed_csv: ' || lower(error_type) || ' at line ' || line, NULL
     FROM lapse_csv_rejects`,
    { file },
  );
  await db.run(
    `UPDATE ${table} SET ord = ord + (
       SELECT count(*) FROM (SELECT line - 1 - row_number() OVER (ORDER BY line) AS kept_before
                             FROM (SELECT DISTINCT line FROM lapse_csv_rejects))
       WHERE kept_before < ${table}.ord)
     WHERE file = $file AND bad IS NULL`,
    { file },
  );
}

/** `jsonl` or `csv` from a file name (`.gz` ignored). */
export function formatOf(file: string): 'jsonl' | 'csv' | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  return undefined;
}
