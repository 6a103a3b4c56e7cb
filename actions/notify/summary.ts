import { headline, type Headline } from '../../core/counts.js';
import { isRevocable } from '../../core/findings.js';
import type { FindingCount, FindingsDocument, GuardEntry } from '../../core/model.js';
import { plural } from '../../core/text.js';

/** What the security team's run summary says: the run's headline numbers (core/counts.ts), its guards, and the notices. */
export interface SummaryFacts {
  as_of: string;
  run_id: string;
  headline: Headline;
  /** Grants on this run's written revocation lists, and restore requests recorded on the run's day. */
  put_on_lists: number;
  restores: number;
  /** Since lapse began: grants put on its lists, and of those given back (regret). */
  revoked_so_far: number;
  restored_after_revocation: number;
  guards: GuardEntry[];
}

/** How the notices went this run, filled in by the sender (or planned, for a preview). */
export interface NoticeCounts {
  sent: number;
  by_slack: number;
  by_email: number;
  /** People Slack did not know (users_not_found): mailed instead when email is configured, else not reached. */
  not_in_slack: number;
  failed: number;
  deferred: number;
  no_address: number;
}

export function summaryFacts(doc: FindingsDocument, putOnLists: number, restores: number): SummaryFacts {
  const cells: FindingCount[] = doc.findings.map((f) => ({
    system: f.system,
    kind: f.kind,
    status: f.status,
    excluded_by: f.excluded_by,
    revocable: isRevocable(f, doc.as_of),
    n: 1,
  }));
  return {
    as_of: doc.as_of,
    run_id: doc.run_id,
    headline: headline(cells, doc.guards),
    put_on_lists: putOnLists,
    restores,
    revoked_so_far: doc.sources.reduce((n, s) => n + s.revoked, 0),
    restored_after_revocation: doc.sources.reduce((n, s) => n + s.restored_after_revocation, 0),
    guards: doc.guards,
  };
}

/** The summary as lines of plain text; spans between backticks are code. */
export function summaryLines(s: SummaryFacts, mode: 'report' | 'enforce', n: NoticeCounts): string[] {
  const h = s.headline;
  const lines = [
    `Run ${s.run_id} (as of ${s.as_of}, ${mode} mode).`,
    `Found: ${plural(h.flagged, 'grant')} flagged (${h.new} new), ${h.held} held by a rule or guard, ${h.revocable} revocable this run, ${h.exempted} exempted, ${h.resolved} resolved.`,
    mode === 'enforce'
      ? `Revoked: ${plural(s.put_on_lists, 'grant')} put on this run's revocation lists; ${s.revoked_so_far} so far, of which ${s.restored_after_revocation} restored.`
      : `Revoked: nothing (report mode writes no revocation lists); ${s.revoked_so_far} put on lists so far, of which ${s.restored_after_revocation} restored.`,
    `Restored: ${plural(s.restores, 'restore request')} recorded today.`,
    s.guards.length ? `Guards: ${s.guards.map((g) => `${g.system} ${g.guard} (${g.detail})`).join('; ')}.` : 'Guards: none held anything.',
    `Notices: ${plural(n.sent, 'message')} sent (${n.by_slack} on Slack, ${n.by_email} by email), ${n.deferred} deferred to the next run by max_messages, ${n.failed} failed, ${n.not_in_slack} not in Slack${n.no_address ? `, ${plural(n.no_address, 'finding')} whose holder has no email` : ''}.`,
  ];
  return lines;
}
