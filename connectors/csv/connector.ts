import { z } from 'zod';
import { SOURCE_PERMISSIONS, sourceChecks } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { Mapping, mappingFields, normalizeSql } from '../_shared/mapping.js';
import { stageRecords } from '../_shared/records.js';

const ROWS = 'lapse_csv_rows';

/**
 * Generic CSV logs with a header row and a field mapping (`.gz` too). Quoting follows RFC 4180.
 * Rows DuckDB's CSV reader rejects (wrong column count, bad quoting, bad UTF-8) are quarantined with
 * their line number and text.
 *
 * @example
 * systems:
 *   warehouse:
 *     connector: csv
 *     logs: [{ path: logs/warehouse/*.csv.gz }]
 *     grants: { path: grants/warehouse.csv }
 *     mapping: { time: query_time, principal: user_name, permission: role_name }
 */
export const csv = defineConnector({
  id: 'csv',
  title: 'Generic CSV',
  options: z.object({
    mapping: Mapping,
    delimiter: z.string().length(1).default(',').describe('Field separator.'),
  }),
  async events({ options, files, db }) {
    const fields = mappingFields(options.mapping);
    await stageRecords(db, ROWS, files, fields, 'csv', options.delimiter);
    const index = new Map(fields.map((f, i) => [f, i + 1]));
    const normalized = normalizeSql(options.mapping, (name) => `v[${index.get(name)}]`, ROWS);
    return {
      ...normalized,
      cleanup: () => db.run(`DROP TABLE IF EXISTS ${ROWS}`),
    };
  },
  // Every CSV row carries its text from the reader, so nothing needs reading back.
  async readRecords() {
    return new Map();
  },
  checks: sourceChecks,
  permissions: SOURCE_PERMISSIONS,
});
