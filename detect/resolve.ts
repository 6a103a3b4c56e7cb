import type { StageContext } from '../core/context.js';
import { sqlFile } from '../core/db.js';

const RESOLVE = sqlFile(import.meta.url, 'resolve.sql');

/** Builds `lapse_resolve(system, native, person)` from `lapse_people` (see resolve.sql). */
export async function resolveIdentities({ db, config }: Pick<StageContext, 'db' | 'config'>): Promise<void> {
  await db.run(RESOLVE, { systems: Object.keys(config.systems) });
}
