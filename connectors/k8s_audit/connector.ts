import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { readJsonLines } from '../_shared/read-back.js';
import { jsonRecords } from '../_shared/json-records.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');

/** The webhook backend posts `{"kind":"EventList","items":[…]}` batches; kubectl prints `{"kind":"List",…}`. */
const LIST = { when: `json_type(doc, '$.items') = 'ARRAY' AND ends_with(json_extract_string(doc, '$.kind'), 'List')`, listPath: '$.items' };
/** Azure resource logs (AKS diagnostic settings to Event Hubs or storage) come as `{"records":[…]}`. */
const AZURE_RECORDS = { when: `json_type(doc, '$.records') = 'ARRAY'`, listPath: '$.records' };

/**
 * Kubernetes API server audit log: a successful request on a namespaced object is a use of the user's
 * access to that namespace; on a cluster-scoped object (or across all namespaces), of cluster-wide access.
 * Principal: `user.username` (the impersonated user under `--as`); permission: `<cluster>/<namespace>` or
 * `<cluster>/_cluster`. Reads the log backend's JSON Lines, webhook EventList batches, AKS diagnostic-setting
 * records (the event as a JSON string in `properties.log`, one record per line or `{"records":[…]}`), `.gz`.
 * See connectors/k8s_audit/README.md.
 *
 * @example
 * systems:
 *   prod_k8s:
 *     connector: k8s_audit
 *     cluster: prod-eu1
 *     logs: [{ path: logs/k8s/prod-eu1/ }]
 *     grants: { path: grants/prod-eu1-rbac.json, format: native }
 */
export const k8sAudit = defineConnector({
  id: 'k8s_audit',
  title: 'Kubernetes audit log',
  options: z.object({
    cluster: z
      .string()
      .min(1)
      .regex(/^[^/\s]+$/, 'no slashes or spaces')
      .describe('Name of the cluster these logs come from; every permission is <cluster>/<namespace> or <cluster>/_cluster.'),
  }),
  async events({ options, files, db }) {
    const records = await jsonRecords(db, files, { prefix: 'k8s_audit', wrapper: [LIST, AZURE_RECORDS] });
    return {
      sql: `WITH k8s_records AS (${records.sql}) ${EVENTS_SQL}`,
      params: { ...records.params, cluster: options.cluster },
      cleanup: records.cleanup,
    };
  },
  grants: {
    describe:
      'RBAC bindings: `kubectl get rolebindings,clusterrolebindings -A -o json` (User subjects; Group and ServiceAccount subjects skipped)',
    async query({ options, files, db }) {
      const records = await jsonRecords(db, files, { prefix: 'k8s_audit_grants', wrapper: LIST });
      return {
        sql: `WITH k8s_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`,
        params: { ...records.params, cluster: options.cluster },
        cleanup: records.cleanup,
      };
    },
  },
  // Only newline-delimited reads leave a record unparsed (see json-records.ts), so lines are what to read back.
  readRecords: readJsonLines,
  checks: sourceChecks,
  permissions: SOURCE_PERMISSIONS,
});
