import { z } from 'zod';
import { Confidence, Day, GuardOverride } from '../core/model.js';

/**
 * The files of the revocation-list protocol (README, Outputs; docs/revoker.md), one schema each:
 * what lapse writes (entries, manifest, latest.json) and what a revoker writes back (ack.jsonl).
 */

export const RevocationReason = z.enum(['stale', 'never_used', 'terminated', 'confirmed_anomaly', 'confirmed_team_move']);

/** One line of `revocations.jsonl`, read by a system's revoker worker. */
export const RevocationEntry = z.object({
  system: z.string(),
  principal: z.string(),
  permission: z.string(),
  person: z.string().nullable(),
  reason: RevocationReason,
  last_used: Day.nullable(),
  granted_at: Day.nullable(),
  days_unused: z.number().nullable(),
  ttl_days: z.number(),
  finding_id: z.string(),
  run_id: z.string(),
  /** How sure the finding is (README, Confidence); absent in lists written before it existed. */
  confidence: Confidence.optional(),
  /** The permission's display name (an Okta app's label, an AWS account and permission set), null when unknown; absent in lists written before it existed. Never a key: `permission` is. */
  label: z.string().nullable().optional(),
});
export type RevocationEntry = z.infer<typeof RevocationEntry>;

/**
 * One line of `restores.jsonl`. Defined in core/model.ts because the lake's restore record
 * (core/records.ts) is this entry plus where its list went, and core does not import lists/.
 */
export { RestoreEntry } from '../core/model.js';

export const Manifest = z.object({
  schema_version: z.literal(1),
  /** What the list holds: `revocations.jsonl` or `restores.jsonl` (re-grant requests). */
  kind: z.enum(['revocations', 'restores']),
  system: z.string(),
  run_id: z.string(),
  as_of: Day,
  created_at: z.string(),
  file: z.string(),
  count: z.number(),
  sha256: z.string(),
  held: z.boolean(),
  held_reason: z.string().nullable(),
  /** The blast-radius override that let this list through, if one did. */
  override: GuardOverride.nullable().default(null),
});
export type Manifest = z.infer<typeof Manifest>;

/** `<system>/latest.json`: the newest revocation list of the system (a revoker needs only `manifest`). */
export const Latest = z.object({
  schema_version: z.literal(1),
  system: z.string(),
  as_of: Day,
  run_id: z.string(),
  /** The manifest's key under the target: `<system>/<as-of>/<run id>/manifest.json`. */
  manifest: z.string(),
});
export type Latest = z.infer<typeof Latest>;

/**
 * One line of `ack.jsonl`: the newest outcome of one entry (docs/revoker.md, Acknowledgements).
 * Restores are keyed by their request (`restore_id`): several requests may concern one finding.
 */
export const Ack = z.object({
  finding_id: z.string(),
  status: z.enum(['applied', 'already_absent', 'failed', 'skipped']),
  detail: z.string(),
  restore_id: z.string().optional(),
  attempts: z.number().int().positive(),
  at: z.string(),
});
export type Ack = z.infer<typeof Ack>;

/** Statuses that end an entry: a restart does not run it again. `failed` is tried again. */
export const FINAL = new Set<Ack['status']>(['applied', 'already_absent', 'skipped']);

/** An entry's key in a list and its ack: finding_id for revocations, restore_id for restores. */
export const ackKey = (a: Ack): string => a.restore_id ?? a.finding_id;

/** What a revoker queue receives (`revocations.notify.sqs`): which manifest to read (it has the list's sha256). */
export interface RevokerMessage {
  schema_version: 1;
  type: 'revocation_list';
  system: string;
  as_of: string;
  run_id: string;
  /** Full location of the manifest, e.g. s3://bucket/revocations/aws/2026-06-30/<run id>/manifest.json. */
  manifest: string;
  latest: string;
  count: number;
  held: boolean;
  sha256: string;
}
