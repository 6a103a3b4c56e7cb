import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateCloudTrail } from './cloudtrail.js';
import { generateVendor, VENDORS } from './vendors.js';

/**
 * Ingest benchmark: the same generated CloudTrail files (gzip `{"Records":[…]}` as delivered) read by
 * `lapse ingest` (end to end, as the CLI runs it), by lapse's engine part alone (connector SQL +
 * summarize.sql), by bare DuckDB (`read_json` with typed columns + GROUP BY), and by a naive Node
 * `JSON.parse` loop, each in its own process. Prints events/s, the ratios, and peak RSS.
 *
 * Then each other vendor connector (bench/vendors.ts) against bare DuckDB on its own generated files.
 *
 *   npm run bench -- ingest [--events 1000000] [--vendor-events 300000] [--vendors]
 *
 * `--vendors`: the vendor connectors only (no CloudTrail part).
 */

interface Result {
  seconds: number;
  max_rss_mb: number;
}

function child(which: string, arg: string): Result {
  const script = new URL('./child.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [script, which, arg], { encoding: 'utf8', env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' } });
  if (r.status !== 0) throw new Error(`${which} failed (${r.status}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(last) as Result;
}

async function lapseConfig(root: string, dir: string): Promise<string> {
  const run = join(root, 'ingest-run');
  await rm(run, { recursive: true, force: true });
  await mkdir(run, { recursive: true });
  await writeFile(join(run, 'people.csv'), 'id,email,team,manager,status\nu0,user0@corp.example,eng,,active\n');
  await writeFile(join(run, 'grants.jsonl'), '{"principal":"user0@corp.example","permission":"123456789012/ReadOnly"}\n');
  const config = join(run, 'lapse.yaml');
  await writeFile(
    config,
    [
      'store: ./lake',
      'directory: { path: people.csv }',
      'systems:',
      '  aws:',
      '    connector: aws_cloudtrail',
      `    logs: [{ path: ${JSON.stringify(dir)} }]`,
      '    grants: { path: grants.jsonl }',
      '',
    ].join('\n'),
  );
  return config;
}

export async function benchIngest(args: string[]): Promise<void> {
  const events = Number(args[args.indexOf('--events') + 1] ?? 0) || 1_000_000;
  const root = resolve('.bench');
  const vendorEvents = Number(args[args.indexOf('--vendor-events') + 1] ?? 0) || 300_000;
  if (args.includes('--vendors')) return benchVendors(root, vendorEvents);
  process.stdout.write(`generating ${events.toLocaleString('en-US')} CloudTrail events (cached in .bench/)…\n`);
  const { dir, files } = await generateCloudTrail(root, events);
  const config = await lapseConfig(root, dir);
  const results: Record<string, Result> = {};
  for (const which of ['duckdb', 'lapse', 'lapse-sql', 'naive']) {
    results[which] = child(which, which === 'lapse' ? config : dir);
    const r = results[which]!;
    process.stdout.write(
      `  ${which.padEnd(10)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(events / r.seconds).toLocaleString('en-US').padStart(11)} events/s  peak RSS ${r.max_rss_mb} MB\n`,
    );
  }
  const { lapse, duckdb, naive } = results as Record<'lapse' | 'duckdb' | 'naive', Result>;
  const sql = results['lapse-sql']!;
  process.stdout.write(
    `ingest of ${events.toLocaleString('en-US')} events in ${files} gzip files: ` +
      `lapse = ${(duckdb.seconds / lapse.seconds).toFixed(2)}× bare DuckDB (target ≥ 0.8), ` +
      `${(naive.seconds / lapse.seconds).toFixed(2)}× the naive loop (target ≥ 4)\n` +
      `  of lapse's ${lapse.seconds.toFixed(2)} s, ${sql.seconds.toFixed(2)} s is the connector SQL + summarize ` +
      `(${(duckdb.seconds / sql.seconds).toFixed(2)}× bare DuckDB); the rest is process start, hashing files, ` +
      `writing Parquet shards, ledger and snapshots\n`,
  );
  await benchVendors(root, vendorEvents);
}

/** Each vendor connector's SQL + summarize vs bare DuckDB on its own files (target ≥ 0.8×). */
async function benchVendors(root: string, events: number): Promise<void> {
  for (const id of VENDORS) {
    const dir = await generateVendor(root, id, events);
    const sql = child('vendor-sql', `${id}:${dir}`);
    const bare = child('vendor-duckdb', `${id}:${dir}`);
    process.stdout.write(
      `  ${id.padEnd(17)} ${events.toLocaleString('en-US')} events: connector SQL + summarize ${sql.seconds.toFixed(2)} s, ` +
        `bare DuckDB ${bare.seconds.toFixed(2)} s: ${(bare.seconds / sql.seconds).toFixed(2)}× bare DuckDB (target ≥ 0.8)\n`,
    );
  }
}
