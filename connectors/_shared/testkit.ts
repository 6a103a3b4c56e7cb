import { afterAll, beforeAll } from 'vitest';
import { Db } from '../../core/db.js';
import { tempDir } from '../../test/helpers.js';
import type { Connector } from './define.js';
import { parseFiles, type ParsedRecord } from './parse.js';
import { RETRY_AS_TEXT } from './retry.js';
import { SETUP_SQL } from './sql.js';

/**
 * For a connector's own tests: an engine and a scratch directory for the test file (opened before,
 * closed after), and `parse(files, options?)` running the connector as `lapse parse` does.
 */
export function connectorKit(connector: Connector, system: string, defaults: unknown = {}) {
  const kit = {
    db: undefined as unknown as Db,
    dir: '',
    parse: (files: string[], options: unknown = defaults) => parseFiles(kit.db, connector, system, options, files),
  };
  beforeAll(async () => {
    kit.db = await Db.open({ threads: 2 });
    await kit.db.run(SETUP_SQL);
    kit.dir = await tempDir(`lapse-${connector.id}-`);
  });
  afterAll(() => kit.db.close());
  return kit;
}

/**
 * The connector reading only by its text path (EventsQuery.text, to the innermost), so a fast path's
 * results can be compared with what the text path reads from the same files.
 */
export function textOnly(connector: Connector): Connector {
  return {
    ...connector,
    async events(input) {
      let query = await connector.events(input);
      while (query.text) {
        await query.cleanup?.();
        query = await query.text(input.files);
      }
      return query;
    },
  };
}

/** The files a connector's fast path hands to its text path (drop reason RETRY_AS_TEXT), sorted. */
export async function handedBack(db: Db, connector: Connector, options: unknown, files: string[]): Promise<string[]> {
  const q = await connector.events({ system: 'test', options: connector.options.parse(options), files, db });
  try {
    const rows = await db.all<{ file: string }>(`SELECT DISTINCT file FROM (${q.sql}) WHERE drop_reason = $r ORDER BY file`, { ...q.params, r: RETRY_AS_TEXT });
    return rows.map((r) => r.file);
  } finally {
    await q.cleanup?.();
  }
}

/** How many records ended as a use (`use`) or with each drop reason. */
export function reasons(rows: ParsedRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.drop_reason ?? 'use'] = (out[r.drop_reason ?? 'use'] ?? 0) + 1;
  return out;
}

/** A connector's golden cases: `connectors/<id>/cases/<case>/` (`input*`, `expected.jsonl`, optional `options.json`). */
export const casesDir = (id: string): string => new URL(`../${id}/cases/`, import.meta.url).pathname;
