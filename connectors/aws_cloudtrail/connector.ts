import { z } from 'zod';
import { sqlFile, type Db, type Params } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector, type EventsQuery } from '../_shared/define.js';
import { strictLinesScan, typedThenText } from '../_shared/json-records.js';
import { readJsonLines } from '../_shared/read-back.js';
import { identityCenterGrants } from './grants.js';
import { layoutOf, MAX_OBJECT_BYTES, scanSql, type Layout } from './scan.js';
import { DOCUMENT, RECORD, jsonStructure, sqlType } from './record.js';

const DOCUMENTS_SQL = sqlFile(import.meta.url, 'documents.sql');
const TYPED_SQL = sqlFile(import.meta.url, 'typed.sql');
const RECORDS_SQL = sqlFile(import.meta.url, 'records.sql');
const MACROS_SQL = sqlFile(import.meta.url, 'macros.sql')
  .replaceAll('{{DOCUMENT}}', jsonStructure(DOCUMENT))
  .replaceAll('{{RECORD}}', jsonStructure(RECORD))
  .replaceAll('{{RECORD_TYPE}}', sqlType(RECORD));

/**
 * AWS CloudTrail: every successful API call is a use of the permission the caller's identity holds.
 * IAM Identity Center sessions (role `AWSReservedSSO_<PermissionSet>_<hex>`) use
 * `<account_id>/<PermissionSet>` and are named by the session name (the sign-in name, e-mails
 * lower-cased); other role sessions use `<account_id>/role/<RoleName>`; IAM users use
 * `<account_id>/iam_user`. Reads S3 log files (`{"Records":[...]}`, `.json.gz`, also pretty-printed),
 * JSON Lines of records or of log files, and LookupEvents results. See connectors/aws_cloudtrail/README.md.
 *
 * Log files whose every line is a JSON object take DuckDB's typed reader (typed.sql: each parsed once
 * into the fields records.sql reads); the rest, and files with a record to quarantine, are read as text
 * (documents.sql), which keeps every record's text. 5,000 S3 log files of ~15 records (the 2,000-person
 * bench): 1.6 s typed, 3.0 s as text, plus 0.45 s to probe their layout, which the typed path skips.
 *
 * @example
 * systems:
 *   aws:
 *     connector: aws_cloudtrail
 *     logs: [{ path: logs/cloudtrail/AWSLogs/ }]
 *     grants: { path: grants/identity-center-assignments.jsonl, format: native }
 *     include_read_only: true
 */
export const awsCloudtrail = defineConnector({
  id: 'aws_cloudtrail',
  title: 'AWS CloudTrail',
  options: z.object({
    include_read_only: z
      .boolean()
      .default(true)
      .describe(
        'Count read-only calls (readOnly: true, e.g. Describe*, List*, Get*) as uses. When false they end as ' +
          'read_only, so a permission set used only to look around is reported as unused.',
      ),
  }),
  async events({ options, files, db }) {
    await db.run(MACROS_SQL);
    const judged = { include_read_only: options.include_read_only };
    // Log files as CloudTrail writes them are one JSON line each: all are read typed, unprobed; a batch
    // holding any other layout fails that read, and its files are probed (probedEvents).
    return typedEvents(db, files, files, judged, (some) => probedEvents(db, some, judged));
  },
  grants: {
    describe:
      'IAM Identity Center account assignments: JSON Lines (or a JSON array) of {AccountId, PermissionSetName, ' +
      'PrincipalType, UserName, GroupName} as written by connectors/aws_cloudtrail/export-assignments.sh',
    query: ({ files, db }) => identityCenterGrants(db, files),
  },
  // Only lines DuckDB could not parse lack their text; whole-document files are read only once they
  // are known to parse, so their records always have it.
  readRecords: readJsonLines,
  checks: sourceChecks,
  permissions: SOURCE_PERMISSIONS,
});

/**
 * The typed path over `typed` (typed.sql, records.sql), the files it hands back or cannot read going
 * to `text`; `files` is all of them, the rest of which `text` reads in the same query.
 */
async function typedEvents(
  db: Db, files: string[], typed: string[], judged: Params, text: (files: string[]) => Promise<EventsQuery>,
): Promise<EventsQuery> {
  const scan = await strictLinesScan(db, typed, { Records: `${sqlType(RECORD)}[]` }, MAX_OBJECT_BYTES);
  return typedThenText({
    sql: `SELECT *, quarantine OR drop_reason = 'not_a_log_file' AS suspect
      FROM (WITH aws_cloudtrail_typed_src AS (${scan.sql}), ${TYPED_SQL}, ${RECORDS_SQL}\n)`,
    params: { ...scan.params, ...judged },
    files,
    typed,
    text,
  });
}

/** Files probed first (layoutOf): line files are read typed again, the others and what that hands back as text. */
async function probedEvents(db: Db, files: string[], judged: Params): Promise<EventsQuery> {
  const layout = await layoutOf(db, files);
  const text = (some: string[]) => textEvents(db, layout, new Set(some), judged);
  return layout.lines.length ? typedEvents(db, files, layout.lines, judged, text) : text(files);
}

/** The text path over `some` of the files, each read as its layout says. */
async function textEvents(db: Db, layout: Layout, some: Set<string>, judged: Params): Promise<EventsQuery> {
  const only = (list: string[]) => list.filter((f) => some.has(f));
  const src = await scanSql(db, { lines: only(layout.lines), documents: only(layout.documents), unreadable: only(layout.unreadable) });
  return {
    sql: `WITH aws_cloudtrail_src AS (${src.sql}), ${DOCUMENTS_SQL}, ${RECORDS_SQL}\n`,
    params: { ...src.params, ...judged },
  };
}
