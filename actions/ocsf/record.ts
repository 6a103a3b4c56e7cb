import { lapseVersion } from '../../core/version.js';
import type { Finding, FindingKind, FindingStatus, FindingsDocument, GuardEntry } from '../../core/model.js';
import { restoreCommand } from '../../core/restore.js';
import { heldBy } from '../_shared/held.js';

/**
 * One lapse finding as an OCSF 1.6 IAM Analysis Finding (class 2008, category Findings). The finding id is
 * `finding_info.uid`, so a consumer that keys on it updates a finding across runs instead of duplicating it.
 * Attributes with no value are left out (OCSF omits them); lapse's own fields without an OCSF home go in
 * `unmapped.lapse`, with the evidence (baseline, team move, confidence, exclusion, guard) in `unmapped.lapse.evidence`
 * (class 2008 has no `evidences`); why a finding is not acted on is also its `status_detail`.
 */

export const OCSF_VERSION = '1.6.0';
const CLASS_UID = 2008;
const CATEGORY_UID = 2;

/** Severity by kind: a leaver's access matters most, an anomaly or a move next, an unused grant least. */
const SEVERITY: Record<FindingKind, [number, string]> = {
  terminated: [4, 'High'],
  team_move: [3, 'Medium'],
  cold_start_anomaly: [3, 'Medium'],
  never_used: [2, 'Low'],
  stale: [2, 'Low'],
};

/** Lifecycle → OCSF finding status: exempted findings are suppressed (reviewed, kept on purpose). */
const STATUS: Record<FindingStatus, [number, string]> = {
  new: [1, 'New'],
  open: [2, 'In Progress'],
  reappeared: [2, 'In Progress'],
  exempted: [3, 'Suppressed'],
  resolved: [4, 'Resolved'],
};

/** Create when first flagged, Close when resolved, Update otherwise. */
function activity(status: FindingStatus): [number, string] {
  if (status === 'new') return [1, 'Create'];
  if (status === 'resolved') return [3, 'Close'];
  return [2, 'Update'];
}

const CONFIDENCE: Record<Finding['confidence'], [number, string]> = { low: [1, 'Low'], medium: [2, 'Medium'], high: [3, 'High'] };

const TITLE: Record<FindingKind, string> = {
  stale: 'Unused access',
  never_used: 'Access never used',
  terminated: 'Access held by a leaver',
  cold_start_anomaly: 'Unusual access for the team',
  team_move: 'Access kept from a previous team',
};

/** The email form OCSF's `email_t` accepts; a directory email outside it stays in `unmapped.lapse`. */
const EMAIL = /^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

export interface Product {
  name: string;
  vendor_name: string;
  version: string;
}

/** lapse's version, from its package.json (two folders up from the sources, three when built). */
export function lapseProduct(): Product {
  return { name: 'lapse', vendor_name: 'lapse', version: lapseVersion() };
}

const ms = (day: string | null): number | undefined => (day ? Date.parse(`${day}T00:00:00Z`) : undefined);

/** Drops null and undefined values (OCSF leaves an attribute with no value out); arrays and objects recurse. */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (!value || typeof value !== 'object') return value;
  const out = Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, compact(v)]);
  return Object.fromEntries(out) as T;
}

/** Every finding of a run as OCSF records, in finding-id order. */
export function ocsfRecords(doc: FindingsDocument, product: Product, configName = 'lapse.yaml'): Record<string, unknown>[] {
  const sorted = [...doc.findings].sort((a, b) => (a.finding_id < b.finding_id ? -1 : a.finding_id > b.finding_id ? 1 : 0));
  return sorted.map((f) => ocsfRecord(f, doc, product, configName));
}

export function ocsfRecord(f: Finding, doc: FindingsDocument, product: Product, configName: string): Record<string, unknown> {
  const [activityId, activityName] = activity(f.status);
  const [severityId, severity] = SEVERITY[f.kind];
  const [statusId, status] = STATUS[f.status];
  const [confidenceId, confidence] = CONFIDENCE[f.confidence];
  const guard = heldBy(doc.guards, f.system) ?? null;
  return {
    ...compact({
      activity_id: activityId,
      activity_name: activityName,
      category_uid: CATEGORY_UID,
      category_name: 'Findings',
      class_uid: CLASS_UID,
      class_name: 'IAM Analysis Finding',
      type_uid: CLASS_UID * 100 + activityId,
      type_name: `IAM Analysis Finding: ${activityName}`,
      severity_id: severityId,
      severity,
      status_id: statusId,
      status,
      status_detail: why(f, guard),
      confidence_id: confidenceId,
      confidence,
      time: ms(doc.as_of),
      message: message(f),
      metadata: { version: OCSF_VERSION, product, log_name: 'findings', correlation_uid: doc.run_id },
      finding_info: findingInfo(f, doc),
      user: user(f),
      permission_analysis_results: [permissionResult(f)],
      identity_activity_metrics: f.last_used ? { last_seen_time: ms(f.last_used) } : null,
      remediation: { desc: remediation(f, configName) },
    }),
    // Kept whole (nulls included) so every record has the same columns in Parquet.
    unmapped: { lapse: { ...lapseFields(f), evidence: evidence(f, guard) } },
  };
}

function findingInfo(f: Finding, doc: FindingsDocument) {
  return {
    uid: f.finding_id,
    title: `${TITLE[f.kind]}: ${f.label ?? f.permission} on ${f.system}`,
    desc: f.confidence_reason,
    types: [f.kind],
    analytic: { uid: `lapse/${f.kind}`, name: f.kind, type_id: 1, type: 'Rule' },
    created_time: ms(f.first_flagged),
    first_seen_time: ms(f.first_flagged),
    last_seen_time: ms(f.resolved_on ?? doc.as_of),
    modified_time: ms(doc.as_of),
    product: { name: 'lapse', vendor_name: 'lapse' },
  };
}

/** The identity: the system's own principal, the directory person and their email and team. */
function user(f: Finding) {
  return {
    uid: f.principal,
    name: f.principal,
    uid_alt: f.person,
    email_addr: f.email && EMAIL.test(f.email) ? f.email : null,
    groups: f.team ? [{ name: f.team, type: 'team' }] : null,
  };
}

/** The grant: the permission as a policy (its display name when known), how it is held, and that it is unused. */
function permissionResult(f: Finding) {
  return {
    policy: { uid: f.permission, name: f.label ?? f.permission, type: f.via, desc: `${f.system}: ${f.permission}` },
    granted_privileges: [f.permission],
    unused_privileges_count: 1,
  };
}

/** Why the finding is not acted on, when it is not: its exclusion, the guard holding its system, or its resolution. */
function why(f: Finding, guard: GuardEntry | null): string | null {
  if (f.excluded_by) return `excluded by ${f.excluded_by}${f.exempt_reason ? `: ${f.exempt_reason}` : ''}`;
  if (guard) return `held by the ${guard.guard} guard: ${guard.detail}`;
  if (f.status === 'resolved') return `resolved on ${f.resolved_on ?? '?'}`;
  return null;
}

function message(f: Finding): string {
  const unused = f.days_unused === null ? 'never used' : `unused for ${f.days_unused} days`;
  return `${f.principal} holds ${f.label ? `${f.label} (${f.permission})` : f.permission} on ${f.system}, ${unused} (TTL ${f.ttl_days} days)`;
}

function evidence(f: Finding, guard: GuardEntry | null) {
  return {
    baseline: f.baseline,
    team_move: f.move,
    score: f.score,
    confidence: f.confidence,
    confidence_reason: f.confidence_reason,
    excluded_by: f.excluded_by,
    exempt_reason: f.exempt_reason,
    guard: guard ? { guard: guard.guard, held: guard.held, detail: guard.detail } : null,
    decision: f.decision,
  };
}

function remediation(f: Finding, configName: string): string {
  const restore = `If the access is needed again after a revocation: ${restoreCommand(f, configName)}`;
  if (f.status === 'resolved') return `Nothing to do: resolved on ${f.resolved_on ?? '?'} (used again, or no longer held). ${restore}`;
  if (f.excluded_by) return `Review ${f.permission} of ${f.principal} on ${f.system}: lapse does not revoke it (excluded by ${f.excluded_by}). ${restore}`;
  const when = f.revocable_from ? ` (from ${f.revocable_from})` : '';
  return `Revoke ${f.permission} from ${f.principal} on ${f.system}: lapse's revocation list does it once the finding is revocable${when} and no guard holds the system. ${restore}`;
}

/** lapse's own fields, named as in its findings document. */
function lapseFields(f: Finding) {
  return {
    system: f.system,
    kind: f.kind,
    lifecycle_status: f.status,
    person: f.person,
    email: f.email,
    team: f.team,
    manager: f.manager,
    permission: f.permission,
    label: f.label,
    via: f.via,
    last_used: f.last_used,
    days_unused: f.days_unused,
    ttl_days: f.ttl_days,
    leave_days: f.leave_days,
    granted_at: f.granted_at,
    first_flagged: f.first_flagged,
    revocable_from: f.revocable_from,
    resolved_on: f.resolved_on,
  };
}
