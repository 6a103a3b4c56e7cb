import { today } from '../core/days.js';
import { UsageError } from '../core/errors.js';
import { findingId } from '../core/findings.js';
import { shortId } from '../core/hash.js';
import { listRevocations, recordRestore } from '../core/records.js';
import { openLists, RestoreEntry, writeRestore } from '../lists/index.js';
import type { Io } from './commands.js';
import { withContext } from './commands.js';
import { checkKnown, need } from './exempt.js';

export interface RestoreOptions {
  config: string;
  system: string;
  principal: string;
  permission: string;
  reason: string;
  requestedBy: string;
  person?: string;
  force?: boolean;
}

/**
 * `lapse restore`: a quick, audited way to give a revoked grant back. Writes a re-grant request in
 * the revocation-list layout (`restores.jsonl` + manifest) for the system's revoker, and records who
 * asked and why in the lake; a restore after a lapse revocation counts as regret for that system.
 */
export async function restoreCommand(io: Io, o: RestoreOptions): Promise<number> {
  return withContext(o.config, io, false, async (ctx) => {
    if (!Object.hasOwn(ctx.config.systems, o.system)) {
      throw new UsageError(`--system ${o.system}: not configured; configured: ${Object.keys(ctx.config.systems).join(', ')}`);
    }
    if (!ctx.config.revocations) throw new UsageError('restore needs revocations.target in the config: it is where the revoker reads');
    const principal = need(o.principal, '--principal');
    const permission = need(o.permission, '--permission');
    const reason = need(o.reason, '--reason');
    const requestedBy = need(o.requestedBy, '--requested-by');
    const person = o.person === undefined ? null : need(o.person, '--person');
    await checkKnown(ctx, io, { system: o.system, principal, permission, person: null }, !!o.force, 'request the re-grant');
    const finding_id = findingId(o.system, principal, permission);
    const revoked = (await listRevocations(ctx.lake)).filter((r) => r.finding_id === finding_id).at(-1);
    const requested_at = new Date().toISOString();
    const restore_id = shortId('r', finding_id, requested_at);
    const entry = RestoreEntry.parse({
      restore_id, system: o.system, principal, permission, person,
      finding_id, reason, requested_by: requestedBy, requested_at, revoked_in_run: revoked?.run_id ?? null,
    });
    const target = openLists(ctx.config)!;
    const where = `${target.uri}/${await writeRestore(target, entry, today())}`;
    await target.cleanup();
    await recordRestore(ctx.lake, { ...entry, list: where });
    io.out(
      `restore ${restore_id} requested for ${principal} ${permission} on ${o.system} → ${where}\n` +
        (revoked ? `  undoes lapse's revocation in run ${revoked.run_id} (${revoked.as_of}): counted as regret\n` : '  no lapse revocation of this grant is on record\n'),
    );
    return 0;
  });
}
