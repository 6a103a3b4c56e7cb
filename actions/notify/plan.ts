import { addDays, daysBetween } from '../../core/days.js';
import { isActionable } from '../../core/findings.js';
import type { Finding, FindingsDocument } from '../../core/model.js';
import { listRestores, listRevocations, type RevocationRecord } from '../../core/records.js';
import type { Config } from '../../core/config.js';
import type { Lake } from '../../core/store.js';
import type { RunFacts } from '../_shared/define.js';
import { listState, type TicketRun } from '../_shared/next.js';
import { buildTickets, GroupBy } from '../_shared/ticket.js';
import { readRecords } from '../jira/records.js';
import type { NotifyOptions } from './options.js';
import { readSent, sentKey, type SentItem, type SentSet, type Stage } from './records.js';
import { summaryFacts, type SummaryFacts } from './summary.js';

/**
 * What the notify action would send this run, computed from the findings and the lake alone (no
 * transport is called): one digest per person with every item not yet sent to them, and the security
 * team's run summary. Sending happens in `apply` (send.ts).
 */

/** Where a manager decides: the Jira issue when the jira action opened one, else the ticket's fingerprint. */
export interface TicketLink {
  fingerprint: string;
  key: string | null;
  url: string | null;
}

export interface Item {
  stage: Exclude<Stage, 'summary'>;
  finding: Finding;
  /** The occasion (records.ts): `<finding id>@<first flagged>`, or `<finding id>@<run id>` for a revocation. */
  key: string;
  /** What sending it records: a notice inside the reminder window stands for the reminder too. */
  covers: SentItem[];
  revocation?: RevocationRecord;
  ticket?: TicketLink;
}

/** One person's digest this run. */
export interface Notice {
  /** Their email, lower-case: how every transport reaches them and how records name them. */
  recipient: string;
  /** Their directory id, when known. */
  person: string | null;
  items: Item[];
}

/** The run summary and where it goes (`slack:#channel`, `mailto:address`), the destinations not yet sent this run. */
export interface SummaryPlan {
  facts: SummaryFacts;
  destinations: string[];
}

export interface NotifyPlan {
  as_of: string;
  run_id: string;
  run: TicketRun;
  /** Every digest due, most urgent first; only the first `max_messages` go this run. */
  notices: Notice[];
  max_messages: number;
  summary: SummaryPlan | null;
  /** Findings that would be told but whose holder has no email (an unresolved principal). */
  no_address: number;
  contact: string;
  /** Where the expiring-access site is served (`site.url`), for links to each holder's page. */
  site_url: string | null;
}

const URGENCY: Record<Item['stage'], number> = { revoked: 0, reminder: 1, decision: 2, notice: 3 };

export async function planNotify(lake: Lake, config: Config, doc: FindingsDocument, options: NotifyOptions, facts: RunFacts): Promise<NotifyPlan> {
  const run: TicketRun = { mode: facts.mode, writes_lists: facts.writes_lists, guards: doc.guards };
  const sent = await readSent(lake);
  const revocations = (await listRevocations(lake)).filter((r) => r.as_of <= doc.as_of && r.as_of >= addDays(doc.as_of, -options.revoked_within_days));
  const items = new Map<string, { person: string | null; items: Item[] }>();
  const add = (recipient: string, person: string | null, item: Item) => {
    const entry = items.get(recipient) ?? { person, items: [] };
    entry.items.push(item);
    items.set(recipient, entry);
  };
  let noAddress = 0;
  const audiences = new Set(options.audiences);
  if (audiences.has('holders')) {
    const held = holderItems(doc, revocations, sent, options.reminder_days, run);
    noAddress = held.noAddress;
    for (const [recipient, f, item] of held.items) add(recipient, f.person, item);
  }
  if (audiences.has('managers')) {
    const links = await ticketLinks(lake, config, doc, run);
    for (const f of doc.findings.filter((x) => awaitsDecision(x, doc.as_of, run))) {
      const recipient = f.manager!.toLowerCase();
      const key = `${f.finding_id}@${f.first_flagged}`;
      if (sent.has(sentKey(recipient, key, 'decision'))) continue;
      add(recipient, null, { stage: 'decision', finding: f, key, covers: [{ key, stage: 'decision' }], ticket: links(f) });
    }
  }
  const notices = [...items.entries()]
    .map(([recipient, v]) => ({ recipient, person: v.person, items: v.items }))
    .sort((a, b) => urgency(a) - urgency(b) || (a.recipient < b.recipient ? -1 : 1));
  return {
    as_of: doc.as_of,
    run_id: doc.run_id,
    run,
    notices,
    max_messages: options.max_messages,
    summary: audiences.has('security') ? await summaryPlan(lake, doc, options, sent, revocations) : null,
    no_address: noAddress,
    contact: options.contact ?? options.email?.reply_to ?? 'the security team',
    site_url: facts.site_url ?? null,
  };
}

const urgency = (n: Notice) => Math.min(...n.items.map((i) => URGENCY[i.stage]));

/** A finding a holder hears about: actionable, with a day it lapses (an undecided anomaly has none), not a leaver's. */
const lapses = (f: Finding) => isActionable(f) && f.revocable_from !== null && f.kind !== 'terminated';

/** An unusual grant (or any finding no rule revokes on its own) waiting for a manager who has an email. */
function awaitsDecision(f: Finding, asOf: string, run: TicketRun): boolean {
  return isActionable(f) && f.decision === null && listState(f, asOf, run) === 'undecided' && !!f.manager?.includes('@');
}

type Told = [recipient: string, finding: Finding, item: Item];

/** Holders' items: revocations recorded lately, then notices of what lapses and reminders of what lapses soon. */
function holderItems(doc: FindingsDocument, revocations: RevocationRecord[], sent: SentSet, reminderDays: number, run: TicketRun) {
  const byId = new Map(doc.findings.map((f) => [f.finding_id, f]));
  const out: Told[] = [];
  const revoked = new Set<string>();
  let noAddress = 0;
  // A grant listed again on later days (no revoker applied it yet) is one removal: told once, from its first listing.
  const listings = new Map<string, RevocationRecord[]>();
  for (const r of revocations) listings.set(r.finding_id, [...(listings.get(r.finding_id) ?? []), r]);
  for (const [id, records] of listings) {
    const f = byId.get(id);
    if (!f || f.kind === 'terminated') continue;
    revoked.add(f.finding_id);
    if (!f.email) {
      noAddress++;
      continue;
    }
    const recipient = f.email.toLowerCase();
    const keys = records.map((r) => `${f.finding_id}@${r.run_id}`);
    if (keys.some((k) => sent.has(sentKey(recipient, k, 'revoked')))) continue;
    const key = keys[0]!;
    out.push([recipient, f, { stage: 'revoked', finding: f, key, covers: [{ key, stage: 'revoked' }], revocation: records[0]! }]);
  }
  for (const f of doc.findings) {
    if (!lapses(f) || revoked.has(f.finding_id)) continue;
    if (!f.email) {
      noAddress++;
      continue;
    }
    const recipient = f.email.toLowerCase();
    const key = `${f.finding_id}@${f.first_flagged}`;
    const soon = reminderDays > 0 && listState(f, doc.as_of, run) === 'grace' && daysBetween(doc.as_of, f.revocable_from!) <= reminderDays;
    const remind = { key, stage: 'reminder' as const };
    if (!sent.has(sentKey(recipient, key, 'notice'))) {
      out.push([recipient, f, { stage: 'notice', finding: f, key, covers: [{ key, stage: 'notice' }, ...(soon ? [remind] : [])] }]);
    } else if (soon && !sent.has(sentKey(recipient, key, 'reminder'))) {
      out.push([recipient, f, { stage: 'reminder', finding: f, key, covers: [remind] }]);
    }
  }
  return { items: out, noAddress };
}

/**
 * The ticket a manager decides in: the open Jira issue holding the finding (the jira action's records in
 * the lake), else the ticket's fingerprint, grouped as the ticket actions group them (a label in Jira, a
 * preview's file name).
 */
async function ticketLinks(lake: Lake, config: Config, doc: FindingsDocument, run: TicketRun): Promise<(f: Finding) => TicketLink> {
  const jira = config.actions.find((a) => a.type === 'jira') as { url?: string; group_by?: string } | undefined;
  const preview = config.actions.find((a) => a.type === 'ticket_preview') as { group_by?: string } | undefined;
  const fingerprints = new Map<string, string>();
  for (const t of buildTickets(doc, GroupBy.parse(jira?.group_by ?? preview?.group_by), run)) for (const id of t.finding_ids) fingerprints.set(id, t.fingerprint);
  const open = new Map<string, string>();
  for (const rec of jira ? (await readRecords(lake)).values() : []) if (rec.open) for (const g of rec.grants) open.set(g.finding_id, rec.key);
  return (f) => {
    const key = open.get(f.finding_id) ?? null;
    return { fingerprint: fingerprints.get(f.finding_id) ?? '', key, url: key && jira?.url ? `${jira.url.replace(/\/+$/, '')}/browse/${key}` : null };
  };
}

async function summaryPlan(lake: Lake, doc: FindingsDocument, options: NotifyOptions, sent: SentSet, revocations: RevocationRecord[]): Promise<SummaryPlan | null> {
  const all = [
    ...(options.slack?.summary_channel ? [`slack:${options.slack.summary_channel}`] : []),
    ...(options.email?.summary_to ?? []).map((a) => `mailto:${a.toLowerCase()}`),
  ];
  const destinations = all.filter((d) => !sent.has(sentKey(d, `run@${doc.run_id}`, 'summary')));
  if (destinations.length === 0) return null;
  const restores = (await listRestores(lake)).filter((r) => r.requested_at.slice(0, 10) === doc.as_of);
  return { facts: summaryFacts(doc, revocations.filter((r) => r.run_id === doc.run_id).length, restores.length), destinations };
}
