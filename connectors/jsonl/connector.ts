import { z } from 'zod';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { readJsonLines } from '../_shared/read-back.js';
import { Mapping, mappingFields, normalizeSql } from '../_shared/mapping.js';
import { jsonLinesScan, jsonPath } from '../_shared/sql.js';

/**
 * Generic JSON Lines logs with a field mapping: one JSON object per line (`.gz` too).
 *
 * @example
 * systems:
 *   vault:
 *     connector: jsonl
 *     logs: [{ path: logs/vault/ }]
 *     grants: { path: grants/vault.csv }
 *     mapping: { time: ts, principal: auth.user, permission: "{mount}/{policy}",
 *                outcome: { field: result, success: [ok] } }
 */
export const jsonl = defineConnector({
  id: 'jsonl',
  title: 'Generic JSON Lines',
  options: z.object({ mapping: Mapping }),
  async events({ options, files, db }) {
    const fields = mappingFields(options.mapping);
    const scan = jsonLinesScan(files, await db.threads());
    const index = new Map(fields.map((f, i) => [f, i + 1]));
    const field = (name: string) => `v[${index.get(name)}]`;
    const from = `(
      SELECT file, ord, rec::VARCHAR AS raw,
        CASE WHEN rec IS NULL THEN 'malformed_json'
             WHEN json_type(rec) <> 'OBJECT' THEN 'not_an_object' END AS bad,
        CASE WHEN json_type(rec) = 'OBJECT' THEN json_extract_string(rec, $paths) END AS v
      FROM (${scan.sql})
    )`;
    const normalized = normalizeSql(options.mapping, field, from);
    return { sql: normalized.sql, params: { ...scan.params, ...normalized.params, paths: fields.map(jsonPath) } };
  },
  readRecords: readJsonLines,
  checks: sourceChecks,
  permissions: SOURCE_PERMISSIONS,
});
