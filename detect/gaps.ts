import type { StageContext } from '../core/context.js';
import { sqlFile } from '../core/db.js';
import { resolveIdentities } from './resolve.js';

const GAPS = sqlFile(import.meta.url, 'gaps.sql');

/** Resolves identities, then stages the history as gaps between active days (see gaps.sql) for suggest-ttl and backtest. */
export async function stageGaps(ctx: Pick<StageContext, 'db' | 'config'>): Promise<void> {
  await resolveIdentities(ctx);
  await ctx.db.run(GAPS);
}
