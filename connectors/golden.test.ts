import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Db } from '../core/db.js';
import { parseFiles, type ParsedRecord } from './_shared/parse.js';
import { casesDir } from './_shared/testkit.js';
import { connectors } from './index.js';

/**
 * Golden cases of every registered connector: `connectors/<id>/cases/<case>/` holds one or more `input*`
 * files, an optional `options.json` (the connector's config keys) and `expected.jsonl`: one line per input
 * record, in file order, with the normalized event or the reason it was dropped. (test/plugins.test.ts
 * fails for a connector without cases.)
 */

let db: Db;
beforeAll(async () => {
  db = await Db.open({ threads: 2 });
});
afterAll(() => db.close());

/** The comparable part of a parsed record: no file paths or raw text. */
function comparable(r: ParsedRecord) {
  const at: Record<string, unknown> = r.sub === null ? { record: r.record } : { record: r.record, sub: r.sub };
  if (r.drop_reason !== null) return { ...at, drop_reason: r.drop_reason, quarantine: r.quarantine };
  const out: Record<string, unknown> = { ...at, time: r.time, principal: r.principal, permission: r.permission };
  if (r.action !== null) out['action'] = r.action;
  if (r.resource !== null) out['resource'] = r.resource;
  if (r.event_id !== null) out['event_id'] = r.event_id;
  return out;
}

const ids = [...connectors.keys()].filter((id) => existsSync(casesDir(id))).sort();
describe.each(ids)('connector %s', (id) => {
  const cases = readdirSync(casesDir(id)).sort();
  test.each(cases)('%s', async (name) => {
    const dir = join(casesDir(id), name);
    const files = readdirSync(dir).filter((f) => f.startsWith('input')).sort().map((f) => join(dir, f));
    const optionsFile = join(dir, 'options.json');
    const options = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};
    const expected = readFileSync(join(dir, 'expected.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const rows = await parseFiles(db, connectors.get(id)!, 'golden', options, files);
    expect(rows.map(comparable)).toEqual(expected);
  });
});
