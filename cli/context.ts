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
import { LocalLake, OverlayLake, openStore } from '../core/store.js';
import { readConfig } from './config.js';
import { progressBar } from './progress.js';

export interface CliContext extends StageContext {
  close(): Promise<void>;
}

/**
 * Opens what a command needs: the validated config (refused before anything runs), the lake, and a
 * DuckDB engine. With `dryRun` the lake is wrapped in a throw-away overlay: every stage runs for real
 * and nothing outside a temp directory changes.
 */
export async function openContext(configPath: string, log: Logger, opts: { dryRun?: boolean } = {}): Promise<CliContext> {
  const config: Config = await readConfig(configPath);
  const base = openStore(resolvePath(config, config.store), { aws: config.aws, log });
  const scratch = await mkdtemp(join(tmpdir(), 'lapse-'));
  // Engine spill files and the dry-run overlay: removed on SIGTERM/SIGINT too, not only on close.
  const release = removeOnSignal(scratch);
  const lake = opts.dryRun ? new OverlayLake(base, new LocalLake(join(scratch, 'overlay'))) : base;
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

export function asOfDay(value: string | undefined): Day {
  if (value === undefined) return today();
  if (!isDay(value)) throw new UsageError(`--as-of ${value}: expected a UTC day as YYYY-MM-DD`);
  return value;
}
