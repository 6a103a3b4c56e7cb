import { z } from 'zod';
import { decidedByManager, isActionable } from '../../core/findings.js';
import { shortId } from '../../core/hash.js';
import { shellWord } from '../../core/restore.js';
import { siteUrl } from '../../core/site.js';
import type { Finding, FindingKind, FindingsDocument } from '../../core/model.js';
import { nextText, type TicketRun } from './next.js';
import type { SystemAbout } from './define.js';
import { plural } from '../../core/text.js';
import { labelled } from '../../core/labels.js';

export type { TicketRun } from './next.js';

/**
 * What a ticket says, independent of where it goes: the Markdown preview and the Jira action render
 * the same Ticket, so the preview shows exactly what Jira will say. In the texts (`intro`, `next`,
 * `restore`), a span between backticks is code: Markdown keeps the backticks, Jira marks it as code.
 */
export interface Ticket {
  /** Stable across runs for the same group: how a re-run finds the ticket it opened before. */
  fingerprint: string;
  system: string;
  /** The person's directory id, or the bare principal when no person matches. */
  subject: string;
  summary: string;
  /** `security` (the review queue) or the manager's email for anomalies they must confirm. */
  route: { to: 'security' } | { to: 'manager'; email: string };
  labels: string[];
  intro: string;
  /** The run day the rows describe ("Grants as of …"). */
  as_of: string;
  rows: TicketRow[];
  /** What the config says about the ticket's systems (`systems.<s>.description`, `owner`), or null when nothing. */
  about: string | null;
  next: string;
  /** How access is given back if a revoked grant turns out to be needed. */
  restore: string;
  finding_ids: string[];
}

export interface TicketRow {
  system: string;
  /** The permission's display label with its id beside it (the id alone when it has none). */
  permission: string;
  principal: string;
  finding: string;
  last_used: string;
  days_unused: string;
  ttl_days: string;
  granted: string;
  via: string;
  baseline: string;
}

export const TICKET_COLUMNS: [keyof TicketRow, string][] = [
  ['system', 'System'],
  ['permission', 'Permission'],
  ['principal', 'Account'],
  ['finding', 'Finding'],
  ['last_used', 'Last used'],
  ['days_unused', 'Days unused'],
  ['ttl_days', 'TTL (days)'],
  ['granted', 'Granted'],
  ['via', 'Via'],
  ['baseline', 'Team baseline'],
];

/**
 * At most this many grant rows are shown in a ticket (Jira fields hold about 32k characters); the
 * rest are counted in a closing line, and every finding id is still listed.
 */
export const TICKET_MAX_ROWS = 40;

/** The rows a renderer shows, and the line that counts the others (null when all are shown). */
export function shownRows(t: Ticket, max = TICKET_MAX_ROWS): { rows: TicketRow[]; more: string | null } {
  if (t.rows.length <= max) return { rows: t.rows, more: null };
  const hidden = t.rows.length - max;
  return { rows: t.rows.slice(0, max), more: `…and ${hidden} more grant${hidden === 1 ? '' : 's'}: \`lapse explain ${plain(t.subject)}\` lists them all.` };
}

export const GroupBy = z
  .enum(['person_system', 'person', 'finding'])
  .default('person_system')
  .describe('One ticket per (person, system) group, per person, or per finding.');
export type GroupBy = z.infer<typeof GroupBy>;

const KIND_TEXT: Record<FindingKind, string> = {
  stale: 'not used within TTL',
  never_used: 'never used',
  terminated: 'person terminated',
  cold_start_anomaly: 'unusual for the team',
  team_move: 'kept from the old team',
};

/**
 * The tickets for a findings document: actionable findings, grouped, in a stable order. `run` says what
 * this run does with revocation lists (the runner's facts), so each ticket's "what happens next" is true.
 */
export function buildTickets(
  doc: FindingsDocument,
  groupBy: GroupBy,
  run: Omit<TicketRun, 'guards'> & { systems?: Record<string, SystemAbout>; site_url?: string | null },
): Ticket[] {
  const facts: TicketRun = { mode: run.mode, writes_lists: run.writes_lists, guards: doc.guards };
  const about = run.systems ?? {};
  const groups = new Map<string, Finding[]>();
  for (const f of doc.findings.filter(isActionable)) {
    const subject = f.person ?? f.principal;
    const key = groupBy === 'person' ? subject : groupBy === 'finding' ? f.finding_id : `${subject}\u001f${f.system}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const site = run.site_url ?? null;
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, findings]) => ticket(key, findings, doc.as_of, facts, about, site));
}

function ticket(key: string, findings: Finding[], asOf: string, run: TicketRun, about: Record<string, SystemAbout>, site: string | null): Ticket {
  const first = findings[0]!;
  const subject = first.email ?? first.person ?? first.principal;
  const systems = [...new Set(findings.map((f) => f.system))].sort();
  const fingerprint = shortId('lapse', key).replace('_', '-');
  const anomaly = findings.every(decidedByManager);
  const terminated = findings.some((f) => f.kind === 'terminated');
  const where = systems.join(', ');
  const n = findings.length;
  const moved = findings.every((f) => f.kind === 'team_move');
  const summary = moved
    ? `[lapse] Confirm access kept from an old team: ${subject} on ${where}`
    : anomaly
    ? `[lapse] Confirm unusual access: ${subject} on ${where}`
    : terminated
      ? `[lapse] Terminated person still holds access: ${subject} on ${where}`
      : `[lapse] Unused access: ${subject} on ${where} (${plural(n, 'grant')})`;
  const route: Ticket['route'] =
    anomaly && first.manager ? { to: 'manager', email: first.manager } : { to: 'security' };
  return {
    fingerprint,
    system: systems.length === 1 ? systems[0]! : 'multiple',
    subject,
    summary,
    route,
    labels: ['lapse', ...systems.map((s) => `lapse-system-${s}`), fingerprint],
    intro: `${intro(subject, first, findings)}${sitePage(site, first)}`,
    as_of: asOf,
    rows: findings.map(row),
    about: aboutText(systems, about),
    next: nextText(findings, asOf, run, plain(subject)),
    restore: restore(systems, findings),
    finding_ids: findings.map((f) => f.finding_id),
  };
}

/** `aws (AWS production accounts; owner platform@corp.example)` per system the config describes, or null. */
function aboutText(systems: string[], about: Record<string, SystemAbout>): string | null {
  const parts = systems.flatMap((s) => {
    const a = about[s];
    const said = [a?.description, a?.owner ? `owner ${a.owner}` : null].filter((x): x is string => !!x).map(plain);
    return said.length ? [`${s} (${said.join('; ')})`] : [];
  });
  return parts.length ? `${parts.join(', ')}.` : null;
}

/** Where the person's page of the expiring-access site is, when the config says where the site is served. */
function sitePage(site: string | null, f: Finding): string {
  return site && f.person ? ` Everything they hold and when it lapses: ${siteUrl(site, 'person', f.person)}` : '';
}

/** The `lapse restore` command for this ticket: concrete for a single grant, placeholders otherwise. */
function restore(systems: string[], findings: Finding[]): string {
  const one = findings.length === 1 ? findings[0] : undefined;
  const arg = (value: string | undefined, placeholder: string) => (value === undefined || value.includes('`') ? placeholder : shellWord(value));
  const cmd = [
    'lapse restore',
    `--system ${arg(systems.length === 1 ? systems[0] : undefined, '<system>')}`,
    `--principal ${arg(one?.principal, '<account>')}`,
    `--permission ${arg(one?.permission, '<permission>')}`,
    "--reason '<why>' --requested-by <who>",
  ].join(' ');
  const from = one ? '' : ' (the values are in the table)';
  return `If a grant is revoked and turns out to be needed, the security team gives it back at once with \`${cmd}\`${from}: the system's revoker re-grants it and the request is recorded.`;
}

/** Data in a ticket's texts: a backtick would open a code span, so it reads as a quote instead. */
function plain(s: string): string {
  return s.replaceAll('`', "'");
}

/** What the ticket is about, by the kinds of its grants: a leaver, unusual access, or access not used. */
function intro(subject: string, f: Finding, findings: Finding[]): string {
  const team = f.team ? plain(f.team) : null;
  const manager = f.manager ? plain(f.manager) : null;
  const who = `${plain(subject)}${team ? ` (team ${team}` : ''}${team && manager ? `, manager ${manager})` : team ? ')' : ''}`;
  const kinds = new Set(findings.map((x) => x.kind));
  if (kinds.has('terminated')) return `${who} is terminated in the directory but still holds the access below.`;
  if (kinds.size === 1 && kinds.has('team_move') && f.move) {
    const moved = `${who} moved from team ${plain(f.move.from_team)} on ${f.move.moved_on} and still holds access typical of that team that few on the new team hold`;
    return findings.every((x) => x.decision === 'revoke') ? `${moved}; their manager decided it goes.` : `${moved}. Please confirm it is still needed.`;
  }
  if ([...kinds].every((k) => decidedByManager({ kind: k }))) {
    return findings.every((x) => x.decision === 'revoke')
      ? `${who} holds access that few people on their team hold, and their manager decided it goes.`
      : `${who} holds access that few people on their team hold. Please confirm it is needed.`;
  }
  const unused = kinds.has('never_used') && !kinds.has('stale') ? 'never used' : kinds.has('never_used') ? 'not used (some of it never)' : 'not used';
  const anomalies = kinds.has('cold_start_anomaly') ? ' Some of it is also unusual for their team.' : '';
  return `${who} holds access they have ${unused} within its time-to-live. Unused access is risk without benefit.${anomalies}`;
}

function row(f: Finding): TicketRow {
  const b = f.baseline;
  return {
    system: f.system,
    permission: labelled(f.permission, f.label),
    principal: f.principal,
    // Below high, why: a person decides before it is revoked (a lone stray use, a permission nobody is seen using).
    finding: f.confidence === 'high' ? KIND_TEXT[f.kind] : `${KIND_TEXT[f.kind]} (${f.confidence} confidence: ${f.confidence_reason})`,
    last_used: f.last_used ?? 'never',
    days_unused: f.days_unused === null ? '—' : String(f.days_unused),
    ttl_days: String(f.ttl_days),
    granted: f.granted_at ?? 'unknown',
    via: f.via || '—',
    baseline: b ? `${b.team_holders}/${b.team_size} of team hold it, ${b.team_users} used it` : '—',
  };
}
