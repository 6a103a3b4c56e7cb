import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { readJsonLines } from '../_shared/read-back.js';
import { jsonRecords } from '../_shared/json-records.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');

/** The Logging API's `entries.list` response (`{"entries": [...], "nextPageToken": ...}`) wraps entries. */
const WRAPPER = { when: `json_type(doc, '$.entries') = 'ARRAY'`, listPath: '$.entries' };

/**
 * Google Cloud Audit Logs: every successful call in an audit LogEntry (Admin Activity, Data Access, GKE
 * Kubernetes entries included) is a use of the caller's access to the project. Principal:
 * `protoPayload.authenticationInfo.principalEmail`, lower-cased; permission: `project/<project_id>`
 * (`project/<project_id>/<serviceName>` with `granularity: service`). Reads a log sink's JSON Lines,
 * `gcloud logging read --format=json` arrays, `.gz`. See connectors/gcp_audit/README.md.
 *
 * @example
 * systems:
 *   gcp:
 *     connector: gcp_audit
 *     logs: [{ path: logs/gcp/cloudaudit.googleapis.com/ }]
 *     grants: { path: grants/gcp-iam.jsonl, format: native }
 *     granularity: project
 */
export const gcpAudit = defineConnector({
  id: 'gcp_audit',
  title: 'Google Cloud Audit Logs',
  options: z.object({
    granularity: z
      .enum(['project', 'service'])
      .default('project')
      .describe(
        'project: permission project/<project_id> (matches project IAM policies). service: project/<project_id>/<serviceName> ' +
          '(e.g. project/prod-1/storage.googleapis.com); the native grants reader cannot produce these, so give a generic grants file.',
      ),
  }),
  async events({ options, files, db }) {
    const records = await jsonRecords(db, files, { prefix: 'gcp_audit', wrapper: WRAPPER });
    return {
      sql: `WITH gcp_records AS (${records.sql}) ${EVENTS_SQL}`,
      params: { ...records.params, by_service: options.granularity === 'service' },
      cleanup: records.cleanup,
    };
  },
  grants: {
    describe:
      'Project IAM allow policies: `gcloud projects get-iam-policy <project> --format=json` saved as <project_id>.json, or ' +
      'JSON Lines {project_id, policy} (one project a line) plus optional {group, members} lines to expand group: members',
    async query({ files, db }) {
      const records = await jsonRecords(db, files, { prefix: 'gcp_audit_grants' });
      return { sql: `WITH gcp_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`, params: records.params, cleanup: records.cleanup };
    },
  },
  // Only newline-delimited reads leave a record unparsed (see json-records.ts), so lines are what to read back.
  readRecords: readJsonLines,
  checks: sourceChecks,
  permissions: SOURCE_PERMISSIONS,
});
