import { describe, expect, test } from 'vitest';
import type { Finding, FindingsDocument, GuardEntry } from '../../core/model.js';
import { adfText, ticketAdf } from '../jira/adf.js';
import { ticketMarkdown } from '../ticket_preview/markdown.js';
import { finding as aFinding } from './testing/findings.js';
import { buildTickets } from './ticket.js';

/**
 * Every ticket says what its reader decides, how to record it, and what happens if nobody does — true to
 * the run's mode (report or enforce; a dry run plans the real run's text), the finding's kind, and where the grant stands with the list.
 */

const AS_OF = '2026-06-30';
type Kind = 'stale' | 'never_used' | 'terminated' | 'cold_start_anomaly' | 'confirmed_anomaly';
type Mode = 'report' | 'enforce' | 'no_list_action';
type State = 'on_list' | 'held' | 'grace';

const KINDS: Kind[] = ['stale', 'never_used', 'terminated', 'cold_start_anomaly', 'confirmed_anomaly'];
const MODES: Mode[] = ['report', 'enforce', 'no_list_action'];
const STATES: State[] = ['on_list', 'held', 'grace'];

const RUNS = {
  report: { mode: 'report', writes_lists: false },
  enforce: { mode: 'enforce', writes_lists: true },
  no_list_action: { mode: 'enforce', writes_lists: false },
} as const;

function finding(kind: Kind, state: State): Finding {
  const anomaly = kind === 'cold_start_anomaly' || kind === 'confirmed_anomaly';
  const used = kind === 'stale' || kind === 'terminated';
  return aFinding({
    finding_id: 'f_1', kind: anomaly ? 'cold_start_anomaly' : kind, system: 'aws', principal: 'ann@corp.example', permission: '123/Admin',
    last_used: used ? '2026-05-15' : null, days_unused: used ? 46 : null, ttl_days: 60, granted_at: '2026-01-01', score: anomaly ? 0.9 : null,
    first_flagged: '2026-06-16', decision: kind === 'confirmed_anomaly' ? 'revoke' : null,
    revocable_from: kind === 'cold_start_anomaly' ? null : state === 'grace' ? '2026-07-14' : '2026-06-30',
  });
}

const BLAST: GuardEntry = { system: 'aws', guard: 'blast_radius', held: 40, detail: 'would revoke 40 of 50 grants (80%; limits 20%, 500): revocation list held for review' };

function ticketFor(kind: Kind, mode: Mode, state: State) {
  const doc: FindingsDocument = { as_of: AS_OF, run_id: `${AS_OF}-aaaaaaaa`, findings: [finding(kind, state)], guards: state === 'held' ? [BLAST] : [], sources: [] };
  const [t] = buildTickets(doc, 'person_system', RUNS[mode]);
  return t!;
}

/** The sentence that must be there: what happens if nobody acts. */
function keySentence(kind: Kind, mode: Mode, state: State): string {
  if (kind === 'cold_start_anomaly') {
    if (mode === 'report') return 'In report mode lapse writes no revocation lists, so after a revoke, remove it in aws by hand.';
    if (mode === 'no_list_action') return 'This setup writes no revocation lists, so after a revoke, remove it in aws by hand.';
    return "A revoke puts it on the next run's revocation list for aws.";
  }
  if (mode === 'report') return kind === 'stale' || kind === 'never_used'
    ? 'In report mode lapse revokes nothing: if nobody decides, this grant stays and this ticket stays open. To take one away, remove it in aws by hand.'
    : 'In report mode lapse revokes nothing: remove it in aws by hand; until then this ticket stays open.';
  if (mode === 'no_list_action') return 'This setup writes no revocation lists (no revocation_list action)';
  if (state === 'held') return "so this grant is not revoked yet: a person reviews the held list and lets it through with `lapse act --as-of 2026-06-30 --allow-blast-radius aws --reason '<why>'`, or the next run judges again.";
  if (state === 'grace') return kind === 'stale' || kind === 'never_used'
    ? 'Unless kept or used again before then, this grant goes on the revocation list for aws of the run on 2026-07-14 (the notice period ends), and its revoker removes it.'
    : 'This grant goes on the revocation list for aws of the run on 2026-07-14 (the notice period ends), and its revoker removes it.';
  return "This grant is on this run's revocation list for aws: its revoker removes it at its next run.";
}

/** The decision the reader makes, and how they record it. */
const DECIDES: Record<Kind, string> = {
  stale: 'Decide whether each grant is still needed. To keep one, resolve this ticket as keep with the reason in a comment',
  never_used: 'Decide whether each grant is still needed. To keep one, resolve this ticket as keep with the reason in a comment',
  terminated: 'ann@corp.example has left (terminated in the directory), so this access goes whatever its use: there is nothing to keep, and exemptions never cover a leaver.',
  cold_start_anomaly: 'Manager: decide whether ann@corp.example needs this access, and resolve this ticket with the matching resolution: keep',
  confirmed_anomaly: 'The manager decided to revoke this access: there is nothing left to decide.',
};

const CASES = KINDS.flatMap((k) => MODES.flatMap((m) => STATES.map((s) => [k, m, s] as const)));

describe('what happens next, by kind × mode × list state', () => {
  test.each(CASES)('%s, %s, %s', (kind, mode, state) => {
    const t = ticketFor(kind, mode, state);
    expect(t.next).toContain(DECIDES[kind]);
    expect(t.next).toContain(keySentence(kind, mode, state));
    expect(t.next).not.toContain('mode: enforce');
    if (mode !== 'enforce' || state !== 'on_list') expect(t.next).not.toContain("this run's revocation list");
    if (mode === 'report' || mode === 'no_list_action') expect(t.next).not.toMatch(/puts (it|them) on|goes on the revocation list/);
    if (kind === 'terminated') {
      expect(`${t.intro} ${t.next}`).not.toMatch(/time-to-live|ask the security team|resolve this ticket as keep|lapse exempt/);
      expect(t.intro).toBe('ann@corp.example (team eng, manager boss@corp.example) is terminated in the directory but still holds the access below.');
    }
    // One text, two renderings: the Markdown preview and the Jira description say the same.
    expect(ticketMarkdown(t)).toContain(`**What happens next:** ${t.next}`);
    expect(adfText(ticketAdf(t))).toContain(`What happens next: ${t.next.replaceAll('`', '')}`);
  });

  test('a ticket whose grants stand differently says so for each', () => {
    const doc: FindingsDocument = {
      as_of: AS_OF, run_id: 'r', sources: [], guards: [],
      findings: [finding('stale', 'on_list'), { ...finding('never_used', 'grace'), finding_id: 'f_2', permission: '123/Read' }, { ...finding('stale', 'grace'), finding_id: 'f_3', permission: '123/Billing', revocable_from: '2026-07-20' }],
    };
    const [t] = buildTickets(doc, 'person_system', RUNS.enforce);
    expect(t!.next).toContain("1 of these grants is on this run's revocation list for aws");
    expect(t!.next).toContain('Unless kept or used again before then, 2 of these grants go on the revocation list for aws of the run between 2026-07-14 and 2026-07-20');
    expect(t!.intro).toContain('holds access they have not used (some of it never) within its time-to-live');
  });
});
