import type { Config } from '../core/config.js';
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

/** What every stage function takes: no module globals. */
export interface StageContext {
  config: Config;
  lake: Lake;
  db: Db;
  log: Logger;
  /** Called as long stages advance; absent when nobody is watching. */
  progress?: (p: Progress) => void;
}
