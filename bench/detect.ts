import { rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { addDays } from '../core/days.js';
import { BENCH_AS_OF, generateDetectLake } from './detect-data.js';

/**
 * Detect benchmark: `--grants` grants (default 10M) with a year of daily summaries, and the same grants
 * with a month of history. For each: a first detect that folds the whole history into the rollup (a
 * one-time cost), then the daily detect on a current rollup with the day before's findings to carry
 * forward, each in its own process (time, peak RSS).
 *
 *   npm run bench -- detect [--grants 10000000]
 */
interface Result {
  seconds: number;
  max_rss_mb: number;
  load_s: number;
  detect_s: number;
  grants: number;
  findings: number;
  last_use: string;
}

function child(dir: string): Result {
  const script = new URL('./child.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [script, 'detect', dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`detect failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

const line = (label: string, r: Result) =>
  `  ${label.padEnd(56)} ${r.seconds.toFixed(1).padStart(6)} s (load ${r.load_s.toFixed(1)} s, detect ${r.detect_s.toFixed(1)} s)  peak RSS ${r.max_rss_mb} MB  ${r.findings.toLocaleString('en-US')} findings\n`;

/** Files the lake's findings of BENCH_AS_OF as the day before's, and forgets the runs. */
async function yesterdaysFindings(lake: string): Promise<void> {
  const before = join(lake, 'findings', `as_of=${addDays(BENCH_AS_OF, -1)}`);
  await rm(before, { recursive: true, force: true });
  // A run that found nothing stored no file to carry.
  await rename(join(lake, 'findings', `as_of=${BENCH_AS_OF}`), before).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rm(join(lake, 'runs'), { recursive: true, force: true });
}

export async function benchDetect(args: string[]): Promise<void> {
  const grants = Number(args[args.indexOf('--grants') + 1] ?? 0) || 10_000_000;
  const root = resolve('.bench');
  for (const days of [30, 365]) {
    process.stdout.write(`generating ${grants.toLocaleString('en-US')} grants with ${days} days of summaries (cached in .bench/)…\n`);
    const dir = await generateDetectLake(root, grants, days);
    for (const sub of ['rollup', 'findings', 'runs']) await rm(join(dir, 'lake', sub), { recursive: true, force: true });
    process.stdout.write(line(`${days} days: first run (folds history)`, child(dir)));
    // A day's run as it comes every day: the rollup is current, and the day before's findings are there to
    // carry forward (the first run's, filed under the day before).
    await yesterdaysFindings(join(dir, 'lake'));
    process.stdout.write(line(`${days} days: daily run (rollup current, yesterday's findings)`, child(dir)));
  }
  process.stdout.write('targets (issue #5): daily detect ≤ 20 s and ≤ 4 GB on 2 cores, not growing with history\n');
}
