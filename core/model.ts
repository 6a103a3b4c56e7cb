import { z } from 'zod';
import { isDay } from './days.js';
import { EXCLUDED_BY_IDS, GUARD_IDS } from './rules.js';
import { sqlType } from './sqltypes.js';

/** The data model (README, Outputs), one zod schema per concept; types share the schema's name. */

export const Day = sqlType(z.string().refine(isDay, 'must be a UTC day as YYYY-MM-DD'), 'DATE');

/** `leave`: away for a while (until `leave_until`, when given): TTL clocks pause, nothing is revoked. */
export const PersonStatus = z.enum(['active', 'terminated', 'leave']);

/** A human from the directory: joins their identities across systems; gives team and manager. */
export const Person = z.object({
  id: z.string().min(1),
  email: z.string().min(1),
  team: z.string().min(1),
  manager: z.string().nullable(),
  status: PersonStatus,
  aliases: z.array(z.object({ system: z.string(), id: z.string() })),
  start_date: Day.nullable(),
  /** Status `leave`: the last day of the leave (null: open-ended). */
  leave_until: Day.nullable(),
});
export type Person = z.infer<typeof Person>;

/** One normalized permission-use event, as every connector emits it. */
export const UseEvent = z.object({
  time: z.string(),
  system: z.string(),
  principal: z.string(),
  permission: z.string(),
  action: z.string().nullable(),
  resource: z.string().nullable(),
  event_id: z.string().nullable(),
});
export type UseEvent = z.infer<typeof UseEvent>;

export const FindingKind = z.enum(['stale', 'never_used', 'terminated', 'cold_start_anomaly', 'team_move']);
export type FindingKind = z.infer<typeof FindingKind>;

export const FindingStatus = z.enum(['new', 'open', 'resolved', 'reappeared', 'exempted']);
export type FindingStatus = z.infer<typeof FindingStatus>;

/** The rule or guard that keeps a finding from action (core/rules.ts lists them, in precedence order). */
export const ExcludedBy = z.enum(EXCLUDED_BY_IDS);
export type ExcludedBy = z.infer<typeof ExcludedBy>;

const Int32 = () => sqlType(z.number(), 'INTEGER');

/** How sure lapse is that a finding is right: lists carry only `revocations.min_confidence` and above. */
export const Confidence = z.enum(['high', 'medium', 'low']);
export type Confidence = z.infer<typeof Confidence>;

/** A team move's evidence: the old team, when, and how common the grant is in the old and the new team. */
export const Move = z.object({
  from_team: z.string(),
  moved_on: Day,
  old_team_share: z.number(),
  new_team_share: z.number(),
});

export const Baseline = z.object({
  team_size: Int32(),
  team_holders: Int32(),
  team_users: Int32(),
  org_holders: Int32(),
});

/** One (person or principal, system, permission) that detect flagged, with its evidence. */
export const Finding = z.object({
  finding_id: z.string(),
  kind: FindingKind,
  system: z.string(),
  principal: z.string(),
  person: z.string().nullable(),
  /** The person's email from the directory (how tickets name and reach them). */
  email: z.string().nullable(),
  team: z.string().nullable(),
  manager: z.string().nullable(),
  permission: z.string(),
  via: z.string().nullable(),
  last_used: Day.nullable(),
  days_unused: sqlType(z.number(), 'BIGINT').nullable(),
  ttl_days: Int32(),
  granted_at: Day.nullable(),
  score: z.number().nullable(),
  baseline: Baseline.nullable(),
  status: FindingStatus,
  /** The run day this finding was first flagged (again, after a resolution). */
  first_flagged: Day,
  /** First day it may go on a revocation list (first_flagged + lifecycle.grace_days); null when never. */
  revocable_from: Day.nullable(),
  /** The run day it was resolved, for status `resolved`. */
  resolved_on: Day.nullable(),
  /** A person's decision read back from a ticket: revoke puts an anomaly on the revocation list. */
  decision: z.enum(['keep', 'revoke']).nullable(),
  /** The rule or guard that keeps this finding from any action, or null when it is actionable. */
  excluded_by: ExcludedBy.nullable(),
  exempt_reason: z.string().nullable(),
  confidence: Confidence,
  /** Why that confidence, in one sentence. */
  confidence_reason: z.string(),
  /** team_move: the move and the shares that make the grant typical of the old team, unusual in the new. */
  move: Move.nullable(),
  /** Days of leave not counted in days_unused (the TTL clock pauses while the person is away). */
  leave_days: sqlType(z.number(), 'BIGINT'),
  /** The permission's display name from the grants snapshot (an Okta app's label, an AWS account alias and permission set), when known; `permission` stays the key. */
  label: z.string().nullable(),
});
export type Finding = z.infer<typeof Finding>;

/** A guard's name (core/rules.ts). */
export const GuardName = z.enum(GUARD_IDS);
export type GuardName = z.infer<typeof GuardName>;

/** A safety guard that held something back on one system. */
export const GuardEntry = z.object({
  system: z.string(),
  guard: GuardName,
  held: z.number(),
  detail: z.string(),
});
export type GuardEntry = z.infer<typeof GuardEntry>;

/** A blast-radius hold let through for one run (`--allow-blast-radius SYSTEM --reason R`): who, why, how much. */
export const GuardOverride = z.object({
  system: z.string(),
  guard: z.literal('blast_radius'),
  reason: z.string(),
  /** The operating-system user who ran the command. */
  by: z.string(),
  at: z.string(),
  run_id: z.string(),
  as_of: Day,
  /** Grants the list revokes, of `grants` held on the system: what the guard would have held. */
  count: z.number(),
  grants: z.number(),
  fraction: z.number(),
});
export type GuardOverride = z.infer<typeof GuardOverride>;

/** What detect knew about each system's log source. */
export const SourceEntry = z.object({
  system: z.string(),
  first_day: Day.nullable(),
  newest_day: Day.nullable(),
  lag_days: z.number().nullable(),
  observed_days: z.number(),
  grants: z.number(),
  grants_snapshot: Day.nullable(),
  /** Grant principals no directory person matches (often service accounts or a missing alias). */
  unresolved_count: z.number(),
  unresolved_principals: z.array(z.string()).describe('The first 50, sorted.'),
  /** Grants put on lapse's (not held) revocation lists for this system before the as-of day; a revoker's acks say which were applied. */
  revoked: z.number(),
  /** Of those, grants given back with `lapse restore`: the regret a revocation caused. */
  restored_after_revocation: z.number(),
});
export type SourceEntry = z.infer<typeof SourceEntry>;

/** How many findings of a run fall in each (system, kind, status, excluded_by) cell; `revocable` as of the run. */
export const FindingCount = z.object({
  system: z.string(),
  kind: FindingKind,
  status: FindingStatus,
  excluded_by: ExcludedBy.nullable(),
  revocable: z.boolean(),
  n: z.number(),
});
export type FindingCount = z.infer<typeof FindingCount>;

export const FindingsDocument = z.object({
  as_of: Day,
  run_id: z.string(),
  findings: z.array(Finding),
  guards: z.array(GuardEntry),
  sources: z.array(SourceEntry),
});
export type FindingsDocument = z.infer<typeof FindingsDocument>;

/**
 * One line of `restores.jsonl` (lists/, which re-exports it): give back a revoked (or wrongly revoked)
 * grant. Here, not in lists/, because the lake's restore record (core/records.ts) extends it.
 */
export const RestoreEntry = z.object({
  restore_id: z.string(),
  system: z.string(),
  principal: z.string(),
  permission: z.string(),
  person: z.string().nullable(),
  finding_id: z.string(),
  reason: z.string(),
  requested_by: z.string(),
  requested_at: z.string(),
  /** The run whose revocation list took it away, when lapse revoked it. */
  revoked_in_run: z.string().nullable(),
});
export type RestoreEntry = z.infer<typeof RestoreEntry>;
