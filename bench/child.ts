import { join } from 'node:path';
import { Db } from '../core/db.js';
import { readConfig } from '../cli/config.js';
import { loadAsOf } from '../aggregate/index.js';
import { detect } from '../detect/index.js';
import { createLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import { BENCH_AS_OF } from './detect-data.js';

/**
 * One measured contender, run in its own process so peak RSS is its own:
 * `node dist/bench/child.js detect <dir>` prints `{"seconds","max_rss_mb","groups"}`.
 */

/** detect on a generated lake (bench/detect-data.ts): loadAsOf (folds the rollup) + detect; phase times. */
async function detectRun(dir: string): Promise<number> {
  const config = await readConfig(join(dir, 'lapse.json'));
  const db = await Db.open({
    ...(config.engine.memory_limit && { memoryLimit: config.engine.memory_limit }),
    tempDir: join(dir, 'duckdb-tmp'),
  });
  const ctx = { config, db, lake: new LocalLake(join(dir, 'lake')), log: createLogger(process.env['LAPSE_LOG_LEVEL'] ?? 'warn') };
  const t0 = performance.now();
  const tables = await loadAsOf(ctx, BENCH_AS_OF);
  const t1 = performance.now();
  const detection = await detect(ctx, tables);
  const t2 = performance.now();
  const findings = detection.counts.reduce((a, c) => a + c.n, 0);
  phases = { load_s: (t1 - t0) / 1000, detect_s: (t2 - t1) / 1000, grants: tables.grants, findings, last_use: tables.last_use };
  db.close();
  await ctx.lake.cleanup();
  return findings;
}

let phases: Record<string, unknown> = {};

const [, , which, arg] = process.argv;
const start = process.hrtime.bigint();
const run: Record<string, (arg: string) => Promise<number> | number> = { detect: detectRun };
const groups = await run[which!]!(arg!);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${JSON.stringify({ seconds, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), groups, ...phases })}\n`);
