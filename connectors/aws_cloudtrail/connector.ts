import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { readJsonLines } from '../_shared/read-back.js';
import { identityCenterGrants } from './grants.js';
import { scanSql } from './scan.js';
import { DOCUMENT, RECORD, jsonStructure, sqlType } from './record.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
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
    const src = await scanSql(db, files);
    return {
      sql: `WITH aws_cloudtrail_src AS (${src.sql}) SELECT * FROM (${EVENTS_SQL}\n)`,
      params: { ...src.params, include_read_only: options.include_read_only },
    };
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
