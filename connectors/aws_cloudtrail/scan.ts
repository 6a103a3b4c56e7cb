import { closeSync, openSync, readSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { constants, gunzipSync } from 'node:zlib';
import type { Db, Params } from '../../core/db.js';
import { dealFiles, literalPath } from '../_shared/sql.js';

/** Lines or documents longer than this fail the scan, so it is generous: a CloudTrail file is one line. */
export const MAX_OBJECT_BYTES = 2 ** 30;

/** Pretty-printed JSON starts with a short line (`{`); a line longer than this means one-line JSON. */
const PROBE_BYTES = 4 * 1024;
/**
 * Files probed between two turns of the event loop. The probe reads synchronously: for small local
 * files an open-read-close on the thread pool costs several times the read itself (22,600 CloudTrail
 * files: 3.2 s probed 32 at a time, 1.2 s read in turn), and a chunk blocks the loop for only a few ms.
 */
const PROBE_CHUNK = 256;

/** How each input file is read. */
export interface Layout {
  /** One JSON value per line: JSONL, and log files as AWS writes them (a whole document on one line). */
  lines: string[];
  /** Whole JSON documents that span lines (pretty-printed `{"Records":[...]}`), one after another. */
  documents: string[];
  /** Files that cannot be read at all (`.gz` that is not gzip): one quarantined record each. */
  unreadable: string[];
}

/**
 * Sorts files by layout from their first line, so the common case (every line is a JSON value) takes
 * DuckDB's fast, error-tolerant newline-delimited reader. DuckDB's own `format = 'auto'` is about
 * 1.5x slower and throws on any malformed file, so it is used only for files proven to be whole
 * documents: the first line is short and not JSON, and the file parses as a sequence of documents.
 * A `.jsonl`/`.ndjson` file is lines (a bad first line there is a bad record, not a layout), unless it
 * starts with a byte-order mark.
 */
export async function layoutOf(db: Db, files: string[]): Promise<Layout> {
  const out: Layout = { lines: [], documents: [], unreadable: [] };
  const heads: (Head | undefined)[] = [];
  const buffer = Buffer.alloc(PROBE_BYTES);
  for (let i = 0; i < files.length; i += PROBE_CHUNK) {
    if (i > 0) await setImmediate();
    for (const file of files.slice(i, i + PROBE_CHUNK)) heads.push(head(file, buffer));
  }
  for (const [i, file] of files.entries()) {
    const h = heads[i];
    if (h === undefined) out.unreadable.push(file);
    // DuckDB's line reader rejects a byte-order mark; its document reader skips it.
    else if (!h.bom && (h.line === null || isJson(h.line) || /\.(jsonl|ndjson)(\.gz)?$/i.test(file))) out.lines.push(file);
    else if (await parsesAsDocuments(db, file)) out.documents.push(file);
    else out.lines.push(file);
  }
  return out;
}

interface Head {
  /** The first non-blank line when it ends within the probe, else null (one long line, or empty). */
  line: string | null;
  bom: boolean;
}

/**
 * The start of a file, un-gzipped; undefined when the file cannot be read (a `.gz` that is not gzip,
 * which would make DuckDB fail the whole scan, or one cut short inside its first block, which DuckDB
 * would read as no records at all).
 */
function head(file: string, buffer: Buffer): Head | undefined {
  let text: string;
  try {
    const bytesRead = readStart(file, buffer);
    const start = buffer.subarray(0, bytesRead);
    if (!file.endsWith('.gz')) text = start.toString('utf8');
    else if (bytesRead < PROBE_BYTES) text = gunzipSync(start).toString('utf8');
    // Part of a stream: a sync flush inflates what is there instead of failing on the cut.
    else text = gunzipSync(start, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    return undefined;
  }
  const bom = text.startsWith('\uFEFF');
  const line = (bom ? text.slice(1) : text).split('\n').slice(0, -1).find((l) => l.trim() !== '') ?? null;
  return { line, bom };
}

/** Reads the start of `file` into `buffer`; the number of bytes read. */
function readStart(file: string, buffer: Buffer): number {
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

async function parsesAsDocuments(db: Db, file: string): Promise<boolean> {
  try {
    await db.all(
      `SELECT count(*) FROM read_json_objects($file, format = 'unstructured', maximum_object_size = ${MAX_OBJECT_BYTES})`,
      { file: literalPath(file) },
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * `(file, ord, rec, bad)`: one row per line or document of every file, numbered within its file.
 * WITH ORDINALITY makes a scan single-threaded, so files are dealt into one scan per thread, which
 * DuckDB runs side by side (2x faster on 2 threads than one scan of all files).
 */
export async function scanSql(db: Db, layout: Layout): Promise<{ sql: string; params: Params }> {
  const threads = await db.threads();
  const parts: string[] = [];
  const params: Params = {};
  const scans = (kind: 'lines' | 'documents', format: string) => {
    dealFiles(layout[kind], threads).forEach((list, i) => {
      params[`${kind}${i}`] = list.map(literalPath);
      parts.push(`SELECT filename AS file, ordinality AS ord, json AS rec, NULL::VARCHAR AS bad
        FROM read_json_objects($${kind}${i}, format = '${format}', ignore_errors = true, filename = true,
                               maximum_object_size = ${MAX_OBJECT_BYTES}) WITH ORDINALITY`);
    });
  };
  scans('lines', 'newline_delimited');
  scans('documents', 'unstructured');
  if (layout.unreadable.length) {
    parts.push(`SELECT unnest($unreadable) AS file, NULL::BIGINT AS ord, NULL::JSON AS rec, 'unreadable_file' AS bad`);
    params['unreadable'] = layout.unreadable;
  }
  if (!parts.length) parts.push('SELECT NULL::VARCHAR AS file, NULL::BIGINT AS ord, NULL::JSON AS rec, NULL::VARCHAR AS bad WHERE false');
  return { sql: parts.join('\nUNION ALL\n'), params };
}
