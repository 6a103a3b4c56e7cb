import { ActionError } from '../../core/errors.js';
import { plural } from '../../core/text.js';
import type { Finding } from '../../core/model.js';
import type { ActionContext } from '../_shared/define.js';
import { commentAdf } from './adf.js';
import { answerer, answerLine, answerUntil, display, owner, recordAnswer, stateOf } from './answers.js';
import { JiraError, type IssueState, type JiraApi } from './client.js';
import { labelsQuery } from './jql.js';
import type { JiraOptions, Outcome } from './options.js';
import { readRecords, writeRecord, type Closing, type JiraRecord, type Settlement, type TicketGrant } from './records.js';
import { desiredTickets, routeText, type JiraPlan, type JiraTicket } from './tickets.js';

/** JQL `labels in (…)` lists and `reconcileIssues` (at most 50 ids) go in batches of this many groups. */
const BATCH = 50;
const FINGERPRINT = /^lapse-[0-9a-f]{16}$/;

export interface SyncResult {
  lines: string[];
  counts: Record<string, number>;
}

/**
 * Brings Jira in line with the plan, in an order that is safe to interrupt at any point:
 * 1. look up every group's issues: by the keys kept in the lake (strongly consistent, `reconcileIssues`
 *    or a direct read) and by the fingerprint label (the enhanced JQL search, eventually consistent);
 * 2. read back the answers on tickets people closed (won't do, keep, revoke) and record them once;
 * 3. open, update or leave each wanted ticket; 4. close the open tickets whose grants are all resolved.
 * Each record is written right after Jira accepted the change it describes.
 */
export class JiraSync {
  private records = new Map<string, JiraRecord>();
  private readonly lines: string[] = [];
  private readonly problems: string[] = [];
  private readonly counts: Record<string, number> = {};
  private readonly managers = new Map<string, string | null>();
  private readonly active: Map<string, Finding>;
  private readonly outcomes: Map<string, Outcome>;
  /** Set when an answer read back this run settled findings. */
  private answered = false;

  constructor(
    private readonly ctx: ActionContext,
    private readonly plan: JiraPlan,
    private readonly options: JiraOptions,
    private readonly api: JiraApi,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.active = new Map(plan.findings.map((f) => [f.finding_id, f]));
    this.outcomes = new Map(Object.entries(options.resolutions).map(([name, o]) => [name.toLowerCase(), o]));
  }

  async run(): Promise<SyncResult> {
    this.records = await readRecords(this.ctx.lake);
    const tracked = [...this.records.values()].filter((r) => r.open);
    // Closed tickets whose answer still holds: if a person reopens one, lapse must follow it again.
    const answeredOpen = [...this.records.values()].filter((r) => !r.open && r.settled.some((st) => this.holds(st)));
    const groups = [...new Set([...this.plan.tickets, ...tracked, ...answeredOpen].map((x) => x.fingerprint))];
    const found = await this.lookup(groups, tracked);

    for (const rec of answeredOpen) {
      const issue = (found.get(rec.fingerprint) ?? []).find((i) => i.key === rec.key || i.id === rec.id);
      if (issue && stateOf(issue, this.outcomes).kind === 'open') tracked.push(await this.reopened(rec));
    }
    for (const rec of tracked) await this.guard(`ticket ${rec.key}`, () => this.readBack(rec, found.get(rec.fingerprint) ?? []));
    // Answers read back just now settle their findings: regroup without them (a won't-do is never reopened).
    const tickets = this.answered
      ? desiredTickets(this.plan.findings, this.records.values(), this.plan, this.options, this.plan.run)
      : this.plan.tickets;

    for (const t of tickets) await this.guard(`ticket ${t.fingerprint}`, () => this.ensure(t, found.get(t.fingerprint) ?? []));
    const wanted = new Set(tickets.map((t) => t.fingerprint));
    for (const rec of [...this.records.values()].filter((r) => r.open && !wanted.has(r.fingerprint))) {
      await this.guard(`ticket ${rec.key}`, () => this.closeIfResolved(rec));
    }
    if (this.problems.length) {
      this.ctx.log.warn({ counts: this.counts, problems: this.problems.length }, 'jira sync incomplete');
      throw new ActionError(`jira: ${plural(this.problems.length, 'ticket')} could not be synced: ${this.problems.slice(0, 5).join('; ')}${this.problems.length > 5 ? '; …' : ''}`);
    }
    return { lines: this.lines, counts: this.counts };
  }

  /** Whether a settlement still holds: same flagging of an active finding, not expired. */
  private holds(st: Settlement): boolean {
    const f = this.active.get(st.finding_id);
    return f !== undefined && f.first_flagged === st.first_flagged && (st.until === null || this.plan.as_of <= st.until);
  }

  /** A person reopened an answered ticket: its answer no longer settles anything (what it recorded stays). */
  private async reopened(rec: JiraRecord): Promise<JiraRecord> {
    rec.open = true;
    rec.closed = null;
    rec.settled = rec.settled.filter((st) => st.key !== rec.key);
    rec.updated_at = this.now().toISOString();
    await writeRecord(this.ctx.lake, rec);
    this.lines.push(`${rec.key} was reopened: lapse follows it again`);
    this.count('reopened');
    this.answered = true;
    return rec;
  }

  /** A failure on one ticket is reported and the others go on; an outage (or refused credentials) stops the run. */
  private async guard(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (!(err instanceof JiraError) || err.outage) throw err;
      this.ctx.log.warn({ ticket: what, err: err.message }, 'jira ticket failed');
      this.problems.push(err.message);
    }
  }

  private count(what: string, n = 1): void {
    if (n > 0) this.counts[what] = (this.counts[what] ?? 0) + n;
  }

  // 1. Looking issues up ------------------------------------------------------------------------

  /** Every issue of these groups, by fingerprint, oldest first. */
  private async lookup(groups: string[], tracked: JiraRecord[]): Promise<Map<string, IssueState[]>> {
    const out = new Map<string, IssueState[]>();
    const byFp = new Map(tracked.map((r) => [r.fingerprint, r]));
    for (let i = 0; i < groups.length; i += BATCH) {
      const batch = groups.slice(i, i + BATCH);
      const reconcile = batch.map((fp) => Number(byFp.get(fp)?.id)).filter((id) => Number.isSafeInteger(id));
      for (const issue of await this.api.search(labelsQuery(this.plan.project, batch), reconcile)) {
        for (const fp of issue.fields.labels.filter((l) => FINGERPRINT.test(l))) add(out, fp, issue);
      }
    }
    // A tracked issue the search did not return (moved to another project, or the index is behind): read it by key.
    for (const rec of tracked) {
      if ((out.get(rec.fingerprint) ?? []).some((i) => i.key === rec.key || i.id === rec.id)) continue;
      const issue = await this.api.issue(rec.key);
      if (issue) add(out, rec.fingerprint, issue);
    }
    return out;
  }

  // 2. Reading answers back ---------------------------------------------------------------------

  /** Reads a tracked ticket's state and records the answer if people gave one. */
  private async readBack(rec: JiraRecord, issues: IssueState[]): Promise<void> {
    const issue = issues.find((i) => i.key === rec.key || i.id === rec.id);
    if (!issue) {
      await this.close(rec, 'gone', null, null, []);
      this.lines.push(`${rec.key} no longer exists in Jira (deleted, or hidden from lapse): its grants get a new ticket if still flagged`);
      this.count('gone');
      return;
    }
    if (issue.key !== rec.key) {
      // Moved to another project: Jira gave it a new key (the old one still redirects).
      this.lines.push(`${rec.key} is now ${issue.key}`);
      rec.key = issue.key;
      await writeRecord(this.ctx.lake, rec);
    }
    const state = stateOf(issue, this.outcomes);
    if (state.kind === 'open') return;
    const who = await answerer(this.api, issue.key);
    const outcome: Closing = state.kind === 'closed' ? 'closed' : state.outcome;
    const by = who ? owner(who.person) : 'jira';
    const decidedAt = new Date(Date.parse(who?.at ?? issue.fields.resolutiondate ?? '') || this.now().getTime());
    const until = answerUntil(outcome, decidedAt.toISOString().slice(0, 10), issue.fields.duedate ?? null, this.options);
    const grants = rec.grants.filter((g) => this.active.has(g.finding_id));
    const reason = `Jira ${issue.key} ${outcome === 'closed' ? 'closed' : 'resolved'} as "${state.name}" by ${who ? display(who.person) : 'someone'}${who?.comment ? `: ${who.comment}` : ''}`;
    if (state.kind === 'answered') {
      const written = await recordAnswer(this.ctx.lake, { key: issue.key, outcome: state.outcome, by, decidedAt, until, reason }, grants);
      this.count('exemptions', written.exemptions);
      this.count('decisions', written.decisions);
    }
    const settled = grants.map((g): Settlement => ({
      finding_id: g.finding_id, outcome: outcome as Settlement['outcome'], first_flagged: this.active.get(g.finding_id)!.first_flagged, until, key: issue.key,
    }));
    await this.close(rec, outcome, state.name, by, settled);
    this.lines.push(answerLine(issue.key, outcome, state.name, by, grants.length, until));
    this.count(`answered_${outcome}`);
    if (outcome === 'closed') this.ctx.log.warn({ key: issue.key, resolution: state.name }, 'jira ticket closed without a mapped answer');
    if (settled.length) this.answered = true;
  }

  private async close(rec: JiraRecord, outcome: Closing, resolution: string | null, by: string | null, settled: Settlement[]): Promise<void> {
    const at = this.now().toISOString();
    rec.open = false;
    rec.closed = { at, outcome, resolution, by };
    rec.history = [...rec.history, { key: rec.key, outcome, closed_at: at }];
    rec.settled = [...pruned(rec.settled, this.active, this.plan.as_of), ...settled];
    rec.updated_at = at;
    await writeRecord(this.ctx.lake, rec);
  }

  // 3. Opening and updating ----------------------------------------------------------------------

  private async ensure(t: JiraTicket, issues: IssueState[]): Promise<void> {
    const rec = this.records.get(t.fingerprint);
    let current = rec?.open ? issues.find((i) => i.key === rec.key || i.id === rec.id) : undefined;
    if (!current) {
      // No open ticket on record: one may exist anyway (created by a run whose record was lost, or reopened by a person).
      current = issues.find((i) => stateOf(i, this.outcomes).kind === 'open');
      if (current) await this.adopt(t, current, rec);
      else await this.create(t, rec);
    } else if (rec!.content_hash !== t.hash) {
      await this.update(t, current, rec!);
    } else {
      this.count('unchanged');
    }
    const keep = this.records.get(t.fingerprint)!.key;
    for (const dup of issues.filter((i) => i.key !== keep && stateOf(i, this.outcomes).kind === 'open')) {
      if (await this.transitionToDone(dup.key, `lapse: this is a duplicate of ${keep}, which tracks the same grants; closing it.`)) {
        this.lines.push(`closed ${dup.key}: duplicate of ${keep}`);
        this.count('duplicates_closed');
      }
    }
  }

  private async create(t: JiraTicket, prev: JiraRecord | undefined): Promise<void> {
    const fields: Record<string, unknown> = { ...t.fields };
    const assignee = await this.assignee(t);
    if (assignee.accountId) fields['assignee'] = { accountId: assignee.accountId };
    const created = await this.api.create(`issue for ${t.fingerprint}`, fields);
    const at = this.now().toISOString();
    const rec: JiraRecord = {
      schema_version: 1,
      fingerprint: t.fingerprint,
      key: created.key,
      id: created.id,
      open: true,
      content_hash: t.hash,
      grants: t.grants,
      created_at: at,
      updated_at: at,
      closed: null,
      settled: prev ? pruned(prev.settled, this.active, this.plan.as_of) : [],
      history: prev?.history ?? [],
    };
    await writeRecord(this.ctx.lake, rec);
    this.records.set(t.fingerprint, rec);
    this.lines.push(`opened ${created.key}: ${t.summary} → ${assignee.text}`);
    if (assignee.miss) this.lines.push(assignee.miss.replace('%KEY%', created.key));
    this.count('created');
  }

  private async update(t: JiraTicket, issue: IssueState, rec: JiraRecord): Promise<void> {
    await this.api.edit(issue.key, t.editable, labelUpdate(t.labels, issue.fields.labels));
    const before = new Set(rec.grants.map((g) => g.finding_id));
    const now = new Set(t.grants.map((g) => g.finding_id));
    const added = t.grants.filter((g) => !before.has(g.finding_id));
    const gone = rec.grants.filter((g) => !now.has(g.finding_id));
    const change = [
      added.length ? `newly flagged: ${added.map(grantName).join(', ')}` : '',
      gone.length ? `no longer flagged (used again, revoked or exempted): ${gone.map(grantName).join(', ')}` : '',
    ].filter(Boolean);
    await this.api.comment(
      issue.key,
      commentAdf(`lapse updated this ticket with the grants as of ${this.plan.as_of}: ${t.grants.length} now.`, ...(change.length ? change : ['The description changed; the grants are the same.'])),
    );
    rec.content_hash = t.hash;
    rec.grants = t.grants;
    rec.updated_at = this.now().toISOString();
    await writeRecord(this.ctx.lake, rec);
    this.lines.push(`updated ${issue.key}: ${t.summary}${change.length ? ` (${change.map((c) => c.split(':')[0]).join(', ')})` : ''}`);
    this.count('updated');
  }

  /** Takes over an open issue found by its label: rewrites it to the current content and records it. */
  private async adopt(t: JiraTicket, issue: IssueState, prev: JiraRecord | undefined): Promise<void> {
    await this.api.edit(issue.key, t.editable, labelUpdate(t.labels, issue.fields.labels));
    const at = this.now().toISOString();
    const rec: JiraRecord = {
      schema_version: 1, fingerprint: t.fingerprint, key: issue.key, id: issue.id, open: true, content_hash: t.hash, grants: t.grants,
      created_at: at, updated_at: at, closed: null,
      settled: prev ? pruned(prev.settled, this.active, this.plan.as_of) : [], history: prev?.history ?? [],
    };
    await writeRecord(this.ctx.lake, rec);
    this.records.set(t.fingerprint, rec);
    this.lines.push(`found ${issue.key} by its label (not on record): tracking it again`);
    this.count('adopted');
  }

  /** Review-queue tickets go to the configured assignee; anomalies to the person's manager, found by email. */
  private async assignee(t: JiraTicket): Promise<{ accountId: string | null; text: string; miss?: string }> {
    const queue = { accountId: this.options.security_assignee, text: 'security queue' };
    if (t.route.to !== 'manager') return queue;
    const email = t.route.email;
    const accountId = await this.manager(email);
    if (accountId) return { accountId, text: routeText(t) };
    this.ctx.log.warn({ manager: email, ticket: t.fingerprint }, 'manager not found in jira');
    this.count('manager_not_found');
    return { ...queue, miss: `manager ${email} not found in Jira: %KEY% went to the security queue instead` };
  }

  /** The manager's account id, by the Jira user search (cached for the run; a miss is cached too). */
  private async manager(email: string): Promise<string | null> {
    const key = email.toLowerCase();
    if (this.managers.has(key)) return this.managers.get(key)!;
    const users = (await this.api.findUsers(email)).filter((u) => u.active !== false && (u.accountType ?? 'atlassian') === 'atlassian');
    // Jira hides emails by privacy settings: an exact email match wins, else a single match of the query.
    const exact = users.filter((u) => u.emailAddress?.toLowerCase() === key);
    const hidden = users.filter((u) => u.emailAddress === undefined);
    const id = exact.length === 1 ? exact[0]!.accountId : exact.length === 0 && users.length === 1 && hidden.length === 1 ? hidden[0]!.accountId : null;
    this.managers.set(key, id);
    return id;
  }

  // 4. Closing -------------------------------------------------------------------------------------

  /** An open ticket lapse no longer wants: closed when none of its grants is flagged any more. */
  private async closeIfResolved(rec: JiraRecord): Promise<void> {
    const still = rec.grants.filter((g) => this.active.has(g.finding_id));
    if (still.length) {
      this.lines.push(`${rec.key} left open: ${still.length} of its grants are still flagged (now in other tickets)`);
      this.count('left_open');
      return;
    }
    const text = `lapse: every grant in this ticket is resolved as of ${this.plan.as_of} (used again, revoked or exempted). Closing it; nothing else to do.`;
    if (!(await this.transitionToDone(rec.key, text))) return;
    await this.close(rec, 'resolved', this.options.done_resolution ?? null, null, []);
    this.lines.push(`closed ${rec.key}: every grant in it is resolved`);
    this.count('closed');
  }

  /** Moves an issue to done with a comment; false (and a problem reported) when no configured transition applies. */
  private async transitionToDone(key: string, text: string): Promise<boolean> {
    const available = await this.api.transitions(key);
    const wanted = this.options.done_transitions.map((n) => n.toLowerCase());
    const pick = wanted
      .map((n) => available.find((t) => t.name.toLowerCase() === n || t.to?.name?.toLowerCase() === n))
      .find((t) => t !== undefined);
    if (!pick) {
      this.problems.push(
        `jira: cannot close ${key}: none of done_transitions (${this.options.done_transitions.join(', ')}) is available; it offers: ${available.map((t) => t.name).join(', ') || 'nothing'}`,
      );
      return false;
    }
    const fields = this.options.done_resolution ? { resolution: { name: this.options.done_resolution } } : undefined;
    await this.api.transition(key, pick.id, commentAdf(text), fields);
    return true;
  }
}

function add(map: Map<string, IssueState[]>, fp: string, issue: IssueState): void {
  const list = map.get(fp) ?? [];
  if (!list.some((i) => i.id === issue.id)) list.push(issue);
  list.sort((a, b) => (Date.parse(a.fields.created ?? '') || 0) - (Date.parse(b.fields.created ?? '') || 0) || Number(a.id) - Number(b.id));
  map.set(fp, list);
}

/** Labels are only ever added: people may add their own. */
function labelUpdate(wanted: string[], present: string[]): Record<string, unknown[]> {
  const missing = wanted.filter((l) => !present.includes(l));
  return missing.length ? { labels: missing.map((l) => ({ add: l })) } : {};
}

/** Settlements that can still matter: same flagging still active (or not seen this run), not expired. */
function pruned(settled: Settlement[], active: Map<string, Finding>, day: string): Settlement[] {
  return settled.filter((s) => {
    const f = active.get(s.finding_id);
    return (s.until === null || day <= s.until) && (!f || f.first_flagged === s.first_flagged);
  });
}

function grantName(g: TicketGrant): string {
  return `${g.permission} (${g.principal})`;
}
