import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Db } from '../core/db.js';
import { ingest } from '../ingest/index.js';
import { config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { parseFiles } from './_shared/parse.js';
import { casesDir } from './_shared/testkit.js';
import { connectors } from './index.js';

/**
 * Property tests shared by every connector that reads JSON lines: truncated, garbled and
 * type-confused records never crash a connector, and every input record ends as an event or a
 * counted drop. Seeds are the connector's own golden inputs, mutated.
 */
const LINE_BASED = [...connectors.keys()].filter((id) => id !== 'csv' && existsSync(casesDir(id))).sort();

let db: Db;
let dir: string;
beforeAll(async () => {
  db = await Db.open({ threads: 2 });
  dir = await tempDir('lapse-prop-');
});
afterAll(() => db.close());

/** Golden input lines and options of a connector: the seeds to mutate. */
function seeds(id: string): { lines: string[]; options: unknown } {
  const lines: string[] = [];
  let options: unknown = {};
  for (const c of readdirSync(casesDir(id)).sort()) {
    const caseDir = join(casesDir(id), c);
    for (const f of readdirSync(caseDir)) {
      if (f.startsWith('input') && !f.endsWith('.gz')) {
        lines.push(...readFileSync(join(caseDir, f), 'utf8').split('\n').filter(isJson));
      }
    }
    const opt = join(caseDir, 'options.json');
    if (existsSync(opt)) options = JSON.parse(readFileSync(opt, 'utf8'));
  }
  return { lines, options };
}

function isJson(line: string): boolean {
  try {
    return line.trim() !== '' && typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
}

/** Replaces one value somewhere in a JSON object with a value of another type. */
function confuse(value: unknown, pick: number, replacement: unknown): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [k, v] = entries[pick % entries.length]!;
  return { ...(value as object), [k]: pick % 3 === 0 ? replacement : confuse(v, Math.floor(pick / 3), replacement) };
}

function mutation(seedLines: string[]) {
  const seed = fc.constantFrom(...seedLines);
  return fc.oneof(
    seed,
    fc.tuple(seed, fc.nat()).map(([l, n]) => l.slice(0, n % Math.max(1, l.length))),
    fc.tuple(seed, fc.nat(), fc.jsonValue()).map(([l, n, r]) => JSON.stringify(confuse(JSON.parse(l), n, r))),
    fc.tuple(seed, fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([l, n, s]) => {
      const i = n % Math.max(1, l.length);
      return l.slice(0, i) + s + l.slice(i + 1);
    }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  ).map((l) => l.replaceAll('\n', ' ').replaceAll('\r', ' '));
}

describe.each(LINE_BASED)('connector %s under hostile input', (id) => {
  test('never crashes; every record is an event or a counted drop', async () => {
    const connector = connectors.get(id)!;
    const { lines, options } = seeds(id);
    expect(lines.length).toBeGreaterThan(0);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(lines), { minLength: 1, maxLength: 12 }), async (records) => {
        const nonBlank = records.filter((r) => r.trim() !== '');
        const file = join(dir, `${id}-${run++}.jsonl`);
        await writeFile(file, `${records.join('\n')}\n`);
        const rows = await parseFiles(db, connector, 'prop', options, [file]);
        const seen = new Set(rows.map((r) => r.record));
        expect([...seen].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(nonBlank.map((_, i) => i + 1));
        for (const r of rows) {
          if (r.drop_reason === null) {
            expect(r.time && r.principal && r.permission, JSON.stringify(r)).toBeTruthy();
          } else {
            expect(typeof r.quarantine).toBe('boolean');
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});

/** The first golden input of a connector (un-gzipped), its file name without `.gz`, and its options. */
function goldenInput(id: string): { name: string; text: string; options: Record<string, unknown> } {
  for (const c of readdirSync(casesDir(id)).sort()) {
    const caseDir = join(casesDir(id), c);
    const input = readdirSync(caseDir).sort().find((f) => f.startsWith('input'));
    if (!input) continue;
    const bytes = readFileSync(join(caseDir, input));
    const opt = join(caseDir, 'options.json');
    return {
      name: input.replace(/\.gz$/, ''),
      text: (input.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'),
      options: existsSync(opt) ? JSON.parse(readFileSync(opt, 'utf8')) : {},
    };
  }
  throw new Error(`no golden input for ${id}`);
}

/** A gzip of the input, made long, cut in the middle of its stream (a copy interrupted, a disk full). */
function truncatedGzip(text: string): Buffer {
  const long = text.endsWith('\n') ? text : `${text}\n`;
  const gz = gzipSync(long.repeat(Math.ceil(200_000 / long.length)));
  return gz.subarray(0, Math.floor(gz.length / 2));
}

describe.each([...connectors.keys()].sort())('connector %s with a truncated .gz or a name like a glob', (id) => {
  test('lapse parse quarantines the file whole', async () => {
    const { name, text, options } = goldenInput(id);
    const file = join(dir, `cut-${id}-${name}.gz`);
    await writeFile(file, truncatedGzip(text));
    const rows = await parseFiles(db, connectors.get(id)!, 'cut', options, [file]);
    expect(rows.map((r) => [r.record, r.drop_reason?.split(':')[0], r.quarantine])).toEqual([[null, 'unreadable_file', true]]);
  });

  test('a file named like a glob is read alone, once', async () => {
    const { name, text, options } = goldenInput(id);
    await writeFile(join(dir, `glob-${id}-A${name}`), text);
    const file = join(dir, `glob-${id}-*${name}`);
    await writeFile(file, text);
    const alone = await parseFiles(db, connectors.get(id)!, 'glob', options, [join(dir, `glob-${id}-A${name}`)]);
    const rows = await parseFiles(db, connectors.get(id)!, 'glob', options, [file]);
    expect(rows.length).toBe(alone.length);
    expect(new Set(rows.map((r) => r.file))).toEqual(new Set([file]));
  });

  test('ingest quarantines it and goes on with the rest of the batch', async () => {
    const { name, text, options } = goldenInput(id);
    const root = await tempDir(`lapse-cut-${id}-`);
    await writeFiles(root, {
      [`logs/good-${name}`]: text,
      'grants.jsonl': jsonl([{ principal: 'nobody', permission: 'nothing' }]),
      'people.csv': 'id,email,team,manager,status,aliases\nu1,u1@corp.example,eng,,active,\n',
    });
    await writeFile(join(root, `logs/cut-${name}.gz`), truncatedGzip(text));
    const cfg = config(root, {
      directory: { path: 'people.csv' },
      systems: { sys: { connector: id, logs: [{ path: 'logs/' }], grants: { path: 'grants.jsonl' }, ...options } },
    });
    const ctx = await stageContext(cfg);
    try {
      const report = (await ingest(ctx, '2026-06-30')).logs[0]!;
      const good = await parseFiles(db, connectors.get(id)!, 'cut', options, [join(root, `logs/good-${name}`)]);
      expect(report.files).toBe(2);
      expect(report.quarantined['unreadable_file']).toBe(1);
      expect(report.uses).toBe(good.filter((r) => r.drop_reason === null).length);
    } finally {
      ctx.close();
    }
  });
});
