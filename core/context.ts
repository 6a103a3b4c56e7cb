import type { Config } from '../core/config.js';
import type { Day } from '../core/days.js';
import type { Db } from '../core/db.js';
import type { Logger } from '../core/log.js';
import type { Lake } from '../core/store.js';

/** How far a long stage has got, for a progress display (the CLI draws one on a terminal). */
export interface Progress {
  stage: string;
  /** What is being worked on, e.g. the system. */
  label: string;
  done: number;
  total: number;
  /** What `done` and `total` count, e.g. `files`. */
  unit: string;
}

declare const loaded: unique symbol;

/**
 * The handle aggregate's `loadAsOf` returns once the as-of relations are in the engine (`lapse_grants`,
 * `lapse_people`, `lapse_sources`, `lapse_last_use`). detect and explain require it, so calling them
 * before the load does not compile.
 */
export interface AsOfTables {
  readonly as_of: Day;
  /** Systems with a grants snapshot on or before the as-of day. */
  readonly systems: string[];
  readonly grants: number;
  readonly people: number;
  /** How the last uses were found: from the rollup, or by replaying history for a past as-of day. */
  readonly last_use: 'rollup' | 'replay';
  readonly [loaded]: true;
}

/** For aggregate alone: marks the relations as loaded. */
export const asOfLoaded = (tables: Omit<AsOfTables, typeof loaded>): AsOfTables => tables as AsOfTables;

/** What every stage function takes: no module globals. */
export interface StageContext {
  config: Config;
  lake: Lake;
  db: Db;
  log: Logger;
  /** Called as long stages advance; absent when nobody is watching. */
  progress?: (p: Progress) => void;
}
