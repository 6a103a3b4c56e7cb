import { decidedByManager } from '../../core/findings.js';
import type { Finding, GuardEntry } from '../../core/model.js';
import { heldBy } from './held.js';

/**
 * What a ticket says happens next: what its reader decides, how to record it, and what happens if nobody
 * does, true to the run (report or enforce) and to where each grant stands with the revocation list. One
 * text for the Markdown preview and Jira alike; spans between backticks are code. A dry run writes no
 * ticket: it plans the very text the real run would write (so Jira's dry run shows no spurious updates).
 */

/** The run as a ticket's texts see it. */
export interface TicketRun {
  mode: 'report' | 'enforce';
  /** The config writes revocation lists (enforce mode and a revocation_list action). */
  writes_lists: boolean;
  /** The run's guards (after any `--allow-blast-radius`): a list guard holds a system's list. */
  guards: GuardEntry[];
}

/**
 * Where a grant stands with this run's revocation list:
 * - `listed`: on the list this run writes (a dry run plans it);
 * - `held`: its system's list is held by a guard; `grace`: in its notice period (`revocable_from` ahead);
 * - `no_lists`: lapse writes no lists (report mode, or no revocation_list action);
 * - `undecided`: an unusual grant no manager has decided on: never listed on its own.
 */
export type ListState = 'listed' | 'held' | 'grace' | 'no_lists' | 'undecided';

export function listState(f: Finding, asOf: string, run: TicketRun): ListState {
  if (f.revocable_from === null) return 'undecided';
  if (!run.writes_lists) return 'no_lists';
  if (f.revocable_from > asOf) return 'grace';
  if (heldBy(run.guards, f.system)) return 'held';
  return 'listed';
}

const ORDER: ListState[] = ['listed', 'held', 'grace', 'no_lists', 'undecided'];

/** The "What happens next" text of a ticket: who decides, then what happens to the grants. */
export function nextText(findings: Finding[], asOf: string, run: TicketRun, who: string): string {
  return `${decide(ticketKind(findings), who)} ${outcomeText(findings, asOf, run)}`;
}

/** What happens to these grants if nobody acts, by where each stands with the list (a notice says it too). */
export function outcomeText(findings: Finding[], asOf: string, run: TicketRun): string {
  const byState = new Map<ListState, Finding[]>();
  for (const f of findings) {
    const s = listState(f, asOf, run);
    byState.set(s, [...(byState.get(s) ?? []), f]);
  }
  const mixed = byState.size > 1;
  const kind = ticketKind(findings);
  const parts: string[] = [];
  for (const state of ORDER) {
    const group = byState.get(state);
    if (group) parts.push(...consequence(state, kind, group, mixed, run, asOf));
  }
  return parts.join(' ');
}

/** Who decides what: the manager (unusual access), nobody (a leaver; a manager's revoke), or the security review. */
type TicketKind = 'anomaly' | 'leaver' | 'confirmed' | 'unused';

function ticketKind(findings: Finding[]): TicketKind {
  if (findings.every((f) => decidedByManager(f) && f.decision !== 'revoke')) return 'anomaly';
  if (findings.some((f) => f.kind === 'terminated')) return 'leaver';
  if (findings.every(decidedByManager)) return 'confirmed';
  return 'unused';
}

function decide(kind: TicketKind, who: string): string {
  switch (kind) {
    case 'anomaly':
      return `Manager: decide whether ${who} needs this access, and resolve this ticket with the matching resolution: keep (it becomes an exemption until the due date, or a default period, with your comment as the reason) or revoke (say why in a comment).`;
    case 'leaver':
      return `${who} has left (terminated in the directory), so this access goes whatever its use: there is nothing to keep, and exemptions never cover a leaver. Check only that each account is really theirs; if one is not (a shared or service account), correct the directory.`;
    case 'confirmed':
      return `The manager decided to revoke this access: there is nothing left to decide.`;
    case 'unused':
      return 'Decide whether each grant is still needed. To keep one, resolve this ticket as keep with the reason in a comment (an exemption until the due date), or record an exemption with `lapse exempt` (owner, reason, end date); a grant used again is no longer flagged.';
  }
}

function consequence(state: ListState, kind: TicketKind, group: Finding[], mixed: boolean, run: TicketRun, asOf: string): string[] {
  const they = subject(group, mixed);
  const systems = [...new Set(group.map((f) => f.system))].sort();
  const where = systems.join(', ');
  const one = systems.length === 1;
  const list = one ? `revocation list for ${where}` : `revocation lists for ${where}`;
  const revokers = one ? 'its revoker removes' : 'their revokers remove';
  switch (state) {
    case 'listed':
      return [
        `${cap(they.noun)} ${they.be} on this run's ${list}: ${revokers} ${they.obj} at ${one ? 'its' : 'their'} next run.`,
        ...(kind === 'unused' ? [`A keep recorded now comes too late for ${they.obj}: ask for a needed one back (below), and keep it.`] : []),
      ];
    case 'held':
      return systems.map((s) => held(s, heldBy(run.guards, s)!, subject(group.filter((f) => f.system === s), mixed || !one), kind, asOf));
    case 'grace': {
      const days = group.map((f) => f.revocable_from!).sort();
      const when = days[0] === days.at(-1) ? `on ${days[0]}` : `between ${days[0]} and ${days.at(-1)}`;
      const lead = kind === 'unused' ? `Unless kept or used again before then, ${they.noun}` : cap(they.noun);
      return [`${lead} go${they.plural ? '' : 'es'} on the ${list} of the run ${when} (the notice period ends), and ${revokers} ${they.obj}.`];
    }
    case 'no_lists': {
      const why = run.mode === 'report' ? 'in report mode lapse revokes nothing' : 'this setup writes no revocation lists (no revocation_list action)';
      return kind === 'unused'
        ? [`${cap(why)}: if nobody decides, ${they.noun} stay${they.plural ? '' : 's'} and this ticket stays open. To take one away, remove it in ${where} by hand.`]
        : [`${cap(why)}: remove ${they.obj} in ${where} by hand; until then this ticket stays open.`];
    }
    case 'undecided': {
      const after = run.writes_lists
        ? `a revoke puts ${they.obj} on the next run's ${list}`
        : `${run.mode === 'report' ? 'in report mode lapse writes no revocation lists' : 'this setup writes no revocation lists'}, so after a revoke, remove ${they.obj} in ${where} by hand`;
      return [`If nobody decides, ${they.noun} stay${they.plural ? '' : 's'} and this ticket stays open: lapse never revokes an unusual grant without a manager's revoke. ${cap(after)}.`];
    }
  }
}

function held(system: string, guard: GuardEntry, they: Subject, kind: TicketKind, asOf: string): string {
  const keep = kind === 'unused' ? ' A keep recorded meanwhile takes a grant off the list.' : '';
  const head = `The revocation list for ${system} is held by the ${guard.guard} guard (${guard.detail})`;
  if (guard.guard === 'blast_radius') {
    return `${head}, so ${they.noun} ${they.be} not revoked yet: a person reviews the held list and lets it through with \`lapse act --as-of ${asOf} --allow-blast-radius ${system} --reason '<why>'\`, or the next run judges again.${keep}`;
  }
  return `${head}, so nothing is revoked on ${system} until that is fixed: remove ${they.obj} by hand meanwhile if ${they.plural ? 'they' : 'it'} must go now.${keep}`;
}

interface Subject {
  /** "this grant", "these 3 grants", "2 of these grants" */
  noun: string;
  be: 'is' | 'are';
  obj: 'it' | 'them';
  plural: boolean;
}

function subject(group: Finding[], mixed: boolean): Subject {
  const n = group.length;
  const plural = n !== 1;
  const noun = mixed ? `${n} of these grants` : plural ? `these ${n} grants` : 'this grant';
  return { noun, be: plural ? 'are' : 'is', obj: plural ? 'them' : 'it', plural };
}

const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;
