import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { JSON_VALUE_MACROS, jsonRecords } from '../_shared/json-records.js';
import { readJsonLines } from '../_shared/read-back.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');
const MACROS_SQL = sqlFile(import.meta.url, 'macros.sql');

/** The diagnostic-settings export (`{"records":[…]}`) and REST pages (`{"value":[…]}`) wrap their events. */
const WRAPPERS = [
  { when: `json_type(doc, '$.records') = 'ARRAY'`, listPath: '$.records' },
  { when: `json_type(doc, '$.value') = 'ARRAY'`, listPath: '$.value' },
];

/**
 * One way a grant comes, in the grants reader's `via` (`role:<name>`, `role:<name> (group:<g>)`), whose use
 * the activity log never shows: a Reader role (reads are not logged) or a data-plane role (blob, queue, key
 * vault data operations are in resource logs, not here).
 */
const UNOBSERVED_ROLE = String.raw`role:(?:[^;(]* )?(?:Reader|Data (?:[^;(]* )?(?:Reader|Contributor|Owner|Sender|Receiver|User|Officer))(?: \(group:[^;]*\))?`;

/**
 * Azure activity log: a successful write, delete or action by a user is a use of the role assignment scope
 * it exercised. Principal: the caller's UPN, lower-cased; permission: `sub/<subscription id>/rg/<resource
 * group>` (`sub/<id>` with `granularity: subscription`). Reads are not in the activity log, so Reader roles
 * cannot be judged unused: `unobserved` says so, for detect's observation-window guard. Reads the diagnostic-settings
 * export, `az monitor activity-log list` JSON and the Python SDK's snake_case. See
 * connectors/azure_activity/README.md.
 *
 * @example
 * systems:
 *   azure:
 *     connector: azure_activity
 *     logs: [{ path: logs/azure-activity/ }]
 *     grants: { path: grants/azure-role-assignments.json, format: native }
 *     granularity: resource_group
 */
export const azureActivity = defineConnector({
  id: 'azure_activity',
  title: 'Azure activity log',
  options: z.object({
    granularity: z
      .enum(['resource_group', 'subscription'])
      .default('resource_group')
      .describe(
        'resource_group: permission sub/<id>/rg/<name> (resources count as their group; assignments on a subscription ' +
          'stay sub/<id>). subscription: sub/<id> for everything in the subscription, grants too.',
      ),
  }),
  unobserved: {
    via: `^${UNOBSERVED_ROLE}(?:;${UNOBSERVED_ROLE})*$`,
    why: 'the activity log shows only writes: a grant through Reader or data-plane roles only cannot show use',
  },
  async events({ options, files, db }) {
    await db.run(JSON_VALUE_MACROS + MACROS_SQL);
    const records = await jsonRecords(db, files, { prefix: 'azure_activity', wrapper: WRAPPERS });
    return {
      sql: `WITH az_records AS (${records.sql}) SELECT * FROM (${EVENTS_SQL})`,
      params: { ...records.params, by_subscription: options.granularity === 'subscription' },
      cleanup: records.cleanup,
    };
  },
  grants: {
    describe:
      'Azure role assignments as `az role assignment list --all --include-inherited` prints them (a JSON array, or JSON ' +
      'Lines of its elements), plus optional {group, members} lines to expand Group assignments',
    async query({ options, files, db }) {
      await db.run(JSON_VALUE_MACROS + MACROS_SQL);
      const records = await jsonRecords(db, files, { prefix: 'azure_activity_grants', wrapper: WRAPPERS });
      return {
        sql: `WITH az_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`,
        params: { ...records.params, by_subscription: options.granularity === 'subscription' },
        cleanup: records.cleanup,
      };
    },
  },
  // Only newline-delimited reads leave a record unparsed (see json-records.ts), so lines are what to read back.
  readRecords: readJsonLines,
  checks: sourceChecks,
  // The Azure RBAC actions of the exports are in README.md: a Permission's service is 'aws' or 'jira'
  // (core/checks.ts), and lapse itself calls no Azure API.
  permissions: SOURCE_PERMISSIONS,
});
