import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { readJsonLines } from '../_shared/read-back.js';
import { jsonRecords, typedLines } from '../_shared/json-records.js';
import { OKTA_PERMISSIONS, oktaChecks } from './checks.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
const FIELDS_SQL = sqlFile(import.meta.url, 'fields.sql');
const TYPED_SQL = sqlFile(import.meta.url, 'typed.sql');

/**
 * What typed.sql reads of each line, as JSON: a VARCHAR column would spell a number as DuckDB writes a DOUBLE
 * (`1e+83`), not as json_extract_string on the text path does (`1e83`).
 */
const COLUMNS = {
  published: 'JSON', eventType: 'JSON', uuid: 'JSON', 'detail-type': 'JSON',
  actor: 'STRUCT(alternateId JSON, type JSON)', outcome: 'STRUCT(result JSON)',
  target: 'STRUCT(id JSON, type JSON, displayName JSON)[]',
};
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');

/**
 * Okta System Log: a successful single sign-on to an app (`user.authentication.sso`) is a use of the
 * user's assignment to that app. Principal: `actor.alternateId` (the login, lower-cased when it is an
 * e-mail); permission: `app/<AppInstance id>`. Reads `/api/v1/logs` NDJSON, API pages (a JSON array,
 * compact or pretty-printed) and `.gz`. See connectors/okta_system_log/README.md.
 *
 * @example
 * systems:
 *   okta:
 *     connector: okta_system_log
 *     logs: [{ path: logs/okta/ }]
 *     grants: { path: grants/okta-app-users.jsonl, format: native }
 *     use_event_types: [user.authentication.sso]
 */
export const oktaSystemLog = defineConnector({
  id: 'okta_system_log',
  title: 'Okta System Log',
  options: z.object({
    use_event_types: z
      .array(z.string().min(1))
      .min(1)
      .default(['user.authentication.sso'])
      .describe(
        'System Log eventTypes that count as a use of the app named by their AppInstance target. The actor must be ' +
          'the user; events whose actor is a client app (e.g. app.oauth2.* token grants) end as service_principal.',
      ),
  }),
  async events({ options, files, db }) {
    const params = { use_events: options.use_event_types };
    // Lines of events are read by DuckDB's typed reader, each parsed once; the rest as text (json-records.ts).
    return typedLines(db, files, {
      columns: COLUMNS,
      sql: `WITH okta_fields AS (${TYPED_SQL}) SELECT * FROM (${EVENTS_SQL})`,
      params,
      async text(some) {
        const records = await jsonRecords(db, some, { prefix: 'okta_system_log' });
        return {
          sql: `WITH okta_records AS (${records.sql}), okta_fields AS (${FIELDS_SQL}) SELECT * EXCLUDE (suspect) FROM (${EVENTS_SQL})`,
          params: { ...records.params, ...params },
          cleanup: records.cleanup,
        };
      },
    });
  },
  grants: {
    describe:
      'Okta app assignments: Application User objects from GET /api/v1/apps/{appId}/users?expand=user (JSON Lines or ' +
      'the API pages as returned), or JSON Lines {appId, login, created, scope, group}',
    async query({ files, db }) {
      const records = await jsonRecords(db, files, { prefix: 'okta_system_log_grants' });
      return {
        sql: `WITH okta_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`,
        params: records.params,
        cleanup: records.cleanup,
      };
    },
  },
  // Only records DuckDB could not parse lack their text, and those are always numbered by line
  // (a whole-document file that fails to parse is re-read line by line).
  readRecords: readJsonLines,
  checks: oktaChecks,
  permissions: [...SOURCE_PERMISSIONS, ...OKTA_PERMISSIONS],
});
