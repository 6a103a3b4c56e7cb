import type { Db } from '../../core/db.js';
import type { Connector } from './define.js';
import { checkFormat } from './formats.js';
import { brokenGzip } from './gzip.js';
import { SETUP_SQL } from './sql.js';

/** One input record after its connector ran: an event (drop_reason null) or a counted drop. */
export interface ParsedRecord {
  file: string;
  record: number | null;
  sub: number | null;
  time: string | null;
  principal: string | null;
  permission: string | null;
  action: string | null;
  resource: string | null;
  event_id: string | null;
  drop_reason: string | null;
  quarantine: boolean;
  raw: string | null;
}

/**
 * Runs a connector over files and returns every record, in file order: for `lapse parse`, golden tests
 * and debugging a source. Ingest does not use this: it aggregates in the same scan instead.
 */
export async function parseFiles(
  db: Db,
  connector: Connector,
  system: string,
  options: unknown,
  files: string[],
): Promise<ParsedRecord[]> {
  await db.run(SETUP_SQL);
  const parsed = connector.options.parse(options ?? {});
  const broken = await brokenGzip(files);
  const query = checkFormat(connector.id, await connector.events({ system, options: parsed, files: files.filter((f) => !broken.has(f)), db }));
  try {
    const rows = await db.all<ParsedRecord>(
      `WITH lapse_events AS (${query.sql})
       SELECT file, (ord - min(ord) OVER (PARTITION BY file) + 1)::BIGINT AS record, sub, time, principal, permission,
              action, resource, event_id, drop_reason, coalesce(quarantine, false) AS quarantine, raw
       FROM lapse_events ORDER BY file, ord NULLS LAST, sub NULLS FIRST, raw`,
      query.params,
    );
    await fillRaw(connector, rows);
    // A broken .gz is one unreadable record, as ingest quarantines it; rows stay in file order.
    for (const [file, error] of broken) rows.push(unreadable(file, error));
    return broken.size ? rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) : rows;
  } finally {
    await query.cleanup?.();
  }
}

async function fillRaw(connector: Connector, rows: ParsedRecord[]): Promise<void> {
  const missing = new Map<string, ParsedRecord[]>();
  for (const r of rows) {
    if (r.drop_reason === null || r.raw !== null || r.record === null || r.sub !== null) continue;
    missing.set(r.file, [...(missing.get(r.file) ?? []), r]);
  }
  for (const [file, list] of missing) {
    const texts = await connector.readRecords(file, list.map((r) => r.record!));
    for (const r of list) r.raw = texts.get(r.record!) ?? null;
  }
}

function unreadable(file: string, error: string): ParsedRecord {
  return {
    file, record: null, sub: null, time: null, principal: null, permission: null, action: null, resource: null,
    event_id: null, drop_reason: `unreadable_file: ${error}`, quarantine: true, raw: null,
  };
}
