import type { Db } from '../../core/db.js';
import type { Connector, EventsQuery } from './define.js';
import { brokenGzip } from './gzip.js';
import { RETRY_AS_TEXT, runEvents } from './retry.js';
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
  const readable = files.filter((f) => !broken.has(f));
  const query = await connector.events({ system, options: parsed, files: readable, db });
  let rows: ParsedRecord[] = [];
  const run = async (q: EventsQuery) => {
    const got = await db.all<ParsedRecord>(
      `WITH lapse_events AS (${q.sql})
       SELECT file, (ord - min(ord) OVER (PARTITION BY file) + 1)::BIGINT AS record, sub, time, principal, permission,
              action, resource, event_id, drop_reason, coalesce(quarantine, false) AS quarantine, raw
       FROM lapse_events`,
      q.params,
    );
    rows.push(...got);
    return [...new Set(got.filter((r) => r.drop_reason === RETRY_AS_TEXT).map((r) => r.file))];
  };
  const forget = (drop: string[]) => {
    const gone = new Set(drop);
    rows = rows.filter((r) => !gone.has(r.file));
    return Promise.resolve();
  };
  await runEvents(connector.id, query, readable, run, forget);
  await fillRaw(connector, rows);
  // A broken .gz is one unreadable record, as ingest quarantines it.
  for (const [file, error] of broken) rows.push(unreadable(file, error));
  return rows.sort(inFileOrder);
}

/** File, then record (unnumbered last), then sub (none first), then text: the order `lapse parse` prints. */
function inFileOrder(a: ParsedRecord, b: ParsedRecord): number {
  return (
    compare(a.file, b.file) || compare(a.record ?? Infinity, b.record ?? Infinity) ||
    compare(a.sub ?? -Infinity, b.sub ?? -Infinity) || nullsLast(a.raw, b.raw)
  );
}

function nullsLast(a: string | null, b: string | null): number {
  return a === null ? (b === null ? 0 : 1) : b === null ? -1 : compare(a, b);
}

function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
