import { isActionable } from '../../core/findings.js';
import { canonicalJson, sha256 } from '../../core/hash.js';
import type { Finding, FindingKind, FindingsDocument, GuardEntry } from '../../core/model.js';
import type { Lake } from '../../core/store.js';
import { buildTickets, type Ticket, type TicketRun } from '../_shared/ticket.js';
import { fitDescription } from './adf.js';
import type { JiraOptions } from './options.js';
import { readRecords, settledIds, type JiraRecord, type TicketGrant } from './records.js';

/** A ticket as Jira will get it. */
export interface JiraTicket {
  fingerprint: string;
  summary: string;
  route: Ticket['route'];
  /** The fields of a new issue (the assignee is added when it is created: it may need a user search). */
  fields: Record<string, unknown>;
  /** The fields an update rewrites (project and issue type stay; labels are only ever added). */
  editable: Record<string, unknown>;
  labels: string[];
  /** Hash of the content, leaving out what moves every day by itself (days unused, the as-of day). */
  hash: string;
  grants: TicketGrant[];
}

export interface JiraPlan {
  as_of: string;
  run_id: string;
  project: string;
  /** The actionable findings of the run (for auto-close and for regrouping after answers are read back). */
  findings: Finding[];
  tickets: JiraTicket[];
  /** The run's list guards and facts: the tickets' "what happens next" (kept to regroup after answers). */
  guards: GuardEntry[];
  run: Omit<TicketRun, 'guards'>;
  /** What the lake said about each group when planning (for the dry-run description). */
  known: Record<string, { key: string; open: boolean; content_hash: string; finding_ids: string[] }>;
}

/** Kinds in order of urgency: a ticket takes the priority of the first of its kinds that has one. */
const URGENCY: FindingKind[] = ['terminated', 'cold_start_anomaly', 'team_move', 'stale', 'never_used'];

/** Jira's summary is one line of at most 255 characters. */
const SUMMARY_MAX = 255;

/** Plans from the findings and the lake's records only: no call to Jira, so a dry run has no side effects. */
export async function planJira(lake: Lake, doc: FindingsDocument, options: JiraOptions, run: Omit<TicketRun, 'guards'>): Promise<JiraPlan> {
  const records = await readRecords(lake);
  const findings = doc.findings.filter(isActionable);
  const facts = { mode: run.mode, writes_lists: run.writes_lists };
  return {
    as_of: doc.as_of,
    run_id: doc.run_id,
    project: options.project,
    findings,
    guards: doc.guards,
    run: facts,
    tickets: desiredTickets(findings, records.values(), { as_of: doc.as_of, run_id: doc.run_id, guards: doc.guards }, options, facts),
    known: Object.fromEntries(
      [...records.values()].map((r) => [r.fingerprint, { key: r.key, open: r.open, content_hash: r.content_hash, finding_ids: r.grants.map((g) => g.finding_id) }]),
    ),
  };
}

/** The tickets the findings call for, leaving out findings a ticket's answer already settled. */
export function desiredTickets(
  findings: Finding[],
  records: Iterable<JiraRecord>,
  base: { as_of: string; run_id: string; guards: GuardEntry[] },
  options: JiraOptions,
  run: Omit<TicketRun, 'guards'>,
): JiraTicket[] {
  const settled = settledIds(records, findings, base.as_of);
  const open = findings.filter((f) => !settled.has(f.finding_id));
  const byId = new Map(open.map((f) => [f.finding_id, f]));
  const doc: FindingsDocument = { ...base, findings: open, sources: [] };
  return buildTickets(doc, options.group_by, run).map((t) => renderTicket(t, byId, options));
}

export function renderTicket(t: Ticket, byId: Map<string, Finding>, options: JiraOptions): JiraTicket {
  const findings = t.finding_ids.map((id) => byId.get(id)!);
  const kinds = new Set(findings.map((f) => f.kind));
  const priority = URGENCY.filter((k) => kinds.has(k))
    .map((k) => options.priority[k])
    .find((p) => p !== undefined);
  const labels = [...new Set([...t.labels, ...options.labels])];
  const summary = oneLine(t.summary, SUMMARY_MAX);
  const editable = {
    summary,
    description: fitDescription(t),
    ...(priority ? { priority: { name: priority } } : {}),
    ...options.custom_fields,
  };
  const steady: Ticket = { ...t, as_of: '', rows: t.rows.map((r) => ({ ...r, days_unused: '' })) };
  const hash = sha256(canonicalJson({ ...editable, description: fitDescription(steady), labels, issue_type: options.issue_type }));
  return {
    fingerprint: t.fingerprint,
    summary,
    route: t.route,
    fields: { project: { key: options.project }, issuetype: { name: options.issue_type }, ...editable, labels },
    editable,
    labels,
    hash,
    grants: findings.map((f) => ({
      finding_id: f.finding_id,
      kind: f.kind,
      system: f.system,
      principal: f.principal,
      permission: f.permission,
      person: f.person,
      first_flagged: f.first_flagged,
    })),
  };
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function tickets(n: number): string {
  return `${n} ticket${n === 1 ? '' : 's'}`;
}

export function routeText(t: Pick<JiraTicket, 'route'>): string {
  return t.route.to === 'manager' ? `manager ${t.route.email}` : 'security queue';
}

/** The dry-run view: which tickets would be opened or updated, and which open ones would close. */
export function describePlan(plan: JiraPlan): string[] {
  const active = new Set(plan.findings.map((f) => f.finding_id));
  const wanted = new Set(plan.tickets.map((t) => t.fingerprint));
  const lines: string[] = [];
  let opening = 0;
  let updating = 0;
  for (const t of plan.tickets) {
    const known = plan.known[t.fingerprint];
    if (!known?.open) {
      opening++;
      lines.push(`open: ${t.summary} → ${routeText(t)}`);
    } else if (known.content_hash !== t.hash) {
      updating++;
      lines.push(`update ${known.key}: ${t.summary}`);
    }
  }
  const closing = Object.entries(plan.known).filter(
    ([fp, k]) => k.open && !wanted.has(fp) && k.finding_ids.every((id) => !active.has(id)),
  );
  for (const [, k] of closing) lines.push(`close ${k.key}: every grant in it is resolved`);
  const unchanged = plan.tickets.length - opening - updating;
  const head = `${tickets(plan.tickets.length)} in ${plan.project}: ${opening} to open, ${updating} to update, ${unchanged} unchanged; ${closing.length} to close`;
  return [head, ...lines];
}
