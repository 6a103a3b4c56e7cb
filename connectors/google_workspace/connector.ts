import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { JSON_VALUE_MACROS, jsonRecords, strictLinesScan, typedThenText } from '../_shared/json-records.js';
import { readJsonLines } from '../_shared/read-back.js';

const TEXT_SQL = sqlFile(import.meta.url, 'text.sql');
const TYPED_SQL = sqlFile(import.meta.url, 'typed.sql');
const JUDGE_SQL = sqlFile(import.meta.url, 'judge.sql');
/** judge.sql with the picked event's parameters as each path holds them (google_workspace_params). */
const JUDGE_TEXT = JUDGE_SQL.replace('{{PARAMS}}', 'google_workspace_params(evs[pick].parameters)');
const JUDGE_TYPED = JUDGE_SQL.replace('{{PARAMS}}', "{'list': evs[pick].parameters, 'object': NULL::JSON}");
/** What typed.sql reads of each line; JSON at the leaves, so a value's type shows as the text path sees it. */
const COLUMNS = {
  id: 'STRUCT(time JSON, applicationName JSON, uniqueQualifier JSON)',
  actor: 'STRUCT(email JSON, callerType JSON)',
  events: 'STRUCT(name JSON, parameters STRUCT(name JSON, value JSON, intValue JSON)[])[]',
  kind: 'JSON', name: 'JSON', parameters: 'JSON', items: 'JSON',
};
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');
const MACROS_SQL = sqlFile(import.meta.url, 'macros.sql');

/** The Reports and Directory APIs' list responses (`{"kind": …, "items": [...]}`) wrap their records. */
const WRAPPER = { when: `json_type(doc, '$.items') = 'ARRAY'`, listPath: '$.items' };
/** users.list pages list `users`. */
const USERS_WRAPPER = { when: `json_type(doc, '$.users') = 'ARRAY'`, listPath: '$.users' };

/**
 * Google Workspace Reports API: a SAML sign-in to an app (`saml` login_success) is a use of
 * `saml/<application_name>`; an OAuth token grant or use by an app (`token` authorize, activity) of
 * `oauth/<client_id>`; with `count_google_login`, a sign-in to Google (`login` login_success) of
 * `workspace/login`. Principal: `actor.email`, lower-cased. Reads `activities.list` pages, their JSON Lines
 * exports (also Elastic's and Panther's shapes), `.gz`. See connectors/google_workspace/README.md.
 *
 * @example
 * systems:
 *   workspace:
 *     connector: google_workspace
 *     logs: [{ path: logs/workspace/ }]
 *     grants: { path: grants/workspace-grants.jsonl, format: native }
 *     count_google_login: false
 */
export const googleWorkspace = defineConnector({
  id: 'google_workspace',
  title: 'Google Workspace Reports API',
  options: z.object({
    count_google_login: z
      .boolean()
      .default(false)
      .describe(
        'Count a sign-in to Google itself (application login, login_success) as a use of workspace/login. Off by default: ' +
          'everyone with a Workspace account signs in, so it only helps when workspace/login is a grant you review.',
      ),
  }),
  async events({ options, files, db }) {
    await db.run(JSON_VALUE_MACROS + MACROS_SQL);
    const judged = { count_login: options.count_google_login };
    // Activity lines of the API's shape are read by DuckDB's typed reader, each parsed once (typed.sql);
    // other shapes, and activities to quarantine, as text (text.sql), which keeps their text.
    const scan = await strictLinesScan(db, files, COLUMNS);
    return typedThenText({
      sql: `SELECT *, quarantine OR drop_reason = 'not_the_api_shape' AS suspect
        FROM (WITH gws_typed AS (${scan.sql}), ${TYPED_SQL}, ${JUDGE_TYPED}\n)`,
      params: { ...scan.params, ...judged },
      files,
      typed: files,
      async text(some) {
        const records = await jsonRecords(db, some, { prefix: 'google_workspace', wrapper: WRAPPER });
        return {
          sql: `WITH gws_records AS (${records.sql}), ${TEXT_SQL}, ${JUDGE_TEXT}\n`,
          params: { ...records.params, ...judged },
          cleanup: records.cleanup,
        };
      },
    });
  },
  grants: {
    describe:
      'OAuth tokens from the Directory API tokens.list ({user, clientId, displayText, scopes} per token) and SAML app ' +
      'assignments ({application_name, org_unit | group | user}) with the users ({primaryEmail, orgUnitPath}) and groups ' +
      '({group, members}) they reach; connectors/google_workspace/export-grants.sh writes them',
    async query({ files, db }) {
      const records = await jsonRecords(db, files, { prefix: 'google_workspace_grants', wrapper: [WRAPPER, USERS_WRAPPER] });
      return { sql: `WITH gws_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`, params: records.params, cleanup: records.cleanup };
    },
  },
  // Only newline-delimited reads leave a record unparsed (see json-records.ts), so lines are what to read back.
  readRecords: readJsonLines,
  checks: sourceChecks,
  // The Google API scopes of the exports are in README.md: a Permission's service is 'aws' or 'jira'
  // (core/checks.ts), and lapse itself calls no Google API.
  permissions: SOURCE_PERMISSIONS,
});
