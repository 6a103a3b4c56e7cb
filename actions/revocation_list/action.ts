import { z } from 'zod';
import { outputLocation, resolvePath, Sse, type Config } from '../../core/config.js';
import { RevocationEntry, type Finding, type FindingsDocument, type GuardOverride } from '../../core/model.js';
import { recordRevocations } from '../../core/records.js';
import { writeList } from './layout.js';
import { openStore, type Lake } from '../../core/store.js';
import { isRevocable, revocationReason } from '../../core/findings.js';
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
 * Writes one revocation list per system per run, for that system's revoker worker, in the layout of
 * The list layout (README, Outputs): `<target>/<system>/<as-of>/<run id>/revocations.jsonl`, then `manifest.json` (with the
 * list's sha256), then `<target>/<system>/latest.json` last. Runs only in `mode: enforce`.
 *
 * With an `s3://` target the objects are written with the configured server-side encryption, and
 * `notify.sqs` sends each system's revoker queue a message naming the manifest once `latest.json` points to it.
 *
 * @example
 * actions:
 *   - { type: revocation_list, target: ./lapse-out/revocations }
 *   - type: revocation_list
 *     target: s3://corp-lapse/revocations
 *     sse: { type: aws:kms, kms_key_id: alias/lapse }
 *     notify: { sqs: { aws: https://sqs.us-east-1.amazonaws.com/123456789012/aws-revoker } }
 */
export const revocationList = defineAction({
  id: 'revocation_list',
  title: 'Revocation lists',
  effect: 'enforce',
  options: z.object({
    target: outputLocation('Where lists go: a local directory or s3://bucket/prefix.'),
    sse: Sse.optional().describe('s3 target: server-side encryption of the lists (default: aws.sse, else the bucket default).'),
    notify: z
      .strictObject({
        sqs: z
          .record(z.string(), z.url({ protocol: /^https?$/ }))
          .default({})
          .describe("Revoker queue URL per system: after latest.json is written, a message there names the new manifest."),
      })
      .optional()
      .describe('Tell revoker workers a list is ready.'),
  }),
  async plan(ctx, doc) {
    return planLists(doc, factsOf(ctx).overrides);
  },
  describe(plan) {
    return { lines: plan.lists.map(describeList) };
  },
  async apply(ctx, plan, options) {
    const target = openTarget(ctx.config, options);
    const lines: string[] = [];
    for (const list of plan.lists) {
      const written = await writeList(target, {
        system: list.system, as_of: plan.as_of, run_id: plan.run_id, kind: 'revocations', entries: list.entries, held_reason: list.held_reason,
        override: list.override,
      });
      await recordRevocations(ctx.lake, plan, list);
      lines.push(`${describeList(list)}${written ? '' : ' (unchanged)'} → ${target.uri}/${list.dir}`);
      const queue = options.notify?.sqs[list.system];
      if (queue) lines.push(`  ${await notifyRevoker(ctx, target, queue, list)}`);
    }
    await target.cleanup();
    return { lines };
  },
});

/** The list target of a revocation_list action's options (restore requests go to the same place). */
export function openTarget(config: Config, options: { target: string; sse?: Sse | undefined }): Lake {
  return openStore(resolvePath(config, options.target), { aws: config.aws, sse: options.sse });
}

/** The list of each system; `overrides` are the blast-radius holds this run lets through (already out of `doc.guards`). */
export function planLists(doc: FindingsDocument, overrides: GuardOverride[] = []): RevocationPlan {
  const lists = doc.sources.map((s): SystemList => {
    const guard = heldBy(doc.guards, s.system);
    return {
      system: s.system,
      dir: `${s.system}/${doc.as_of}/${doc.run_id}/`,
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
  });
}

function describeList(list: SystemList): string {
  const n = list.entries.length;
  if (list.held_reason) return `${list.system}: held, ${n} revocation${n === 1 ? '' : 's'} written for review only (${list.held_reason})`;
  return `${list.system}: ${plural(n, 'revocation')}${list.override ? ` (blast radius allowed: ${list.override.reason})` : ''}`;
}
