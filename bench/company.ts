import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addDays, daysBetween, type Day } from '../core/days.js';
import { isActionable } from '../core/findings.js';
import type { Finding } from '../core/model.js';
import { random } from './random.js';

/**
 * A simulated company whose ground truth is known: every grant is given a latent need (still needed,
 * need ended, never needed, atypical for its team, …) and its logs are drawn from that need. Detection
 * quality is measured against the need, not against lapse's own rules, so the noise a real company
 * has (rare but real use, quarterly use nobody configured, a stray click after the need ended) shows
 * up as lost precision or recall. Used by the quality test and `npm run bench -- quality`.
 */

export const AS_OF: Day = '2026-06-30';
export const LOGS_FROM: Day = '2026-01-01';
export const TTL_DAYS = 60;

/** What lapse should report for a grant, if it knew the truth. */
export type TruthKind = 'stale' | 'never_used' | 'terminated' | 'cold_start_anomaly';

/** How a grant is really used; each shape is one source of right or wrong answers. */
export type Need =
  | 'active' // used often, to the end: needed
  | 'sparse' // used a few times a year: needed, but gaps can pass the TTL
  | 'quarterly_configured' // used each quarter; the permission has a longer TTL
  | 'quarterly_unconfigured' // used each quarter; nobody told lapse
  | 'emergency' // break-glass, configured emergency_only
  | 'ended' // needed until a day, never since
  | 'ended_stray' // as ended, plus one stray use after the need ended
  | 'never' // granted long ago, never needed
  | 'new_typical' // new, and what the team holds
  | 'new_atypical_unused' // new, and nobody on the team holds it
  | 'new_atypical_used'
  | 'leaver'; // the holder left the company

export interface TruthGrant {
  principal: string;
  permission: string;
  need: Need;
  truth: TruthKind | null;
}

export interface Company {
  dir: string;
  grants: TruthGrant[];
  people: number;
  events: number;
}

interface Person {
  id: string;
  email: string;
  team: number;
  manager: string;
  terminated: boolean;
}

const HISTORY = daysBetween(LOGS_FROM, AS_OF);
const day = (offset: number): Day => addDays(LOGS_FROM, offset);
const QUARTER_DAYS = [4, 94]; // 2026-01-05 and 2026-04-05: each quarter's close
const CORE = 6; // permissions most of a team holds
const ROUTINE: Need[] = ['active', 'active', 'active', 'active', 'active', 'active', 'active', 'sparse', 'ended', 'ended', 'ended_stray', 'never'];

const coreOf = (team: number, j: number) => `team${team}/core${j}`;

export async function generateCompany(dir: string, opts: { people: number; seed?: number }): Promise<Company> {
  const rnd = random(opts.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const teams = Math.max(3, Math.round(opts.people / 15));
  const people: Person[] = [];
  for (let i = 0; i < opts.people; i++) {
    const team = i % teams;
    const lead = `p${team}`;
    people.push({ id: `p${i}`, email: `p${i}@corp.example`, team, manager: i === team ? '' : lead, terminated: i >= teams && rnd() < 0.03 });
  }

  const grants: TruthGrant[] = [];
  const events: string[] = [];
  const grantRows: string[] = [];
  const use = (p: Person, perm: string, offset: number) => {
    events.push(JSON.stringify({ ts: `${day(offset)}T${String(8 + Math.floor(rnd() * 10)).padStart(2, '0')}:00:00Z`, user: p.email, perm, result: 'ok' }));
  };
  const grant = (p: Person, perm: string, need: Need, grantedOffset: number) => {
    const end = 10 + Math.floor(rnd() * (HISTORY - 20)); // when an ended need ended
    grantRows.push(JSON.stringify({ principal: p.email, permission: perm, granted_at: day(grantedOffset) }));
    const latent: Need = p.terminated ? 'leaver' : need;
    grants.push({ principal: p.email, permission: perm, need: latent, truth: truthOf(latent, HISTORY - end) });
    drawUses(p, perm, p.terminated ? pick(ROUTINE) : need, grantedOffset, end);
  };
  const drawUses = (p: Person, perm: string, need: Need, from: number, end: number) => {
    const rate = 0.05 + rnd() * 0.4;
    const active = (to: number, r = rate) => {
      for (let d = Math.max(0, from); d <= to; d++) if (rnd() < r) use(p, perm, d);
    };
    switch (need) {
      case 'active':
      case 'new_typical':
      case 'new_atypical_used':
        active(HISTORY - 1);
        use(p, perm, HISTORY - 1 - Math.floor(rnd() * 5));
        break;
      case 'sparse':
        for (let d = Math.floor(rnd() * 90); d < HISTORY; d += 45 + Math.floor(rnd() * 60)) use(p, perm, d);
        break;
      case 'quarterly_configured':
      case 'quarterly_unconfigured':
        for (const d of QUARTER_DAYS) use(p, perm, d);
        break;
      case 'emergency':
        if (rnd() < 0.3) use(p, perm, Math.floor(rnd() * 30));
        break;
      case 'ended':
      case 'ended_stray': {
        active(end, Math.max(rate, 0.3));
        use(p, perm, end);
        if (need === 'ended_stray') use(p, perm, end + 1 + Math.floor(rnd() * (HISTORY - end - 1)));
        break;
      }
      default:
        break;
    }
  };

  for (const p of people) {
    for (let j = 0; j < CORE; j++) if (rnd() < 0.9) grant(p, coreOf(p.team, j), pick(ROUTINE), -200 - Math.floor(rnd() * 300));
    grant(p, 'company/wiki', 'active', -400);
    if (p.team === 0) grant(p, 'finance/quarter-close', 'quarterly_configured', -300);
    if (p.team === 1) grant(p, 'audit/quarterly-export', 'quarterly_unconfigured', -300);
    if (rnd() < 0.05) grant(p, 'ops/breakglass', 'emergency', -300);
  }
  // New grants, younger than the TTL: a core permission of the person's own team that they lacked
  // (typical), or another team's core permission that nobody on their team holds (atypical).
  for (const p of people) {
    if (p.terminated || rnd() > 0.25) continue;
    const granted = HISTORY - 1 - Math.floor(rnd() * (TTL_DAYS - 5));
    const held = new Set(grants.filter((g) => g.principal === p.email).map((g) => g.permission));
    const own = Array.from({ length: CORE }, (_, j) => coreOf(p.team, j)).find((perm) => !held.has(perm));
    if (rnd() < 0.6 && own) grant(p, own, 'new_typical', granted);
    else grant(p, coreOf((p.team + 1 + Math.floor(rnd() * (teams - 1))) % teams, 0), rnd() < 0.5 ? 'new_atypical_used' : 'new_atypical_unused', granted);
  }

  await writeCompany(dir, people, grantRows, events);
  return { dir, grants, people: people.length, events: events.length };
}

/** `endedAgo`: days since an ended need ended; within the TTL it is too soon to call it stale. */
function truthOf(need: Need, endedAgo: number): TruthKind | null {
  switch (need) {
    case 'leaver':
      return 'terminated';
    case 'ended':
    case 'ended_stray':
      return endedAgo > TTL_DAYS ? 'stale' : null;
    case 'never':
      return 'never_used';
    case 'new_atypical_used':
    case 'new_atypical_unused':
      return 'cold_start_anomaly';
    default:
      return null;
  }
}

async function writeCompany(dir: string, people: Person[], grants: string[], events: string[]): Promise<void> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  const directory = people.map((p) => `${p.id},${p.email},team${p.team},${p.manager},${p.terminated ? 'terminated' : 'active'}`);
  await writeFile(join(dir, 'people.csv'), `id,email,team,manager,status\n${directory.join('\n')}\n`);
  await writeFile(join(dir, 'grants.jsonl'), `${grants.join('\n')}\n`);
  // A daily heartbeat keeps the source fresh, as a busy real system would.
  const heartbeat = Array.from({ length: HISTORY + 1 }, (_, d) => JSON.stringify({ ts: `${day(d)}T00:00:00Z`, user: 'monitor@corp.example', perm: 'heartbeat', result: 'ok' }));
  await writeFile(join(dir, 'logs', 'app.jsonl'), `${[...heartbeat, ...events].join('\n')}\n`);
  await writeFile(join(dir, 'lapse.yaml'), CONFIG);
}

const CONFIG = `store: ./lake
directory: { path: people.csv }
defaults: { ttl_days: ${TTL_DAYS}, max_source_lag_days: 2 }
systems:
  app:
    connector: jsonl
    logs: [{ path: logs/ }]
    grants: { path: grants.jsonl }
    mapping: { time: ts, principal: user, permission: perm, outcome: { field: result, success: [ok] } }
    permissions:
      finance/quarter-close: { ttl_days: 120 }
      ops/breakglass: { emergency_only: true }
guards: { max_revoke_fraction: 1, max_revoke_count: 1000000 }
cold_start: { min_team_size: 5, anomaly_threshold: 0.9 }
`;

/** What the quality measure reads of a finding. */
export type Reported = Pick<Finding, 'principal' | 'permission' | 'kind' | 'excluded_by' | 'status'>;

export interface Score {
  kind: TruthKind;
  truth: number;
  found: number;
  right: number;
  precision: number;
  recall: number;
}

/** Precision and recall per kind: what lapse would act on (not excluded, not resolved) against the truth. */
export function score(grants: TruthGrant[], findings: Reported[]): Score[] {
  const key = (principal: string, permission: string) => `${principal}\u0000${permission}`;
  const truth = new Map(grants.map((g) => [key(g.principal, g.permission), g.truth]));
  const acted = findings.filter(isActionable);
  return (['stale', 'never_used', 'terminated', 'cold_start_anomaly'] as const).map((kind) => {
    const found = acted.filter((f) => f.kind === kind);
    const right = found.filter((f) => truth.get(key(f.principal, f.permission)) === kind).length;
    const expected = grants.filter((g) => g.truth === kind).length;
    return { kind, truth: expected, found: found.length, right, precision: found.length ? right / found.length : 1, recall: expected ? right / expected : 1 };
  });
}

/** Where the misses and false alarms come from, by latent need: for the note and for debugging. */
export function confusion(grants: TruthGrant[], findings: Reported[]): Record<string, Record<string, number>> {
  const found = new Map(findings.filter(isActionable).map((f) => [`${f.principal}\u0000${f.permission}`, f.kind]));
  const out: Record<string, Record<string, number>> = {};
  for (const g of grants) {
    const got = found.get(`${g.principal}\u0000${g.permission}`) ?? 'none';
    (out[g.need] ??= {})[got] = (out[g.need]?.[got] ?? 0) + 1;
  }
  return out;
}
