import type { Config } from '../core/config.js';
import type { Db } from '../core/db.js';
import type { Logger } from '../core/log.js';
import type { Lake } from '../core/store.js';

/** What every stage function takes: no module globals. */
export interface StageContext {
  config: Config;
  lake: Lake;
  db: Db;
  log: Logger;
}
