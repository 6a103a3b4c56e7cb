import { z } from 'zod';
import { ActionError } from '../../core/errors.js';
import type { Finding, FindingsDocument, GuardOverride } from '../../core/model.js';
import { recordRevocations } from '../../core/records.js';
import { isRevocable, revocationReason } from '../../core/findings.js';
import { listDir, openLists, RevocationEntry, writeList } from '../../lists/index.js';
import { defineAction, factsOf } from '../_shared/define.js';
import { heldBy } from '../_shared/held.js';
import { notifyRevoker } from './notify.js';
import { plural } from '../../core/text.js';

export interface SystemList {
  system: string;
  dir: string;
  /** What the list revokes, or, when held, what it would have revoked (written for review, never applied). */
  entries: RevocationEntry[];
  held_reason: string | null;
  /** The blast-radius override that let this list through, if one did. */
  override: GuardOverride | null;
}

export interface RevocationPlan {
  as_of: string;
  run_id: string;
  lists: SystemList[];
}

/**
 * Writes one revocation list per system per run, for that system's revoker worker, in the list layout
 * (lists/, README Outputs): `<target>/<system>/<as-of>/<run id>/revocations.jsonl`, then `manifest.json`
 * (with the list's sha256), then `<target>/<system>/latest.json` last. Runs only in `mode: enforce`.
 * Where the lists go is the top-level `revocations:` key, which `lapse restore` and `lapse revoker` share.
 *
 * With an `s3://` target the objects are written with `revocations.sse`, and `revocations.notify.sqs`
 * sends each system's revoker queue a message naming the manifest once `latest.json` points to it.
 *
 * @example
 * actions:
 *   - { type: revocation_list }
 * revocations:
 *   target: s3://corp-lapse/revocations
 *   sse: { type: aws:kms, kms_key_id: alias/lapse }
 *   notify: { sqs: { aws: https://sqs.us-east-1.amazonaws.com/123456789012/aws-revoker } }
 */
export const revocationList = defineAction({
  id: 'revocation_list',
  title: 'Revocation lists',
  effect: 'enforce',
  options: z.object({}),
  async plan(ctx, doc) {
    return planLists(doc, factsOf(ctx).overrides);
  },
  describe(plan) {
    return { lines: plan.lists.map(describeList) };
  },
  async apply(ctx, plan) {
    const target = openLists(ctx.config);
    // The config loader refuses a revocation_list action without `revocations:`.
    if (!target) throw new ActionError('revocation_list: the config has no revocations.target to write lists to');
    const lines: string[] = [];
    for (const list of plan.lists) {
      const written = await writeList(target, {
        system: list.system, as_of: plan.as_of, run_id: plan.run_id, kind: 'revocations', entries: list.entries, held_reason: list.held_reason,
        override: list.override,
      });
      await recordRevocations(ctx.lake, plan, list);
      lines.push(`${describeList(list)}${written ? '' : ' (unchanged)'} → ${target.uri}/${list.dir}`);
      const queue = ctx.config.revocations?.notify?.sqs[list.system];
      if (queue) lines.push(`  ${await notifyRevoker(ctx, target, queue, list)}`);
    }
    await target.cleanup();
    return { lines };
  },
});

/** The list of each system; `overrides` are the blast-radius holds this run lets through (already out of `doc.guards`). */
export function planLists(doc: FindingsDocument, overrides: GuardOverride[] = []): RevocationPlan {
  const lists = doc.sources.map((s): SystemList => {
    const guard = heldBy(doc.guards, s.system);
    return {
      system: s.system,
      dir: listDir({ system: s.system, as_of: doc.as_of, run_id: doc.run_id }),
      entries: doc.findings.filter((f) => f.system === s.system && isRevocable(f, doc.as_of)).map((f) => entry(f, doc.run_id)),
      held_reason: guard ? `${guard.guard}: ${guard.detail}` : null,
      override: guard ? null : (overrides.find((o) => o.system === s.system) ?? null),
    };
  });
  return { as_of: doc.as_of, run_id: doc.run_id, lists };
}

function entry(f: Finding, run_id: string): RevocationEntry {
  return RevocationEntry.parse({
    system: f.system,
    principal: f.principal,
    permission: f.permission,
    person: f.person,
    reason: revocationReason(f),
    last_used: f.last_used,
    granted_at: f.granted_at,
    days_unused: f.days_unused,
    ttl_days: f.ttl_days,
    finding_id: f.finding_id,
    run_id,
    confidence: f.confidence,
    label: f.label,
  });
}

function describeList(list: SystemList): string {
  const n = list.entries.length;
  if (list.held_reason) return `${list.system}: held, ${n} revocation${n === 1 ? '' : 's'} written for review only (${list.held_reason})`;
  return `${list.system}: ${plural(n, 'revocation')}${list.override ? ` (blast radius allowed: ${list.override.reason})` : ''}`;
}
