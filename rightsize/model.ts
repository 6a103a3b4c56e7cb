import type { LogCategory, ActionCategory, GithubRole } from './observe.js';
import type { Granularity, PolicyDocument } from './aws.js';

/** The rightsize document: what `lapse rightsize --json` prints and the rightsize ticket hook reads. */

export type UnitKind = 'aws_permission_set' | 'aws_role' | 'gcp_role_binding' | 'k8s_role_binding' | 'github_repository_role' | 'grant';

export type UnitStatus =
  /** A smaller grant is recommended. */
  | 'shrink'
  /** Everything observable that it grants was used. */
  | 'right_sized'
  /** Observed for less than the window: not judged. */
  | 'too_new'
  /** What it grants is not known (no policy document, no role): only its use is shown. */
  | 'grant_unknown'
  /** Its system keeps no action-level summaries over the window. */
  | 'no_action_log'
  /** Emergency-only (break-glass) by its permission rule: rarely used by design. */
  | 'not_judged';

export interface ActionUse {
  action: string;
  category: ActionCategory;
  uses: number;
  /** Holders who used it in the window. */
  holders: number;
}

export interface HolderUse {
  principal: string;
  /** The day they hold it from, when known. */
  since: string | null;
  uses: number;
  last_seen: string | null;
  actions: string[];
  /** GitHub: the role held, the highest used, and the role to grant. */
  granted_role?: GithubRole | null;
  used_role?: GithubRole | null;
  recommended_role?: GithubRole;
}

export interface Pruning {
  holders: number;
  users: number;
  /** The holders who used it: the owner keeps these. */
  who: string[];
  text: string;
}

export interface Recommendation {
  text: string;
  /** AWS: the narrowed policy document (validated by @cloud-copilot/iam-policy). */
  policy?: PolicyDocument;
  /** GCP: the permissions of a custom role; Kubernetes: see rules. */
  permissions?: string[];
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  /** GitHub: per holder. */
  roles?: { principal: string; from: GithubRole; to: GithubRole }[];
}

export interface RightsizeUnit {
  system: string;
  kind: UnitKind;
  /** The unit: its permission (AWS account/permission set or role, GCP project, cluster/namespace, repo/owner/name). */
  unit: string;
  /** The role a binding names (GCP, Kubernetes, GitHub API grants), when it names one. */
  role: string | null;
  label: string | null;
  status: UnitStatus;
  reason: string;
  holders: number;
  users: number;
  /** What it grants: action count (null: unknown) and services (AWS). */
  granted: { actions: number | null; services: string[] | null; roles?: Partial<Record<GithubRole, number>> };
  used: ActionUse[];
  /** Observable grants nobody used: what the recommendation removes (services, or actions with --granularity action). */
  unused: { count: number; items: string[]; truncated: boolean };
  /** Granted actions the logs cannot show, by category, kept whatever their use. */
  unobservable: { count: number; by_category: Partial<Record<LogCategory, number>>; services: string[] };
  /** Events that are no IAM action (ConsoleLogin): shown, never judged. */
  not_iam: string[];
  notes: string[];
  recommendation: Recommendation | null;
  pruning: Pruning | null;
  per_holder: HolderUse[];
}

export interface RightsizeDocument {
  as_of: string;
  window: { from: string; to: string; days: number };
  granularity: Granularity;
  systems: { system: string; connector: string; logged: LogCategory[]; actions_from: string | null; actions_to: string | null; units: number; note: string | null }[];
  units: RightsizeUnit[];
  /** GitHub, per holder and granted role across repositories: "admin on 14 repositories, used write at most: grant write". */
  github_holders: { system: string; principal: string; granted: GithubRole; repositories: number; used_max: GithubRole | null; grant: GithubRole; text: string }[];
}
