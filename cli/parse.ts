import { resolve } from 'node:path';
import { connectorById, connectors } from '../connectors/index.js';
import { parseFiles, type ParsedRecord } from '../connectors/_shared/parse.js';
import { Db } from '../core/db.js';
import { EXIT, UsageError } from '../core/errors.js';
import { expandPath } from '../ingest/files.js';
import { readConfig } from './config.js';
import type { Io } from './commands.js';
import { plural } from '../core/text.js';

export interface ParseOptions {
  connector?: string;
  config?: string;
  system?: string;
  options?: string;
  drops?: boolean;
  files: string[];
}

/**
 * `lapse parse`: runs one connector over files and prints the normalized events as JSONL on stdout,
 * with a per-reason account of every record that is not an event on stderr. The tool to reach for
 * when a source looks wrong. Holds the parsed records in memory: meant for samples, not a day of logs.
 */
export async function parseCommand(io: Io, o: ParseOptions): Promise<number> {
  const { id, options } = await connectorAndOptions(o);
  const db = await Db.open();
  try {
    const files = (await Promise.all(o.files.map((f) => expandPath(resolve(f))))).flat().map((f) => f.path);
    const rows = await parseFiles(db, connectorById(id), o.system ?? id, options, files);
    for (const r of rows) {
      if (r.drop_reason === null || o.drops) io.out(`${JSON.stringify(eventLine(r))}\n`);
    }
    process.stderr.write(report(rows, files.length));
    return EXIT.ok;
  } finally {
    db.close();
  }
}

async function connectorAndOptions(o: ParseOptions): Promise<{ id: string; options: unknown }> {
  let options: Record<string, unknown> = {};
  let id = o.connector;
  if (o.config) {
    if (!o.system) throw new UsageError('--config needs --system NAME: whose connector options to use');
    const config = await readConfig(o.config);
    const sys = config.systems[o.system];
    if (!sys) throw new UsageError(`--system ${o.system}: not in ${o.config}; configured: ${Object.keys(config.systems).join(', ')}`);
    id ??= sys.connector;
    options = sys;
  }
  if (o.options) {
    try {
      options = { ...options, ...(JSON.parse(o.options) as Record<string, unknown>) };
    } catch (err) {
      throw new UsageError(`--options: not JSON: ${(err as Error).message}`);
    }
  }
  if (!id) throw new UsageError('give --connector ID (or --config FILE --system NAME)');
  if (!connectors.has(id)) throw new UsageError(`--connector ${id}: unknown; valid: ${[...connectors.keys()].join(', ')}`);
  const parsed = connectorById(id).options.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
    throw new UsageError(`connector ${id} options: ${issues}`);
  }
  return { id, options };
}

function eventLine(r: ParsedRecord) {
  const at = { file: r.file, record: r.record, ...(r.sub !== null && { sub: r.sub }) };
  if (r.drop_reason !== null) return { ...at, drop_reason: r.drop_reason, quarantine: r.quarantine };
  return {
    time: r.time, principal: r.principal, permission: r.permission, action: r.action, resource: r.resource, event_id: r.event_id, ...at,
  };
}

function report(rows: ParsedRecord[], files: number): string {
  const events = rows.filter((r) => r.drop_reason === null).length;
  const tally = (q: boolean) => {
    const m = new Map<string, number>();
    for (const r of rows) {
      if (r.drop_reason === null || r.quarantine !== q) continue;
      const reason = r.drop_reason.split(': ')[0]!;
      m.set(reason, (m.get(reason) ?? 0) + 1);
    }
    return [...m].sort(([, a], [, b]) => b - a);
  };
  const lines = [`parsed ${plural(files, 'file')}: ${plural(rows.length, 'record')} → ${plural(events, 'event')}`];
  for (const [label, q] of [['skipped', false], ['quarantined', true]] as const) {
    const t = tally(q);
    const total = t.reduce((a, [, c]) => a + c, 0);
    lines.push(`${label} ${total}${t.length ? ':' : ''}`);
    for (const [reason, count] of t) lines.push(`  ${String(count).padStart(7)}  ${reason}`);
  }
  const examples = rows.filter((r) => r.quarantine).slice(0, 5);
  if (examples.length) lines.push('first quarantined records:');
  for (const r of examples) {
    const where = `${r.file}:${r.record ?? '?'}${r.sub !== null ? `[${r.sub}]` : ''}`;
    lines.push(`  ${where} ${r.drop_reason}: ${(r.raw ?? '').slice(0, 160)}`);
  }
  return `${lines.join('\n')}\n`;
}
