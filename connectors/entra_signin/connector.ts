import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { JSON_VALUE_MACROS, jsonRecords } from '../_shared/json-records.js';
import { readJsonLines } from '../_shared/read-back.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');
const MACROS_SQL = sqlFile(import.meta.url, 'macros.sql');

/** Azure Monitor exports (`{"records":[…]}`) and Microsoft Graph pages (`{"value":[…]}`) wrap their records. */
export const AZURE_WRAPPERS = [
  { when: `json_type(doc, '$.records') = 'ARRAY'`, listPath: '$.records' },
  { when: `json_type(doc, '$.value') = 'ARRAY'`, listPath: '$.value' },
];

/**
 * Microsoft Entra ID sign-in logs: a successful interactive or non-interactive sign-in by a user to an
 * application is a use of the user's assignment to that enterprise application. Principal:
 * `userPrincipalName`, lower-cased; permission: `app/<appId>`. Reads the Azure Monitor diagnostic export
 * (categories SignInLogs, NonInteractiveUserSignInLogs; JSON Lines or `{"records":[…]}`), Microsoft Graph
 * `GET /auditLogs/signIns` pages (`{"value":[…]}`), `.gz`. See connectors/entra_signin/README.md.
 *
 * @example
 * systems:
 *   entra:
 *     connector: entra_signin
 *     logs: [{ path: logs/entra/ }]
 *     grants: { path: grants/entra-assignments.jsonl, format: native }
 */
export const entraSignin = defineConnector({
  id: 'entra_signin',
  title: 'Microsoft Entra ID sign-in logs',
  options: z.object({}),
  async events({ files, db }) {
    await db.run(JSON_VALUE_MACROS + MACROS_SQL);
    const records = await jsonRecords(db, files, { prefix: 'entra_signin', wrapper: AZURE_WRAPPERS });
    return { sql: `WITH entra_records AS (${records.sql}) SELECT * FROM (${EVENTS_SQL})`, params: records.params, cleanup: records.cleanup };
  },
  grants: {
    describe:
      'Entra app role assignments as Microsoft Graph returns them: service principals with their appRoleAssignedTo ' +
      '(GET /servicePrincipals?$expand=appRoleAssignedTo), users {id, userPrincipalName} and groups {id, displayName, ' +
      'members}, JSON Lines or Graph pages; connectors/entra_signin/export-assignments.sh writes them',
    async query({ files, db }) {
      const records = await jsonRecords(db, files, { prefix: 'entra_signin_grants', wrapper: AZURE_WRAPPERS });
      return { sql: `WITH entra_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`, params: records.params, cleanup: records.cleanup };
    },
  },
  // Only newline-delimited reads leave a record unparsed (see json-records.ts), so lines are what to read back.
  readRecords: readJsonLines,
  checks: sourceChecks,
  // The Graph permissions of the Graph reads and the assignments export are in README.md: a Permission's
  // service is 'aws' or 'jira' (core/checks.ts), and lapse itself calls no Microsoft API.
  permissions: SOURCE_PERMISSIONS,
});
