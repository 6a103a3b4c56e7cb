import { restoreCommand } from '../../core/restore.js';
import { siteUrl } from '../../core/site.js';
import type { Finding } from '../../core/model.js';
import { plural } from '../../core/text.js';
import { listState, outcomeText } from '../_shared/next.js';
import type { Item, Notice, NotifyPlan } from './plan.js';
import { summaryLines, type NoticeCounts } from './summary.js';

/**
 * What a notice says, independent of the transport: a subject and sections, rendered as plain text (the
 * email's text part and Slack's fallback), HTML (the email's HTML part) and Slack Block Kit. In the texts,
 * a span between backticks is code. "What happens next" is the tickets' own text (actions/_shared/next.ts),
 * so a notice and the ticket about the same grants never disagree.
 */

export interface Line {
  text: string;
  link?: { label: string; url: string };
}

export interface Section {
  title: string;
  intro: string;
  bullets: Line[];
  after: string[];
}

export interface Message {
  subject: string;
  greeting: string;
  sections: Section[];
  footer: string;
}

/** At most this many grants are listed per section (a Slack section holds 3,000 characters); the rest are counted. */
export const MAX_BULLETS = 25;

export function noticeMessage(n: Notice, plan: NotifyPlan): Message {
  const by = (stage: Item['stage']) => n.items.filter((i) => i.stage === stage).map((i) => i.finding);
  const sections = [
    revokedSection(n.items.filter((i) => i.stage === 'revoked'), plan),
    lapseSection('reminder', by('reminder'), plan),
    lapseSection('notice', by('notice'), plan),
    decisionSection(n.items.filter((i) => i.stage === 'decision'), plan),
  ].filter((s): s is Section => s !== null);
  const page = plan.site_url && n.person && n.items.some((i) => i.stage !== 'decision')
    ? `Everything you hold and when each lapses: ${siteUrl(plan.site_url, 'person', n.person)} · `
    : '';
  return { subject: subject(n, plan), greeting: 'Hello,', sections, footer: `${page}${footer(plan)}` };
}

export function summaryMessage(plan: NotifyPlan, counts: NoticeCounts): Message {
  const facts = plan.summary!.facts;
  const [head, ...rest] = summaryLines(facts, plan.run.mode, counts);
  return {
    subject: `[lapse] Run summary ${facts.as_of}: ${plural(facts.headline.flagged, 'grant')} flagged, ${facts.put_on_lists} put on revocation lists`,
    greeting: head!,
    sections: [{ title: 'This run', intro: '', bullets: rest.map((text) => ({ text })), after: [] }],
    footer: footer(plan),
  };
}

function subject(n: Notice, plan: NotifyPlan): string {
  const count = (stage: Item['stage']) => n.items.filter((i) => i.stage === stage).length;
  if (count('revoked')) return `[lapse] Access removed: ${plural(count('revoked'), 'grant')} of yours`;
  const lapsing = n.items.filter((i) => i.stage === 'reminder' || i.stage === 'notice').map((i) => i.finding);
  if (lapsing.length) {
    if (!plan.run.writes_lists) return `[lapse] Unused access: ${plural(lapsing.length, 'grant')} of yours`;
    const first = lapsing.map((f) => f.revocable_from!).sort()[0]!;
    const when = first <= plan.as_of ? 'now' : `from ${first}`;
    return `[lapse] ${count('reminder') ? 'Reminder: ' : ''}${plural(lapsing.length, 'grant')} of yours lapse${lapsing.length === 1 ? 's' : ''} ${when} unless used`;
  }
  return `[lapse] Your decision: ${plural(count('decision'), 'unusual grant')} of your people`;
}

const footer = (plan: NotifyPlan) => `Sent by lapse, run ${plan.run_id} (findings as of ${plan.as_of}, ${plan.run.mode} mode).`;

function revokedSection(items: Item[], plan: NotifyPlan): Section | null {
  if (!items.length) return null;
  const days = [...new Set(items.map((i) => i.revocation!.as_of))].sort();
  const when = days.length === 1 ? (days[0] === plan.as_of ? 'today' : `on ${days[0]}`) : `between ${days[0]} and ${days.at(-1)}`;
  return {
    title: 'Removed',
    intro: `${cap(these(items.length))} ${items.length === 1 ? 'was' : 'were'} put on a revocation list ${when}, unused for longer than ${items.length === 1 ? 'its' : 'their'} time-to-live: each system's revoker takes ${items.length === 1 ? 'it' : 'them'} away at its next run, if it has not already.`,
    bullets: items.map((i) => grantLine(i.finding, false)),
    after: [restoreText(items.map((i) => i.finding), plan)],
  };
}

/** What lapses unless used: new findings (a notice) or ones whose day is near (a reminder). */
function lapseSection(stage: 'notice' | 'reminder', findings: Finding[], plan: NotifyPlan): Section | null {
  if (!findings.length) return null;
  const lists = plan.run.writes_lists;
  const intro = stage === 'reminder'
    ? `${cap(these(findings.length))} of yours ${findings.length === 1 ? 'goes' : 'go'} on a revocation list soon unless used.`
    : `You hold ${plural(findings.length, 'grant')} not used within ${findings.length === 1 ? 'its' : 'their'} time-to-live.`;
  const next = lists
    ? outcomeText(findings, plan.as_of, plan.run)
    : `lapse runs in ${plan.run.mode === 'report' ? 'report mode' : 'a setup that writes no revocation lists'}: nothing is taken away automatically; the security team reviews unused access and may remove it.`;
  const listed = lists ? findings.filter((f) => listState(f, plan.as_of, plan.run) === 'listed') : [];
  const ahead = listed.length < findings.length;
  const keep = `ask ${plain(plan.contact)} to keep it: an exemption with a reason and an end date`;
  return {
    title: stage === 'reminder' ? 'Reminder' : 'Unused access',
    intro,
    bullets: findings.map((f) => grantLine(f, false)),
    after: [
      `What happens next: ${next}`,
      ahead
        ? `What you can do: if you still need one, use it${lists ? ' before then' : ''} (a use keeps it), or ${keep}. If you no longer need it, do nothing.`
        : `What you can do: nothing, if you no longer need ${findings.length === 1 ? 'it' : 'them'}; using ${findings.length === 1 ? 'it' : 'one'} now does not take it off the list. If you need one, ${keep}, and to give it back (below).`,
      ...(listed.length ? [restoreText(listed, plan)] : []),
    ],
  };
}

function decisionSection(items: Item[], plan: NotifyPlan): Section | null {
  if (!items.length) return null;
  const findings = items.map((i) => i.finding);
  return {
    title: 'Awaiting your decision',
    intro: `${cap(these(items.length))} held by your people ${items.length === 1 ? 'waits' : 'wait'} for your decision: lapse takes none away without it.`,
    bullets: items.map((i) => decisionLine(i)),
    after: [
      `What you can do: decide in the ticket whether each is needed and resolve it as keep or revoke${items.some((i) => !i.ticket?.url) ? ` (where only a ticket's label is shown, ask ${plain(plan.contact)} for that ticket)` : ''}.`,
      `What happens next: ${outcomeText(findings, plan.as_of, plan.run)}`,
    ],
  };
}

/** A grant awaiting a manager, with its ticket: a link, or the ticket's label. */
function decisionLine(i: Item): Line {
  const line = grantLine(i.finding, true);
  if (i.ticket?.url) return { ...line, link: { label: i.ticket.key!, url: i.ticket.url } };
  return i.ticket?.fingerprint ? { text: `${line.text} (ticket \`${i.ticket.fingerprint}\`)` } : line;
}

/** One grant: where, what (its label, with the id as code beside it), and the evidence (who holds it, for a manager). */
function grantLine(f: Finding, withHolder: boolean): Line {
  const who = withHolder ? `${plain(f.email ?? f.person ?? f.principal)}${f.team ? ` (team ${plain(f.team)})` : ''}: ` : '';
  const account = f.email && f.principal.toLowerCase() === f.email.toLowerCase() ? '' : ` as \`${plain(f.principal)}\``;
  const b = f.baseline;
  const move = (f as { move?: { from_team: string; moved_on: string } | null }).move;
  const evidence = move
    ? `kept since moving from team ${plain(move.from_team)} on ${move.moved_on}`
    : f.kind === 'cold_start_anomaly'
    ? `granted ${f.granted_at ?? 'on an unknown day'}${b ? `; ${b.team_holders} of ${b.team_size} on the team hold it, ${b.team_users} used it` : ''}`
    : f.last_used
      ? lastUsed(f)
      : `never used${f.granted_at ? ` since it was granted on ${f.granted_at}` : ''}; time-to-live ${plural(f.ttl_days, 'day')}`;
  const what = f.label ? `${plain(f.label)} (\`${plain(f.permission)}\`)` : `\`${plain(f.permission)}\``;
  return { text: `${who}${plain(f.system)} ${what}${account}: ${evidence}` };
}

/**
 * When a grant was last used, and how that counts. Days on leave and a lone stray use do not count against the
 * TTL, so then "N days ago" would be wrong: the line says what was counted, and why (leave, or the finding's reason).
 */
function lastUsed(f: Finding): string {
  const ttl = plural(f.ttl_days, 'day');
  if (f.confidence === 'high' && !f.leave_days) return `last used ${f.last_used} (${plural(f.days_unused ?? 0, 'day')} ago); time-to-live ${ttl}`;
  const why = f.confidence === 'high' ? `${plural(f.leave_days ?? 0, 'day')} of leave not counted` : plain(f.confidence_reason);
  return `last used ${f.last_used}; ${plural(f.days_unused ?? 0, 'day')} counted against its time-to-live of ${ttl}: ${why}`;
}

/** How a revoked grant comes back: who to ask, and the exact command they run (core/restore.ts). */
function restoreText(findings: Finding[], plan: NotifyPlan): string {
  const cmds = findings.slice(0, MAX_BULLETS).map((f) => `\`${restoreCommand(f)}\``);
  const more = findings.length > MAX_BULLETS ? ` (and ${findings.length - MAX_BULLETS} more like it)` : '';
  return `To get one back, ask ${plain(plan.contact)} with the reason: they run ${cmds.join(', ')}${more}; the system's revoker gives it back at its next run, and the request is recorded.`;
}

const these = (n: number) => (n === 1 ? 'this grant' : `these ${n} grants`);
const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;
/** Data in a text: a backtick would open a code span. */
const plain = (s: string) => s.replaceAll('`', "'");
