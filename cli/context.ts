import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePath, type Config } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { isDay, today, type Day } from '../core/days.js';
import { Db } from '../core/db.js';
import { removeOnSignal } from '../core/scratch.js';
import { UsageError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { LocalLake, OverlayLake, ReadOnlyLake, openStore, type Lake } from '../core/store.js';
import { readConfig } from './config.js';
import { progressBar } from './progress.js';

export interface CliContext extends StageContext {
  close(): Promise<void>;
}

/**
 * Opens what a command needs: the validated config (refused before anything runs), the lake, and a
 * DuckDB engine. With `dryRun` the lake is wrapped in a throw-away overlay: every stage runs for real
 * and nothing outside a temp directory changes. With `readOnly` (the commands that only look: explain,
 * report, suggest-ttl, backtest) any write to the lake throws, and stages keep what they fold in memory.
 */
export async function openContext(configPath: string, log: Logger, opts: OpenOptions = {}): Promise<CliContext> {
  const config: Config = await readConfig(configPath);
  const base = openStore(resolvePath(config, config.store), { aws: config.aws, log });
  const scratch = await mkdtemp(join(tmpdir(), 'lapse-'));
  // Engine spill files and the dry-run overlay: removed on SIGTERM/SIGINT too, not only on close.
  const release = removeOnSignal(scratch);
  const lake = wrap(base, scratch, opts);
  const db = await Db.open({
    tempDir: join(scratch, 'duckdb'),
    ...(config.engine.threads && { threads: config.engine.threads }),
    ...(config.engine.memory_limit && { memoryLimit: config.engine.memory_limit }),
  });
  const progress = progressBar();
  return {
    config,
    lake,
    db,
    log,
    ...(progress && { progress }),
    async close() {
      db.close();
      await lake.cleanup();
      await rm(scratch, { recursive: true, force: true });
      release();
    },
  };
}

export interface OpenOptions {
  dryRun?: boolean;
  readOnly?: boolean;
}

function wrap(base: Lake, scratch: string, opts: OpenOptions): Lake {
  if (opts.readOnly) return new ReadOnlyLake(base);
  if (opts.dryRun) return new OverlayLake(base, new LocalLake(join(scratch, 'overlay')));
  return base;
}

export function asOfDay(value: string | undefined, flag = '--as-of'): Day {
  if (value === undefined) return today();
  if (!isDay(value)) throw new UsageError(`${flag} ${value}: expected a UTC day as YYYY-MM-DD`);
  return value;
}
