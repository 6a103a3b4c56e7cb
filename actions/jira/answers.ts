import { addDays, isDay } from '../../core/days.js';
import { recordDecision } from '../../core/decisions.js';
import { addExemption } from '../../core/exemptions.js';
import type { Lake } from '../../core/store.js';
import { adfText } from './adf.js';
import type { IssueState, JiraApi, Person } from './client.js';
import type { Outcome } from './options.js';
import type { Closing, TicketGrant } from './records.js';

/**
 * Reading a ticket's answer: what it means (the configured resolution or status names), who gave it,
 * when and why, and recording it as exemptions and decisions.
 */

/** The longest exemption lapse grants (as `lapse exempt`): access kept without use is looked at again within a year. */
const MAX_EXEMPT_DAYS = 366;

export type TicketState = { kind: 'open' } | { kind: 'answered'; outcome: Outcome; name: string } | { kind: 'closed'; name: string };

/** A name in `outcomes` on the resolution (first) or the status answers; another resolution or a done status closes without an answer. */
export function stateOf(issue: IssueState, outcomes: Map<string, Outcome>): TicketState {
  const resolution = issue.fields.resolution?.name ?? null;
  const status = issue.fields.status?.name ?? null;
  for (const name of [resolution, status]) {
    const outcome = name === null ? undefined : outcomes.get(name.toLowerCase());
    if (outcome) return { kind: 'answered', outcome, name: name! };
  }
  if (resolution !== null || issue.fields.status?.statusCategory?.key === 'done') return { kind: 'closed', name: resolution ?? status ?? 'done' };
  return { kind: 'open' };
}

export interface Answerer {
  person: Person;
  /** When the answer was given (ISO, UTC). */
  at: string;
  /** Their newest comment on the ticket, as plain text: the reason. */
  comment: string | null;
}

/** Who answered and when: the author of the newest change of resolution (else of status); and their newest comment. */
export async function answerer(api: JiraApi, key: string): Promise<Answerer | null> {
  const histories = (await api.changelog(key)).sort((a, b) => Date.parse(a.created) - Date.parse(b.created));
  const last = (field: string) => histories.filter((h) => h.items.some((i) => i.field === field)).at(-1);
  const h = last('resolution') ?? last('status');
  if (!h?.author) return null;
  const comments = await api.comments(key, 20);
  const theirs = comments.find((c) => c.author?.accountId === h.author!.accountId);
  const text = theirs ? adfText(theirs.body).replace(/\s+/g, ' ').trim() : '';
  return { person: h.author, at: new Date(Date.parse(h.created)).toISOString(), comment: text ? clip(text, 500) : null };
}

export interface Answer {
  key: string;
  outcome: Outcome;
  by: string;
  decidedAt: Date;
  until: string | null;
  reason: string;
}

/**
 * Won't do and keep: an exemption per grant; keep and revoke: a decision per finding. Their ids
 * and file names derive from the answer's time, so reading the same answer again rewrites the same
 * records: each answer is recorded once, even if a run stops before the ticket's record is written.
 * Returns how many exemptions and decisions were written.
 */
export async function recordAnswer(lake: Lake, a: Answer, grants: TicketGrant[]): Promise<{ exemptions: number; decisions: number }> {
  const n = { exemptions: 0, decisions: 0 };
  for (const g of grants) {
    if (a.outcome === 'wont_do' || a.outcome === 'keep') {
      const exemption = { system: g.system, permission: g.permission, principal: g.principal, person: null, owner: a.by, reason: a.reason, until: a.until!, created_by: a.by, source: 'jira' };
      await addExemption(lake, exemption, a.decidedAt);
      n.exemptions++;
    }
    if (a.outcome === 'keep' || a.outcome === 'revoke') {
      await recordDecision(lake, {
        finding_id: g.finding_id, decision: a.outcome, decided_by: a.by, decided_at: a.decidedAt.toISOString(), reason: a.reason, until: a.until, source: `jira:${a.key}`,
      });
      n.decisions++;
    }
  }
  return n;
}

/** How long an answer holds: won't do for `wontDoDays`; keep until the due date when set and sensible, else `keepDays`. */
export function answerUntil(outcome: Closing, day: string, due: string | null, days: { wont_do_days: number; keep_days: number }): string | null {
  if (outcome === 'wont_do') return addDays(day, days.wont_do_days);
  if (outcome !== 'keep') return null;
  const latest = addDays(day, MAX_EXEMPT_DAYS);
  if (due && isDay(due) && due >= day) return due <= latest ? due : latest;
  return addDays(day, days.keep_days);
}

/** Who is accountable for an exemption: the email when Jira shows it, else the name and account id. */
export function owner(p: Person): string {
  return p.emailAddress ?? `${p.displayName ?? 'Jira user'} (jira:${p.accountId})`;
}

export function display(p: Person): string {
  return p.displayName ?? p.emailAddress ?? p.accountId;
}

export function answerLine(key: string, outcome: Closing, name: string, by: string, n: number, until: string | null): string {
  const grants = `${n} grant${n === 1 ? '' : 's'}`;
  switch (outcome) {
    case 'wont_do':
      return `${key} resolved "${name}" by ${by}: ${grants} exempted until ${until}; never reopened`;
    case 'keep':
      return `${key} resolved "${name}" by ${by}: keep recorded, ${grants} exempted until ${until}`;
    case 'revoke':
      return `${key} resolved "${name}" by ${by}: revoke recorded, ${grants} go${n === 1 ? 'es' : ''} on the next revocation list`;
    default:
      return `${key} closed as "${name}" by ${by}: no answer is mapped to it, so nothing is recorded; its grants stay flagged and get no new ticket`;
  }
}

export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
