import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Db } from '../../core/db.js';
import { tempDir } from '../../test/helpers.js';
import { connectors } from '../index.js';
import { parseFiles, type ParsedRecord } from './parse.js';
import { casesDir, handedBack } from './testkit.js';

/**
 * typedLines (json-records.ts) reads JSON Lines with DuckDB's typed reader and sends a file with a line it
 * may not show exactly to the connector's text path (Workspace's strictLinesScan: a batch the strict read
 * refuses goes to the text path whole). Both paths must judge every record alike: the same
 * lines are parsed once as they are (typed path) and once after a malformed first line (which sends the
 * file to the text path), and every record but that line must come out the same.
 */
const TYPED = ['okta_system_log', 'github_audit', 'google_workspace'];
const FOREIGN = ['aws_cloudtrail', 'gcp_audit', 'k8s_audit'];

let db: Db;
let dir: string;
beforeAll(async () => {
  db = await Db.open({ threads: 2 });
  dir = await tempDir('lapse-typed-');
});
afterAll(() => db.close());

function seeds(id: string): string[] {
  const lines: string[] = [];
  for (const c of readdirSync(casesDir(id)).sort()) {
    for (const f of readdirSync(join(casesDir(id), c))) {
      if (!f.startsWith('input') || f.endsWith('.gz')) continue;
      for (const l of readFileSync(join(casesDir(id), c, f), 'utf8').split('\n')) {
        if (isObject(l)) lines.push(l.trim());
      }
    }
  }
  return lines;
}

function isObject(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A value somewhere in a JSON object replaced with another (of any type), or a key dropped. */
function confuse(value: unknown, pick: number, replacement: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [k, v] = entries[pick % entries.length]!;
  if (pick % 7 === 6) return Object.fromEntries(entries.filter(([key]) => key !== k));
  return { ...(value as object), [k]: pick % 3 === 0 ? replacement : confuse(v, Math.floor(pick / 3), replacement) };
}

/** Two lines the typed path reads as uses itself (not handing them to the text path). */
async function uses(id: string, lines: string[]): Promise<string[]> {
  const connector = connectors.get(id)!;
  const files = await Promise.all(lines.map(async (l, i) => {
    const file = join(dir, `${id}-seed-${i}.jsonl`);
    await writeFile(file, `${l}\n`);
    return file;
  }));
  const rows = await parseFiles(db, connector, 'typed', {}, files);
  // A strict typed read (Workspace) fails a whole batch it cannot read: each file on its own, then.
  const back = new Set(await handedBack(db, connector, {}, files).catch(async () => {
    const each = await Promise.all(files.map((f) => handedBack(db, connector, {}, [f]).catch(() => [f])));
    return each.flat();
  }));
  return rows.filter((r) => r.drop_reason === null && !back.has(r.file)).slice(0, 2).map((r) => lines[files.indexOf(r.file)]!);
}

/** Each string in a line, in turn, replaced by a number DuckDB spells otherwise as a DOUBLE than as JSON. */
function numbersForStrings(line: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown, set: (x: unknown) => void) => {
    if (typeof v === 'string') {
      set(1.363424559111738e83);
      out.push(JSON.stringify(root));
      set(v);
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) walk(o[k], (x) => (o[k] = x));
    }
  };
  const root: unknown = JSON.parse(line);
  walk(root, () => undefined);
  return out;
}

const comparable = (r: ParsedRecord) => ({ ...r, file: undefined, record: undefined, raw: undefined });

describe.each(TYPED)('connector %s', (id) => {
  test('the typed and the text path judge every line alike', async () => {
    const connector = connectors.get(id)!;
    const seed = fc.constantFrom(...seeds(id));
    // Other vendors' records, alone or merged into one of this vendor's: checkFormat must name them alike.
    const other = fc.constantFrom(...FOREIGN.flatMap(seeds));
    const line = fc.oneof(
      seed,
      other,
      fc.tuple(seed, other).map(([a, b]) => JSON.stringify({ ...JSON.parse(a), ...JSON.parse(b) })),
      fc.tuple(seed, fc.nat(), fc.jsonValue()).map(([l, n, r]) => JSON.stringify(confuse(JSON.parse(l), n, r))),
      fc.tuple(seed, fc.nat(), fc.jsonValue()).map(([l, n, r]) => JSON.stringify(confuse(confuse(JSON.parse(l), n, r), n >> 3, null))),
    );
    const examples = (await uses(id, seeds(id))).flatMap(numbersForStrings).map((l) => [[l]] as [string[]]);
    expect(examples.length).toBeGreaterThan(10);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 10 }), async (lines) => {
        const typed = join(dir, `${id}-${run}-typed.jsonl`);
        const text = join(dir, `${id}-${run++}-text.jsonl`);
        await writeFile(typed, `${lines.join('\n')}\n`);
        await writeFile(text, `{"not json\n${lines.join('\n')}\n`);
        const a = await parseFiles(db, connector, 'typed', {}, [typed]);
        const b = await parseFiles(db, connector, 'typed', {}, [text]);
        expect(b[0]!.drop_reason).toBe('malformed_json');
        expect(a.map(comparable)).toEqual(b.slice(1).map(comparable));
      }),
      // Examples: a number DuckDB spells e+83 as a DOUBLE and e83 as JSON, where a string was: a VARCHAR column
      // on the typed path showed it otherwise than the text path. One line a file, since one suspect line sends
      // the file to the text path. The time limit: a failure is reported, shrunk or not, before the test's.
      { numRuns: 40, examples, interruptAfterTimeLimit: 40_000 },
    );
  });
});
