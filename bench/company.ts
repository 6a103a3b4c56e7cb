import { addDays, daysBetween, type Day } from '../core/days.js';
import {
  APPS, configText, directoryCsv, githubBotEntry, grantLine, oktaSessionStart, pagerDutyOncalls, put, shiftsCsv, SYSTEMS, useLine, writeSystem,
  type DirectoryRow, type Shift, type SystemId,
} from './company-files.js';
import { random } from './random.js';

export { confusion, guardsCheck, score, truthSizes, wronglyFlagged, type Reported, type Score, type Wrong } from './company-score.js';
export type { SystemId } from './company-files.js';

/**
 * A simulated company whose ground truth is known: every grant is given a latent need (still needed,
 * need ended, never needed, atypical for its team, kept after a team move, paused by leave, used only
 * on call, …) and its logs are drawn from that need, on five systems in their own log formats. Detection
 * quality is measured against the need, not against lapse's own rules, so the noise a real company
 * has (rare but real use, quarterly use nobody configured, a stray click after the need ended) shows
 * up as lost precision or recall. Used by the quality test and `npm run bench -- quality`.
 *
 * The cases of issue 12 (team moves, leave, on-call, an unlogged permission, rules by glob and team)
 * need config keys and detection that land feature by feature: each is drawn only when its feature is
 * on (`features`), so the world of today's code stays measurable. LANDED lists those switched on.
 */

export const AS_OF: Day = '2026-06-30';
export const LOGS_FROM: Day = '2026-01-01';
export const TTL_DAYS = 60;
/** team_moves.grace_days in the config. */
export const MOVE_GRACE_DAYS = 30;

/** The issue 12 features whose cases the company can draw; each needs its config keys and detection. */
export const FEATURES = [
  'history', // directory.history, team_moves: movers (truth team_move)
  'leave', // status leave, leave_until, directory.leave: people on leave now and back from leave
  'on_call', // directory.on_call, a permission rule on_call: true: two rotations
  'pagerduty', // the second rotation as PagerDuty's JSON instead of CSV
  'unlogged', // guards.unobserved_permission: an app used by many and never logged
  'rules', // permission rules as globs and a team-scoped rule
] as const;
export type Feature = (typeof FEATURES)[number];
/** The features the detection code has landed: the quality test and the bench draw these by default. */
export const LANDED: readonly Feature[] = FEATURES;
export type Features = 'all' | 'current' | readonly Feature[];

/** What lapse should report for a grant, if it knew the truth. */
export type TruthKind = 'stale' | 'never_used' | 'terminated' | 'cold_start_anomaly' | 'team_move';
export const KINDS: readonly TruthKind[] = ['stale', 'never_used', 'terminated', 'cold_start_anomaly', 'team_move'];

/**
 * Grants lapse must never act on (whatever their logs look like): a protected principal's, a
 * break-glass permission, a person's on leave (or unused during a past leave), an on-call grant of a
 * rotation member, the unlogged permission, a grant on the silent system.
 */
export type Group = 'protected' | 'emergency' | 'leave' | 'on_call' | 'unlogged' | 'silent';
export const GROUPS: readonly Group[] = ['protected', 'emergency', 'leave', 'on_call', 'unlogged', 'silent'];

/** How a grant is really used; each shape is one source of right or wrong answers. */
type Shape =
  | 'active' // used often, to the end: needed
  | 'sparse' // used a few times a year: needed, but gaps can pass the TTL
  | 'quarterly_configured' // used each quarter; the permission has a longer TTL
  | 'quarterly_unconfigured' // used each quarter; nobody told lapse
  | 'quarterly_team_rule' // used each quarter; a team-scoped glob rule gives it a longer TTL
  | 'emergency' // break-glass, configured emergency_only
  | 'ended' // needed until a day, never since
  | 'ended_stray' // as ended, plus one stray use after the need ended
  | 'never' // granted long ago, never needed
  | 'new_typical' // new, and what the team holds (a new hire's, a mover's new team's, a missing team permission)
  | 'new_typical_unused' // as new_typical, not used yet
  | 'new_team_repo' // a new repository granted to a whole team
  | 'new_team_repo_unused'
  | 'new_atypical_unused' // new, and nobody on the team holds it
  | 'new_atypical_used'
  | 'moved_left' // the old team's grant of a mover: used until the move, never since
  | 'moved_helping' // the old team's grant of a mover who still helps the old team now and then
  | 'on_call_rotation' // used only during on-call shifts; still in the rotation
  | 'on_call_left' // used only during on-call shifts; left the rotation
  | 'unlogged'; // used, but the app signs in outside the IdP: never logged
/** The latent need a grant is scored by: its shape, or what the holder's situation makes of it. */
export type Need =
  | Shape
  | 'leaver' // the holder left the company
  | 'on_leave' // the holder is on leave now
  | `back_${Shape}` // the holder is back from a leave: the TTL clock paused for it
  | 'protected' // a protected principal's
  | 'silent' // on the system whose logs stopped
  | 'moved_shared' // a mover's grant the new team holds too
  | 'ended_exact_rule' // ended 65–115 days ago; an exact rule (TTL 60) beats the glob that matches it (TTL 120)
  | 'ended_elsewhere'; // ended 65–115 days ago; a team-scoped rule of another team (TTL 120) does not apply

export interface TruthGrant {
  system: SystemId;
  principal: string;
  permission: string;
  need: Need;
  truth: TruthKind | null;
  /** Set for grants lapse must never act on. */
  group: Group | null;
}

export interface Company {
  dir: string;
  features: Feature[];
  grants: TruthGrant[];
  people: number;
  events: number;
  /** The guard entries the run must show, and no others of those guards. */
  guards: { system: SystemId; guard: 'blast_radius' | 'source_freshness' }[];
}

type Role = 'lead' | 'regular' | 'leaver' | 'mover' | 'leave_now' | 'leave_back' | 'new_hire';

interface Person {
  id: string;
  email: string;
  login: string;
  team: number;
  status: 'active' | 'terminated' | 'leave';
  role: Role;
  start: number | null;
  terminatedOn: number;
  /** A mover's old team and move day (a directory snapshot day). */
  move: { from: number; day: number; helping: boolean } | null;
  /** A leave: from, to (null: open); through the directory's status or the leave file. */
  away: { from: number; to: number | null; until: Day | ''; via: 'directory' | 'file' } | null;
}

/** One rotation's member: on call until a day (leaving the rotation), or for good. */
interface Rotation {
  name: string;
  permission: string;
  file: string;
  pagerduty: boolean;
  members: { p: Person; until: number }[];
}

const NOW = daysBetween(LOGS_FROM, AS_OF); // the as-of day's offset from LOGS_FROM
const day = (offset: number): Day => addDays(LOGS_FROM, offset);
const QUARTER_DAYS = [4, 94]; // 2026-01-05 and 2026-04-05: each quarter's close
const CORE = 6; // permissions most of a team holds
const SNAPSHOT_EVERY = 7; // the directory history: one file a week
const SILENT_FROM = NOW - 20; // the legacy system's logs stop here
const ROUTINE: Shape[] = ['active', 'active', 'active', 'active', 'active', 'active', 'active', 'sparse', 'ended', 'ended', 'ended_stray', 'never'];
const ON_LEAVE_ROUTINE: Shape[] = ['active', 'active', 'active', 'active', 'active', 'ended', 'never'];
const PROTECTED = ['svc-deploy@corp.example', 'svc-backup@corp.example', 'p1'];

const coreOf = (team: number, j: number) => `team${team}/core${j}`;
const divOf = (team: number) => Math.floor(team / 3);
const toolsOf = (team: number) => `div${divOf(team)}/tools`;
const reposOf = (team: number) => [`repo/corp-example/team${team}-svc`, `repo/corp-example/team${team}-infra`];

const featureSet = (f: Features): Set<Feature> => new Set(f === 'all' ? FEATURES : f === 'current' ? [] : f);

export async function generateCompany(dir: string, opts: { people: number; seed?: number; features?: Features }): Promise<Company> {
  const on = featureSet(opts.features ?? LANDED);
  const w = new World(random(opts.seed ?? 7), opts.people, on);
  w.draw();
  await w.write(dir);
  return {
    dir,
    features: FEATURES.filter((f) => on.has(f)),
    grants: w.grants,
    people: w.people.length,
    events: w.events,
    guards: [{ system: 'fileshare', guard: 'blast_radius' }, { system: 'legacy', guard: 'source_freshness' }],
  };
}

class World {
  readonly people: Person[] = [];
  readonly grants: TruthGrant[] = [];
  events = 0;
  private readonly teams: number;
  private readonly uses = Object.fromEntries(SYSTEMS.map((s) => [s, [] as string[]])) as Record<SystemId, string[]>;
  private readonly rows = Object.fromEntries(SYSTEMS.map((s) => [s, [] as string[]])) as Record<SystemId, string[]>;
  /** Who holds what: for the mover's typical/unusual shares. */
  private readonly holders = new Map<string, Set<Person>>();
  private readonly byPerson = new Map<Person, { g: TruthGrant; granted: number }[]>();
  private readonly rotations: Rotation[] = [];
  private readonly shifts = new Map<Rotation, Shift[]>();

  constructor(
    private readonly rnd: () => number,
    private readonly size: number,
    private readonly on: Set<Feature>,
  ) {
    this.teams = Math.max(3, Math.round(size / 15));
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  private int(from: number, to: number): number {
    return from + Math.floor(this.rnd() * (to - from + 1));
  }

  draw(): void {
    for (let i = 0; i < this.size; i++) this.people.push(this.person(i));
    if (this.on.has('on_call')) this.drawRotations();
    for (const p of this.people) this.standardGrants(p);
    this.newGrants();
    this.serviceAccounts();
    if (this.on.has('unlogged')) this.unloggedApp();
    this.labelMoves();
  }

  private person(i: number): Person {
    const team = i % this.teams;
    const p: Person = {
      id: `p${i}`, email: `p${i}@corp.example`, login: `p${i}-corp`, team, status: 'active', role: i < this.teams ? 'lead' : 'regular',
      start: null, terminatedOn: 0, move: null, away: null,
    };
    if (p.role === 'lead') return p;
    const r = this.rnd();
    if (r < 0.03) Object.assign(p, { role: 'leaver', status: 'terminated', terminatedOn: this.int(0, NOW - 1) });
    else if (r < 0.08 && this.on.has('history') && team > 1 && this.teams > 3) this.mover(p);
    else if (r < 0.095 && this.on.has('leave')) this.leave(p, 'directory');
    else if (r < 0.105 && this.on.has('leave')) this.leave(p, 'file');
    else if (r < 0.12 && this.on.has('leave')) this.leaveBack(p);
    else if (r >= 0.12 && r < 0.14) Object.assign(p, { role: 'new_hire', start: NOW - this.int(10, 50) });
    return p;
  }

  /** Moves on a directory snapshot day: past the grace and within the TTL, long ago, or within the grace. */
  private mover(p: Person): void {
    const band = this.rnd();
    const week = (from: number, to: number) => this.int(from, to) * SNAPSHOT_EVERY;
    const moveDay = band < 0.45 ? week(18, 21) : band < 0.8 ? week(6, 15) : week(22, 25); // 33–54, 75–138, 5–26 days ago
    const sameDivision = Array.from({ length: this.teams }, (_, t) => t).filter((t) => t > 1 && t !== p.team && divOf(t) === divOf(p.team));
    const others = Array.from({ length: this.teams }, (_, t) => t).filter((t) => t > 1 && t !== p.team);
    const to = sameDivision.length && this.rnd() < 0.3 ? this.pick(sameDivision) : this.pick(others);
    Object.assign(p, { role: 'mover', move: { from: p.team, day: moveDay, helping: this.rnd() < 0.4 }, team: to });
  }

  private leave(p: Person, via: 'directory' | 'file'): void {
    const until = this.rnd() < 0.5 ? '' : day(NOW + this.int(10, 90));
    Object.assign(p, { role: 'leave_now', status: via === 'directory' ? 'leave' : 'active', away: { from: NOW - this.int(10, 120), to: null, until, via } });
  }

  private leaveBack(p: Person): void {
    const to = NOW - this.int(5, 40);
    Object.assign(p, { role: 'leave_back', away: { from: to - this.int(30, 100), to, until: '', via: 'file' } });
  }

  private standardGrants(p: Person): void {
    const old = () => -200 - Math.floor(this.rnd() * 300);
    if (p.role === 'new_hire') return this.newHire(p);
    const home = p.move ? p.move.from : p.team;
    // A mover's old team's grants: used until the move (and now and then since, when still helping).
    const team = (): Shape => (p.move ? (p.move.helping ? 'moved_helping' : 'moved_left') : this.routine(p));
    for (let j = 0; j < CORE; j++) if (this.rnd() < 0.9) this.add('app', p, coreOf(home, j), team(), old());
    const shared = toolsOf(home) === toolsOf(p.team); // a move within the division: the new team holds it too
    if (this.rnd() < 0.85) this.add('app', p, toolsOf(home), shared && p.move ? 'active' : team(), old(), shared && p.move ? { label: 'moved_shared' } : {});
    for (const [k, repo] of reposOf(home).entries()) if (this.rnd() < (k ? 0.7 : 0.9)) this.add('github', p, repo, team(), old());
    if (p.move) this.joinNewTeam(p);
    this.add('app', p, 'company/wiki', 'active', -400);
    this.add('okta', p, `app/${APPS.slack.id}`, 'active', -400);
    if (this.rnd() < 0.8) this.add('okta', p, `app/${APPS.jira.id}`, this.routine(p), old());
    if (this.rnd() < 0.5) this.add('okta', p, `app/${APPS.aws.id}`, this.routine(p), old());
    this.teamSpecific(p, old);
    if (this.rnd() < 0.05) this.add('app', p, 'ops/BreakGlassAdmin', 'emergency', -300);
    if (this.rnd() < 0.02) this.add('app', p, 'db/BreakGlassRoot', 'emergency', -300);
    if (this.rnd() < 0.15) this.add('legacy', p, 'legacy/reports', this.routine(p), old());
    if (this.rnd() < (p.team === 0 ? 0.8 : 0.05)) this.add('fileshare', p, 'share/finance-archive', this.retired(), old());
    if (this.rnd() < 0.1) this.add('fileshare', p, 'share/eng-legacy', this.retired(), old());
    for (const r of this.rotations) if (r.members.some((m) => m.p === p)) this.add('app', p, r.permission, 'on_call_rotation', -300);
  }

  /** The quarterly and periodic permissions of teams 0 (finance) and 1 (audit), and others' ended use of them. */
  private teamSpecific(p: Person, old: () => number): void {
    if (p.team === 0) {
      this.add('app', p, 'finance/quarter-close', 'quarterly_configured', -300);
      if (this.rnd() < 0.5) this.add('app', p, 'finance/quarter-report', 'quarterly_configured', -300);
      if (this.rnd() < 0.6) this.add('app', p, 'finance/quarter-archive', 'ended', old(), { end: NOW - this.int(65, 115), label: 'ended_exact_rule' });
    }
    if (p.team === 1) this.add('app', p, 'audit/quarterly-export', this.on.has('rules') ? 'quarterly_team_rule' : 'quarterly_unconfigured', -300);
    else if (this.rnd() < 0.03) this.add('app', p, 'audit/quarterly-export', 'ended', old(), { end: NOW - this.int(65, 115), label: 'ended_elsewhere' });
  }

  /** A retired file share: most needs ended long ago. */
  private retired(): Shape {
    return this.rnd() < 0.9 ? 'ended' : 'active';
  }

  private routine(p: Person): Shape {
    return this.pick(p.away ? ON_LEAVE_ROUTINE : ROUTINE);
  }

  /** A new hire receives what the team has, at their start; some not used yet. */
  private newHire(p: Person): void {
    const start = p.start!;
    const fresh = (): Shape => (this.rnd() < 0.7 ? 'new_typical' : 'new_typical_unused');
    for (let j = 0; j < CORE; j++) if (this.rnd() < 0.9) this.add('app', p, coreOf(p.team, j), fresh(), start);
    this.add('app', p, toolsOf(p.team), fresh(), start);
    for (const repo of reposOf(p.team)) this.add('github', p, repo, fresh(), start);
    this.add('app', p, 'company/wiki', 'new_typical', start);
    this.add('okta', p, `app/${APPS.slack.id}`, 'new_typical', start);
  }

  /** A mover receives the new team's permissions on the move day. */
  private joinNewTeam(p: Person): void {
    const moved = p.move!.day;
    const shape: Shape = NOW - moved <= TTL_DAYS ? 'new_typical' : 'active';
    for (let j = 0; j < CORE; j++) if (this.rnd() < 0.9) this.add('app', p, coreOf(p.team, j), shape, moved);
    if (toolsOf(p.team) !== toolsOf(p.move!.from)) this.add('app', p, toolsOf(p.team), shape, moved);
    for (const repo of reposOf(p.team)) this.add('github', p, repo, shape, moved);
  }

  /**
   * New grants, younger than the TTL: a core permission of the person's own team that they lacked
   * (typical), another team's core permission that nobody on their team holds (atypical), and a new
   * repository granted to a whole team.
   */
  private newGrants(): void {
    for (const p of this.people) {
      if (p.role !== 'regular' || this.rnd() > 0.25) continue;
      const granted = NOW - 1 - Math.floor(this.rnd() * (TTL_DAYS - 5));
      const held = new Set((this.byPerson.get(p) ?? []).map((x) => x.g.permission));
      const own = Array.from({ length: CORE }, (_, j) => coreOf(p.team, j)).find((perm) => !held.has(perm));
      if (this.rnd() < 0.6 && own) this.add('app', p, own, 'new_typical', granted);
      else this.add('app', p, coreOf((p.team + 1 + Math.floor(this.rnd() * (this.teams - 1))) % this.teams, 0), this.rnd() < 0.5 ? 'new_atypical_used' : 'new_atypical_unused', granted);
    }
    for (let t = 3; t < this.teams; t += 10) {
      const granted = NOW - this.int(10, 30);
      for (const p of this.people.filter((x) => x.team === t && x.status !== 'terminated' && (x.start ?? -Infinity) <= granted)) {
        this.add('github', p, `repo/corp-example/team${t}-newservice`, this.rnd() < 0.7 ? 'new_team_repo' : 'new_team_repo_unused', granted, { team: `team${t}` });
      }
    }
  }

  /** Protected service accounts (not in the directory) holding grants they never use. */
  private serviceAccounts(): void {
    for (let t = 0; t < 3; t++) this.addRaw('app', 'svc-deploy@corp.example', coreOf(t, 0), -300, 'protected', null, 'protected');
    for (const share of ['share/finance-archive', 'share/eng-legacy']) this.addRaw('fileshare', 'svc-backup@corp.example', share, -300, 'protected', null, 'protected');
  }

  /** An app that signs in outside Okta: assigned to many, used by them, never in the System Log. */
  private unloggedApp(): void {
    const holders = this.people.filter((p) => p.role === 'regular' && p.id !== 'p1');
    const n = Math.max(8, Math.round(this.size / 40));
    for (let k = 0; k < n && holders.length; k++) {
      const [p] = holders.splice(Math.floor(this.rnd() * holders.length), 1);
      this.add('okta', p!, `app/${APPS.vpn.id}`, 'unlogged', -250);
    }
  }

  /** Two rotations: weekly shifts, a member every `members` weeks (longer than the TTL), some who left. */
  private drawRotations(): void {
    const pool = this.people.filter((p) => p.role === 'regular' && p.id !== 'p1');
    const size = Math.max(14, Math.round(this.size / 100)); // a turn every 14+ weeks: longer than the TTL
    for (const [name, permission, pagerduty] of [['primary', 'prod/OnCallAdmin', false], ['secondary', 'prod/OnCallDB', this.on.has('pagerduty')]] as const) {
      const members = Array.from({ length: size + 2 }, (_, k) => {
        const [p] = pool.splice(Math.floor(this.rnd() * pool.length), 1);
        return { p: p!, until: k === 0 ? this.int(50, 70) : k === 1 ? NOW - this.int(15, 25) : Infinity };
      });
      const r: Rotation = { name, permission, pagerduty, members, file: pagerduty ? `oncall/pagerduty-${name}.json` : `oncall/${name}.csv` };
      this.rotations.push(r);
      this.shifts.set(r, this.schedule(r));
    }
  }

  private schedule(r: Rotation): Shift[] {
    const out: Shift[] = [];
    const span = 7 * (r.members.length + 1);
    const queue = [...r.members]; // round robin: whoever's turn it is goes to the back
    for (let d = -span; d < NOW + span; d += 7) {
      const m = queue.find((x) => x.until > d)!;
      queue.splice(queue.indexOf(m), 1);
      queue.push(m);
      out.push({ person: out.length % 2 ? m.p.id : m.p.email, email: m.p.email, from: `${day(d)}T09:00:00Z`, to: `${day(d + 7)}T09:00:00Z` });
    }
    return out;
  }

  /** The shift days of a rotation member: [start, end) offsets. */
  private shiftsOf(p: Person, permission: string): [number, number][] {
    const r = this.rotations.find((x) => x.permission === permission)!;
    return this.shifts.get(r)!.filter((s) => s.email === p.email).map((s) => [daysBetween(LOGS_FROM, s.from.slice(0, 10)), daysBetween(LOGS_FROM, s.to.slice(0, 10))]);
  }

  /** One grant of a directory person: its uses drawn from its need, its truth from the need and the person's situation. */
  private add(system: SystemId, p: Person, permission: string, shape: Shape, granted: number, o: { end?: number; team?: string; label?: Need } = {}): void {
    const principal = system === 'github' ? p.login : p.email;
    let end = o.end ?? 10 + Math.floor(this.rnd() * (NOW - 20)); // when an ended need ended
    const away = p.away;
    if (away?.to != null && end >= away.from && end <= away.to) end = away.from - 1;
    const blocked = this.blocked(p, system);
    const drawn = p.role === 'leaver' ? this.pick(ROUTINE) : shape;
    const used = this.drawUses(system, principal, permission, drawn, granted, end, blocked, p);
    const [need, truth, group] = this.judge(system, p, permission, shape, granted, end, used > 0);
    const g = this.addRaw(system, principal, permission, granted, o.label && need === shape ? o.label : need, truth, group, o.team);
    const mine = this.byPerson.get(p) ?? [];
    mine.push({ g, granted });
    this.byPerson.set(p, mine);
    const key = `${system}\u0000${permission}`;
    (this.holders.get(key) ?? this.holders.set(key, new Set()).get(key)!).add(p);
  }

  private addRaw(system: SystemId, principal: string, permission: string, granted: number, need: Need, truth: TruthKind | null, group: Group | null, team?: string): TruthGrant {
    this.rows[system].push(grantLine(system, principal, permission, day(granted), team));
    const g: TruthGrant = { system, principal, permission, need, truth, group };
    this.grants.push(g);
    return g;
  }

  /** What lapse should say of a grant: its need, truth and group (team moves are labelled once all grants exist). */
  private judge(system: SystemId, p: Person, permission: string, shape: Shape, granted: number, end: number, used: boolean): [Need, TruthKind | null, Group | null] {
    if (p.status === 'terminated') return ['leaver', 'terminated', null];
    if (PROTECTED.includes(p.id)) return ['protected', null, 'protected'];
    if (system === 'legacy') return ['silent', null, 'silent'];
    if (p.role === 'leave_now') return ['on_leave', null, 'leave'];
    if (shape === 'emergency') return [shape, null, 'emergency'];
    if (shape === 'unlogged') return [shape, null, 'unlogged'];
    if (shape === 'on_call_rotation') return this.onCallTruth(p, permission, used);
    const paused = (from: number) => this.leaveDays(p, from);
    const truth = truthOf(shape, NOW - end - paused(end + 1), NOW - Math.max(granted, 0) - paused(Math.max(granted, 0)), p.move ? NOW - p.move.day : 0);
    if (p.role === 'leave_back') return [`back_${shape}`, truth, truth === null ? 'leave' : null];
    return [shape, truth, null];
  }

  /**
   * In the rotation (a shift ending on or after the as-of day): kept. Else the clock runs from the last
   * shift's end: stale past the TTL, or never used when the logs saw no use of it at all.
   */
  private onCallTruth(p: Person, permission: string, used: boolean): [Need, TruthKind | null, Group | null] {
    const lastEnd = Math.max(...this.shiftsOf(p, permission).map(([, to]) => to));
    if (lastEnd >= NOW) return ['on_call_rotation', null, 'on_call'];
    return ['on_call_left', NOW - lastEnd <= TTL_DAYS ? null : used ? 'stale' : 'never_used', null];
  }

  /** Days of a past leave from `from` to the as-of day: the TTL clock pauses for them. */
  private leaveDays(p: Person, from: number): number {
    const a = p.away;
    if (!a || a.to === null) return 0;
    return Math.max(0, Math.min(a.to, NOW) - Math.max(a.from, from) + 1);
  }

  /** Days a person's grant on a system cannot be used: on leave, or the system's logs stopped. */
  private blocked(p: Person, system: SystemId): (d: number) => boolean {
    const a = p.away;
    const stop = system === 'legacy' ? SILENT_FROM : Infinity;
    return (d) => d >= stop || (a !== null && d >= a.from && (a.to === null || d <= a.to));
  }

  /** Draws a grant's uses from its shape; returns how many the logs hold. */
  private drawUses(system: SystemId, principal: string, permission: string, shape: Shape, from: number, end: number, blocked: (d: number) => boolean, p: Person): number {
    const rnd = this.rnd;
    let n = 0;
    const use = (d: number) => {
      if (d < Math.max(0, from) || d >= NOW || blocked(d)) return;
      n++;
      this.uses[system].push(useLine(system, principal, permission, `${day(d)}T${String(8 + Math.floor(rnd() * 10)).padStart(2, '0')}:00:00Z`, this.events++, rnd()));
    };
    const lastOpen = (d: number) => {
      while (d > 0 && blocked(d)) d--;
      return d;
    };
    const rate = 0.05 + rnd() * 0.4;
    const active = (to: number, r = rate) => {
      for (let d = Math.max(0, from); d <= to; d++) if (rnd() < r) use(d);
    };
    const back = p.away?.to != null ? p.away : null;
    switch (shape) {
      case 'active':
      case 'new_typical':
      case 'new_team_repo':
      case 'new_atypical_used':
        if (shape === 'active' && back && rnd() < 0.6) {
          // Back from leave and not used since: the last use just before the leave.
          active(back.from - 1);
          use(back.from - 1 - Math.floor(rnd() * 3));
          break;
        }
        active(NOW - 1);
        use(lastOpen(NOW - 1 - Math.floor(rnd() * 5)));
        break;
      case 'sparse':
        for (let d = Math.floor(rnd() * 90); d < NOW; d += 45 + Math.floor(rnd() * 60)) use(d);
        break;
      case 'quarterly_configured':
      case 'quarterly_unconfigured':
      case 'quarterly_team_rule':
        for (const d of QUARTER_DAYS) use(d);
        break;
      case 'emergency':
        if (rnd() < 0.3) use(Math.floor(rnd() * 30));
        break;
      case 'ended':
      case 'ended_stray':
        active(end, Math.max(rate, 0.3));
        use(end);
        if (shape === 'ended_stray') use(end + 1 + Math.floor(rnd() * (NOW - end - 1)));
        break;
      case 'moved_left':
      case 'moved_helping': {
        const moved = p.move!.day;
        active(moved - 1);
        use(moved - 1 - Math.floor(rnd() * 3));
        if (shape === 'moved_helping') {
          for (let d = moved + 5 + Math.floor(rnd() * 10); d < NOW; d += 8 + Math.floor(rnd() * 12)) use(d);
          use(NOW - 1 - Math.floor(rnd() * 15));
        }
        break;
      }
      case 'on_call_rotation':
        for (const [a, b] of this.shiftsOf(p, permission)) for (let d = a; d < b; d++) if (rnd() < 0.35) use(d);
        break;
      default: // never used, not yet used, or never logged
        break;
    }
    return n;
  }

  /**
   * A mover's grants from before the move: typical of the old team (held by more than half of its
   * other active members) and unusual in the new one (by at most a fifth), past the grace, and not
   * already stale or never used, are team moves.
   */
  private labelMoves(): void {
    const active = (t: number, self: Person) => this.people.filter((x) => x.team === t && x !== self && x.status === 'active');
    for (const p of this.people.filter((x) => x.move)) {
      const { from, day: moved } = p.move!;
      const oldTeam = active(from, p);
      const newTeam = active(p.team, p);
      for (const { g, granted } of this.byPerson.get(p) ?? []) {
        if (granted >= moved || g.group || g.truth !== null) continue;
        const holders = this.holders.get(`${g.system}\u0000${g.permission}`)!;
        const share = (team: Person[]) => team.filter((x) => holders.has(x)).length / Math.max(1, team.length);
        if (share(oldTeam) > 0.5 && share(newTeam) <= 0.2 && NOW - moved >= MOVE_GRACE_DAYS) g.truth = 'team_move';
      }
    }
  }

  async write(dir: string): Promise<void> {
    this.heartbeats();
    for (const s of SYSTEMS) await writeSystem(dir, s, this.uses[s], this.rows[s]);
    const leave = this.on.has('leave');
    await put(dir, 'people.csv', directoryCsv(this.directory(NOW), leave));
    if (this.on.has('history')) {
      for (let d = 0; d < NOW; d += SNAPSHOT_EVERY) await put(dir, `directory-history/${day(d)}.csv`, directoryCsv(this.directory(d), leave));
    }
    if (leave) await put(dir, 'leave.csv', this.leaveCsv());
    for (const r of this.rotations) {
      const shifts = this.shifts.get(r)!;
      await put(dir, r.file, r.pagerduty ? pagerDutyOncalls(shifts, { id: `PSIM${r.name.toUpperCase()}`, name: `${r.name} on-call` }) : shiftsCsv(shifts));
    }
    await put(dir, 'lapse.yaml', configText({
      ttlDays: TTL_DAYS, history: this.on.has('history'), leave, onCall: this.rotations.map((r) => r.file), unlogged: this.on.has('unlogged'),
      rules: this.on.has('rules'), protectedPrincipals: PROTECTED, quarterlyTeam: 'team1',
    }));
  }

  /** Busy systems log something every day (a monitor, sign-ins to Okta, bots); the legacy system stopped. */
  private heartbeats(): void {
    for (let d = 0; d <= NOW; d++) {
      const ts = `${day(d)}T00:00:00Z`;
      const n = this.events++;
      this.uses.okta.push(oktaSessionStart(`p${d % this.size}@corp.example`, ts, n));
      this.uses.github.push(githubBotEntry('team0-svc', ts, n));
      this.uses.fileshare.push(useLine('fileshare', 'monitor@corp.example', 'heartbeat', ts, n, 0));
      this.uses.app.push(useLine('app', 'monitor@corp.example', 'heartbeat', ts, n, 0));
      if (d < SILENT_FROM) this.uses.legacy.push(useLine('legacy', 'monitor@corp.example', 'heartbeat', ts, n, 0));
    }
  }

  /** The whole directory as of a day: movers in their old team before the move, leave and termination as they happened. */
  private directory(d: number): DirectoryRow[] {
    return this.people
      .filter((p) => (p.start ?? -Infinity) <= d)
      .map((p) => {
        const team = p.move && d < p.move.day ? p.move.from : p.team;
        const leaving = p.away?.via === 'directory' && d >= p.away.from;
        const status = p.status === 'terminated' && d >= p.terminatedOn ? 'terminated' : leaving ? 'leave' : 'active';
        const lead = `p${team}`;
        return {
          id: p.id, email: p.email, team: `team${team}`, manager: p.id === lead ? '' : lead, status, aliases: `github:${p.login}`,
          start_date: p.start === null ? '' : day(p.start), leave_until: leaving ? p.away!.until : '',
        };
      });
  }

  private leaveCsv(): string {
    const rows = this.people
      .filter((p) => p.away?.via === 'file')
      .map((p, k) => `${k % 2 ? p.email : p.id},${day(p.away!.from)},${p.away!.to !== null ? day(p.away!.to) : p.away!.until}`);
    return `person,from,to\n${rows.join('\n')}\n`;
  }
}

/**
 * The truth of a grant by its need. `idle`: days since an ended need ended, less leave days; `observed`:
 * days since granted (or the logs began), less leave days; `movedAgo`: days since a mover's move.
 */
function truthOf(shape: Shape, idle: number, observed: number, movedAgo: number): TruthKind | null {
  switch (shape) {
    case 'ended':
    case 'ended_stray':
      return idle > TTL_DAYS ? 'stale' : null;
    case 'never':
      return observed > TTL_DAYS ? 'never_used' : null;
    case 'new_atypical_used':
    case 'new_atypical_unused':
      return 'cold_start_anomaly';
    case 'moved_left':
      return movedAgo > TTL_DAYS ? 'stale' : null;
    default:
      return null;
  }
}
