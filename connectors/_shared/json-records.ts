import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Db, Params } from '../../core/db.js';
import { mapLimit } from '../../core/limit.js';
import { EVENT_COLUMNS, type EventsQuery } from './define.js';
import { RETRY_AS_TEXT } from './retry.js';
import { dealFiles, literalPath } from './sql.js';

/**
 * JSON records of vendor files, however they were delivered:
 *
 * - JSON Lines (a Cloud Logging sink's `*.json` objects on Cloud Storage, an audit-log file backend):
 *   one record per line; a line holding an array, or a list wrapper (`{"kind":"EventList","items":[…]}`,
 *   `{"entries":[…]}`), yields one record per element, numbered by `sub`;
 * - a top-level JSON array, usually pretty-printed (`gcloud logging read --format=json`): streamed element
 *   by element, every element record 1 of its file with `sub` = its index;
 * - one or more whole JSON documents, pretty-printed (`kubectl get … -o json`, `gcloud … get-iam-policy`):
 *   one record per document, lists expanded as above.
 *
 * Files named `*.jsonl`, `*.ndjson` or `*.log` (optionally `.gz`) are always read line by line. Other files
 * are read line by line when their first non-blank line is a complete JSON value or longer than the peek (a
 * pretty-printed document starts with a short line: this is one-line JSON, e.g. an Event Hub capture's
 * `{"records":[…]}`, read in parallel with the other line files), else as documents; when
 * that fails to parse, they are read line by line after all, so a broken file still yields one quarantined
 * record per line instead of failing the batch (DuckDB cannot skip parse errors outside newline-delimited
 * input). Only newline-delimited reads leave a record unparsed, so `readJsonLines` reads any of them back.
 *
 * A file starting with a byte-order mark is read as documents: DuckDB's line reader rejects the mark,
 * its document reader skips it. Used by the vendor connectors (okta, github, gcp, k8s).
 */
export interface JsonRecords {
  /** SELECT of `file, ord, sub, rec JSON, raw, bad` with bad = malformed_json | not_an_object | empty_list. */
  sql: string;
  params: Params;
  cleanup: () => Promise<unknown>;
}

export interface Wrapper {
  when: string;
  listPath: string;
}

export interface JsonRecordsOptions {
  /** Prefix of the temp table staging whole-document files (connector id). */
  prefix: string;
  /**
   * A SQL boolean over `doc` (JSON): the document is a list wrapper whose elements are at `listPath`
   * (several: the first that matches). Top-level arrays are always lists.
   */
  wrapper?: Wrapper | Wrapper[];
}

const LINE_FORMATS = /\.(jsonl|ndjson|log)(\.gz)?$/i;
/**
 * How much of a file (un-gzipped) is read to find its first line. A pretty-printed document starts with a short
 * line, so a longer one is one-line JSON; small, because every file of a batch is peeked before it is read.
 */
const PEEK_BYTES = 1 << 16;
const MAX_OBJECT = 67108864;

/**
 * Macros over JSON fragments (`json_extract`, `json_transform` to JSON: minified text), so that a field's type
 * is told from its first character instead of parsing the fragment again (json_type):
 * `lapse_json_str(v)` the text of a JSON string, NULL for any other type; `lapse_json_scalar(v)` the same
 * for strings and numbers (a number as its JSON text); `lapse_json_text(v)` what `json_extract_string` gives
 * (a string's text, any other value's JSON text). A fragment is read by json_extract_string: on DuckDB 1.5 it
 * costs less than slicing the quotes off (`v[2:-2]` counts characters), 50 against 80 ns a value.
 */
export const JSON_VALUE_MACROS = `
CREATE OR REPLACE MACRO lapse_json_str(v) AS CASE WHEN starts_with(v::VARCHAR, '"') THEN json_extract_string(v, '$') END;
CREATE OR REPLACE MACRO lapse_json_scalar(v) AS CASE
  WHEN starts_with(v::VARCHAR, '"') OR (contains('-0123456789', left(v::VARCHAR, 1)) AND v::VARCHAR <> '') THEN json_extract_string(v, '$') END;
CREATE OR REPLACE MACRO lapse_json_text(v) AS json_extract_string(v, '$');`;

export async function jsonRecords(db: Db, files: string[], opts: JsonRecordsOptions): Promise<JsonRecords> {
  await db.run(JSON_VALUE_MACROS);
  const modes = await mapLimit(files, 16, readMode);
  const lineFiles = files.filter((_, i) => modes[i] === 'lines');
  const docFiles = files.filter((_, i) => modes[i] !== 'lines');
  const table = `${opts.prefix}_documents`;
  const sources: string[] = [];
  const params: Params = {};
  // One scan per thread: a scan WITH ORDINALITY runs on one thread.
  dealFiles(lineFiles, await db.threads()).forEach((list, i) => {
    sources.push(`SELECT filename AS file, ordinality AS ord, NULL::BIGINT AS sub, json AS doc
      FROM ${scan(`$files${i}`, 'newline_delimited')} WITH ORDINALITY`);
    params[`files${i}`] = list.map(literalPath);
  });
  if (docFiles.length) {
    await db.run(`CREATE OR REPLACE TEMP TABLE ${table} (file VARCHAR, ord BIGINT, sub BIGINT, doc JSON)`);
    for (const [i, file] of files.entries()) {
      if (modes[i] !== 'lines') await stageDocuments(db, table, file, modes[i] === 'array');
    }
    sources.push(`SELECT file, ord, sub, doc FROM ${table}`);
  }
  if (!sources.length) sources.push('SELECT NULL::VARCHAR AS file, NULL::BIGINT AS ord, NULL::BIGINT AS sub, NULL::JSON AS doc WHERE false');
  return {
    sql: expandSql(sources.join('\nUNION ALL\n'), opts.wrapper),
    params,
    cleanup: () => (docFiles.length ? db.run(`DROP TABLE IF EXISTS ${table}`) : Promise.resolve()),
  };
}

function scan(files: string, format: 'newline_delimited' | 'unstructured' | 'array'): string {
  const errors = format === 'newline_delimited' ? ', ignore_errors = true' : '';
  return `read_json_objects(${files}, format = '${format}'${errors}, filename = true, maximum_object_size = ${MAX_OBJECT})`;
}

/**
 * One whole-document file. A top-level array is streamed element by element (so a large `gcloud logging
 * read` output is not one huge value); other documents are read whole; what fails is read as lines.
 */
async function stageDocuments(db: Db, table: string, file: string, array: boolean): Promise<void> {
  const attempts = [
    ...(array ? [`SELECT $file, 1, ordinality, json FROM ${scan('$path', 'array')} WITH ORDINALITY`] : []),
    `SELECT $file, ordinality, NULL, json FROM ${scan('$path', 'unstructured')} WITH ORDINALITY`,
    `SELECT $file, ordinality, NULL, json FROM ${scan('$path', 'newline_delimited')} WITH ORDINALITY`,
  ];
  for (const select of attempts) {
    try {
      await db.run(`INSERT INTO ${table} ${select}`, { file, path: literalPath(file) });
    } catch {
      continue;
    }
    // An empty array streams no element: read it again as the one (empty) document it is.
    const n = await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE file = $file`, { file });
    if (n && n.n > 0) return;
  }
}

/**
 * One row per record: a non-empty list (top-level array or wrapper) gives one row per element, all with
 * the document's `ord`, numbered by `sub`; anything else is one record. Elements already streamed from a
 * top-level array (`sub` set) are not expanded again.
 */
function expandSql(docs: string, wrapper?: JsonRecordsOptions['wrapper']): string {
  const wrappers = wrapper === undefined ? [] : [wrapper].flat();
  // Documents are the engine's text, leading blanks trimmed: the first character tells an array or an object,
  // and a wrapper's key must be in the text, both without parsing the document (a whole export) again.
  // A plain wrapper's elements are extracted first (a non-array gives none): only an empty list is tested.
  const lists = wrappers.map((w, i) => `, CASE WHEN sub IS NULL AND ${gate(w)} THEN json_extract(doc, '${w.listPath}[*]') END AS l${i}`);
  const picks = wrappers.map((w, i) =>
    plain(w) ? `WHEN len(l${i}) > 0 THEN l${i} WHEN l${i} IS NOT NULL AND ${w.when} THEN []::JSON[]` : `WHEN l${i} IS NOT NULL AND ${w.when} THEN l${i}`,
  );
  const list = `CASE WHEN starts_with(doc, '[') THEN json_extract(doc, '$[*]') ${picks.join(' ')} END`;
  return `SELECT file, ord, coalesce(sub, esub) AS sub, rec, rec::VARCHAR AS raw,
  CASE WHEN rec IS NULL THEN 'malformed_json'
       WHEN esub IS NULL AND is_list THEN 'empty_list'
       WHEN NOT starts_with(rec, '{') THEN 'not_an_object' END AS bad
FROM (
  SELECT file, ord, sub, is_list,
    unnest(CASE WHEN n > 0 THEN list ELSE [doc] END) AS rec,
    unnest(CASE WHEN n > 0 THEN generate_series(1, n)::BIGINT[] ELSE [NULL::BIGINT] END) AS esub
  FROM (
    SELECT *, list IS NOT NULL AS is_list, coalesce(len(list), 0)::BIGINT AS n
    FROM (SELECT file, ord, sub, doc, CASE WHEN sub IS NULL THEN ${list} END AS list
          FROM (SELECT file, ord, sub, doc ${lists.join('')} FROM (${docs})))
  )
)`;
}

/** A wrapper whose test is only that its list is an array. */
const plain = (w: Wrapper) => w.when === `json_type(doc, '${w.listPath}') = 'ARRAY'`;

/** Objects whose text holds a wrapper's key (`$.records`: `"records"`): the only ones its test can match. */
function gate(w: Wrapper): string {
  const key = /^\$\.([A-Za-z0-9_]+)$/.exec(w.listPath)?.[1];
  return key === undefined ? `starts_with(doc, '{')` : `starts_with(doc, '{') AND contains(doc, '"${key}"')`;
}

/** lines | array | documents, from the name and the first non-blank line (see the module comment). */
async function readMode(file: string): Promise<'lines' | 'array' | 'documents'> {
  const line = await firstLine(file);
  if (line?.startsWith('\uFEFF')) return line.slice(1).trimStart().startsWith('[') ? 'array' : 'documents';
  if (LINE_FORMATS.test(file)) return 'lines';
  if (line === '' || line === undefined) return 'lines';
  try {
    JSON.parse(line);
    return 'lines';
  } catch {
    // not a complete value on one line: a pretty-printed document
  }
  return line.startsWith('[') ? 'array' : 'documents';
}

/** The first non-blank line (un-gzipped), '' for a blank file, undefined when longer than the peek. */
async function firstLine(file: string): Promise<string | undefined> {
  const text = file.endsWith('.gz') ? await gunzipHead(file) : await head(file);
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    // Not trim(): it would drop a byte-order mark, which decides how the file is read.
    const line = (nl < 0 ? text.slice(start) : text.slice(start, nl)).replace(/^[ \t\r]+|[ \t\r]+$/g, '');
    if (line !== '') return nl < 0 && text.length >= PEEK_BYTES ? undefined : line;
    if (nl < 0) return '';
    start = nl + 1;
  }
}

async function head(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await fh.read(buf, 0, PEEK_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

async function gunzipHead(file: string): Promise<string> {
  const input = createReadStream(file);
  const gunzip = input.pipe(createGunzip());
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= PEEK_BYTES) break;
    }
  } catch {
    // A corrupt gzip stream: DuckDB's reader reports it; the peek only decides how to read.
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, PEEK_BYTES).toString('utf8');
}


/**
 * Top-level keys by which lapse_looks_like (sql.ts) tells a CloudTrail record, a GCP LogEntry or a Kubernetes
 * audit event before any other format: typedLines reads them too, as `foreign_keys` (any present), so a
 * connector can tell a drop that may be another vendor's record (checkFormat then needs its text).
 */
const FOREIGN_KEYS = { eventSource: 'VARCHAR', protoPayload: 'VARCHAR', logName: 'VARCHAR', kind: 'VARCHAR', properties: 'VARCHAR' };

/** A connector's fast path over JSON Lines files of objects (typedLines). */
export interface TypedLines {
  /**
   * read_json `columns`: the top-level keys the connector reads, typed with JSON at the leaves (a value's
   * JSON type shows in its first character). A key missing from a line, or JSON null, is NULL.
   */
  columns: Record<string, string>;
  /**
   * A SELECT over `typed_lines (file, ord, <columns>, foreign_keys)` returning EVENT_COLUMNS (raw NULL: lines are read back
   * by number) and `suspect`: true for a line the typed read may not show as it is (not an object, not JSON,
   * a container of another type, a key spelled otherwise…). A file with a suspect line takes the text path
   * (typedThenText).
   */
  sql: string;
  params: Params;
  /** The connector's text path (jsonRecords + its SQL) over some of the files. */
  text: (files: string[]) => Promise<EventsQuery>;
}

/**
 * A connector's events, each JSON line parsed once: DuckDB's typed reader (`read_json` with the columns
 * the connector reads, one scan per thread WITH ORDINALITY so lines keep their numbers) reads the files
 * whose first line is a JSON object, straight into ingest's aggregate; only the files where it met a line it
 * may not show exactly, and whole-document files, go through the text path (read_json_objects, then the
 * connector's SQL over each record's text), which quarantines malformed lines with their text. Reading
 * lines as text first and extracting fields after parses every record twice: 2–5x slower on wide records.
 * When the typed read fails (a corrupt gzip), every file takes the text path, which fails as it always did.
 */
export async function typedLines(db: Db, files: string[], t: TypedLines): Promise<EventsQuery> {
  await db.run(JSON_VALUE_MACROS);
  const modes = await mapLimit(files, 16, readMode);
  const typed = files.filter((_, i) => modes[i] === 'lines');
  if (!typed.length) return t.text(files);
  const foreign = Object.keys(FOREIGN_KEYS).map((k) => `"${k}" IS NOT NULL`).join(' OR ');
  const scan = await numberedScans(db, typed, {
    name: 'typed', columns: { ...FOREIGN_KEYS, ...t.columns }, select: `${quoted(t.columns)}, ${foreign} AS foreign_keys`,
    options: `ignore_errors = true, maximum_object_size = ${MAX_OBJECT}`,
  });
  return typedThenText({
    sql: `WITH typed_lines AS (${scan.sql}) SELECT * FROM (${t.sql})`,
    params: { ...t.params, ...scan.params },
    files,
    typed,
    text: t.text,
  });
}

/**
 * `(file, ord, <columns>)`: one row per line of `files`, read by DuckDB's typed reader with `columns`
 * (read_json's, e.g. `{Records: 'STRUCT(…)[]'}`), numbered WITH ORDINALITY, one scan per thread (a numbered
 * scan runs on one). Strict: a line that is not a JSON object (or is pretty-printed, or starts with a
 * byte-order mark), or a container of another type, fails the scan; a connector's fast path then hands
 * the batch to its text path (typedThenText, retry.ts).
 */
export async function strictLinesScan(
  db: Db, files: string[], columns: Record<string, string>, maxObjectBytes = MAX_OBJECT,
): Promise<{ sql: string; params: Params }> {
  return numberedScans(db, files, {
    name: 'strict', columns, select: quoted(columns), options: `records = true, maximum_object_size = ${maxObjectBytes}`,
  });
}

/** How numberedScans reads: its list parameters' name, read_json's columns and options, what each row selects. */
interface NumberedScan {
  name: string;
  columns: Record<string, string>;
  select: string;
  options: string;
}

/**
 * `(file, ord, <select>)`: read_json over JSON Lines files, numbered WITH ORDINALITY, the files dealt into one
 * scan per thread (a numbered scan runs on one); their lists are the parameters `<name>0`, `<name>1`, …
 */
async function numberedScans(db: Db, files: string[], s: NumberedScan): Promise<{ sql: string; params: Params }> {
  const params: Params = {};
  const spec = `{${Object.entries(s.columns).map(([k, v]) => `'${k.replaceAll("'", "''")}': '${v}'`).join(', ')}}`;
  const parts = dealFiles(files, await db.threads()).map((list, i) => {
    params[`${s.name}${i}`] = list.map(literalPath);
    return `SELECT filename AS file, ordinality AS ord, ${s.select}
      FROM read_json($${s.name}${i}, format = 'newline_delimited', filename = true, ${s.options}, columns = ${spec}) WITH ORDINALITY`;
  });
  return { sql: parts.join('\nUNION ALL\n'), params };
}

/** The keys as quoted column names, in order. */
const quoted = (columns: Record<string, string>) => Object.keys(columns).map((k) => `"${k.replaceAll('"', '""')}"`).join(', ');

/** What typedThenText joins: a typed fast path over some files, and the text path. */
export interface TypedThenText {
  /** A SELECT over the `typed` files returning EVENT_COLUMNS (raw may be NULL) and `suspect`. */
  sql: string;
  params: Params;
  /** All the files, in order, and those `sql` reads. */
  files: string[];
  typed: string[];
  /** The connector's text path over some of the files. */
  text: (files: string[]) => Promise<EventsQuery>;
}

/**
 * A typed fast path, with the text path for what it may not show exactly: the files it does not read
 * take the text path in the same query, and a file with a suspect row is handed to it afterwards
 * (its rows marked RETRY_AS_TEXT: retry.ts runs it again as text). When the fast path fails (a line
 * that is not JSON, a value of another type, a corrupt gzip), every file takes the text path.
 */
export async function typedThenText(t: TypedThenText): Promise<EventsQuery> {
  const typed = new Set(t.typed);
  const rest = t.files.filter((f) => !typed.has(f));
  const other = rest.length ? await t.text(rest) : undefined;
  const columns = EVENT_COLUMNS.map((c) =>
    c === 'drop_reason' ? `CASE WHEN coalesce(suspect, false) THEN '${RETRY_AS_TEXT}' ELSE drop_reason END AS drop_reason`
    : c === 'quarantine' ? 'quarantine AND NOT coalesce(suspect, false) AS quarantine'
    : c,
  );
  const fast = `SELECT ${columns.join(', ')} FROM (${t.sql})`;
  return {
    sql: other ? `${fast}\nUNION ALL\nSELECT ${EVENT_COLUMNS.join(', ')} FROM (${other.sql})` : fast,
    params: { ...t.params, ...other?.params },
    cleanup: async () => other?.cleanup?.(),
    text: t.text,
  };
}
