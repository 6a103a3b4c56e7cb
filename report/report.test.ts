import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadAsOf } from '../aggregate/index.js';
import { reportCommand } from '../cli/report.js';
import { addDays } from '../core/days.js';
import { StoreError, UsageError } from '../core/errors.js';
import { findingId } from '../core/findings.js';
import { silentLogger } from '../core/log.js';
import { recordRestore, recordRevocations } from '../core/records.js';
import type { StageContext } from '../core/context.js';
import { LocalLake } from '../core/store.js';
import { writeList } from '../lists/index.js';
import { detect } from '../detect/index.js';
import { ingest } from '../ingest/index.js';
import { chromiumAvailable, CHROMIUM, decodePng, pixelsNear, screenshot } from '../scripts/report-screenshot.js';
import { config, jsonl, stageContext, tempDir, writeFiles } from '../test/helpers.js';
import { niceScale, stackedBars } from './charts.js';
import { html } from './html.js';
import { buildReport, renderReport, type ReportData } from './index.js';

/**
 * A company of five with two systems, judged at three runs ten days apart:
 * - app: ann's `deploy` unused since January (stale), dan's `admin` never used, and a grant held by an
 *   unresolved principal whose name is an HTML injection attempt (never used). ben uses `deploy` daily.
 * - db: eve's `read` unused since January (stale); dan's `read` last used 2026-03-15, so stale from the
 *   second run (more than 90 days); ann's `write` never used, revoked after the second run (gone from the
 *   third run's snapshot: resolved). eve's `read` was revoked too, then restored: the regret.
 * - guards: at most 2 revocations per system, so `app` (3) is held at every run and `db` at the second.
 */
const RUNS = ['2026-06-10', '2026-06-20', '2026-06-30'] as const;
const EVIL = '<img src=x onerror=alert(1)>';
const EVIL_TEAM = 'ops<script>alert("team")</script>';

const PEOPLE = [
  'id,email,team,manager,status,aliases',
  'boss,boss@corp.example,eng,,active,',
  'ann,ann@corp.example,eng,boss,active,',
  'ben,ben@corp.example,eng,boss,active,',
  `dan,dan@corp.example,"${EVIL_TEAM.replaceAll('"', '""')}",boss,active,`,
  `eve,eve@corp.example,"${EVIL_TEAM.replaceAll('"', '""')}",boss,active,`,
].join('\n');

function events(): object[] {
  const out: object[] = [];
  const use = (day: string, user: string, sys: string, perm: string) => out.push({ ts: `${day}T12:00:00Z`, user, sys, perm });
  for (let d = '2026-01-01'; d <= RUNS[2]; d = addDays(d, 1)) {
    use(d, 'boss@corp.example', 'app', 'heartbeat');
    use(d, 'boss@corp.example', 'db', 'heartbeat');
    use(d, 'ben@corp.example', 'app', 'deploy');
  }
  use('2026-01-10', 'ann@corp.example', 'app', 'deploy');
  use('2026-01-05', 'eve@corp.example', 'db', 'read');
  use('2026-03-15', 'dan@corp.example', 'db', 'read');
  return out;
}

const grant = (principal: string, permission: string) => ({ principal, permission, granted_at: '2025-12-01' });
const APP_GRANTS = [
  grant('boss@corp.example', 'heartbeat'), grant('ann@corp.example', 'deploy'), grant('ben@corp.example', 'deploy'),
  grant('dan@corp.example', 'admin'), grant(EVIL, 'deploy'),
];
const DB_GRANTS = [grant('boss@corp.example', 'heartbeat'), grant('eve@corp.example', 'read'), grant('dan@corp.example', 'read')];
const ANN_WRITE = grant('ann@corp.example', 'write');

const system = (name: string) => ({
  connector: 'jsonl',
  logs: [{ path: `logs/${name}.jsonl` }],
  grants: { path: `grants/${name}.jsonl` },
  mapping: { time: 'ts', principal: 'user', permission: 'perm' },
});
const RAW_CONFIG = {
  store: 'lake',
  directory: { path: 'people.csv' },
  defaults: { ttl_days: 90, max_source_lag_days: 2 },
  systems: { app: system('app'), db: system('db') },
  guards: { max_revoke_fraction: 1, max_revoke_count: 2 },
  actions: [],
};

let dir: string;
let data: ReportData;
let page: string;
let closeCtx: () => void;
let stage: StageContext;
/** The run of the second day, whose list revoked ann's write and eve's read. */
let secondRun: string;

beforeAll(async () => {
  dir = await tempDir('lapse-report-');
  const all = events();
  await writeFiles(dir, {
    'people.csv': PEOPLE,
    'lapse.json': JSON.stringify(RAW_CONFIG),
    'logs/app.jsonl': jsonl(all.filter((e) => (e as { sys: string }).sys === 'app')),
    'logs/db.jsonl': jsonl(all.filter((e) => (e as { sys: string }).sys === 'db')),
    'grants/app.jsonl': jsonl(APP_GRANTS),
    'grants/db.jsonl': jsonl([...DB_GRANTS, ANN_WRITE]),
  });
  const ctx = await stageContext(config(dir, RAW_CONFIG), join(dir, 'lake'));
  closeCtx = ctx.close;
  stage = ctx;
  for (const day of RUNS) {
    // After the second run the revoker took ann's write away: the third run's snapshot no longer has it.
    if (day === RUNS[2]) await writeFiles(dir, { 'grants/db.jsonl': jsonl(DB_GRANTS) });
    await ingest(ctx, day);
    const detection = await detect(ctx, await loadAsOf(ctx, day));
    if (day === RUNS[1]) {
      secondRun = detection.run_id;
      const entries = [['ann@corp.example', 'write'], ['eve@corp.example', 'read']].map(([principal, permission]) => ({
        finding_id: findingId('db', principal!, permission!), principal: principal!, permission: permission!, reason: 'stale',
      }));
      await recordRevocations(ctx.lake, detection, { system: 'db', entries, held_reason: null });
      await recordRestore(ctx.lake, {
        restore_id: 'r_test', system: 'db', principal: 'eve@corp.example', permission: 'read', person: 'eve',
        finding_id: findingId('db', 'eve@corp.example', 'read'), reason: 'month-end "close" <needs> it', requested_by: 'boss',
        requested_at: '2026-06-25T09:00:00Z', revoked_in_run: detection.run_id, list: 'lake://restores',
      });
    }
  }
  data = await buildReport(ctx);
  page = renderReport(data);
}, 60_000);

afterAll(() => closeCtx?.());

const cells = (system: string, kind: string) => data.by_system.find((r) => r.system === system && r.kind === kind);
const flagged = (day: string, sys: string) => data.trend.find((t) => t.as_of === day && t.system === sys)?.flagged;

describe('the report data', () => {
  test('is as of the newest run, with every run for the trend', () => {
    expect(data.as_of).toBe(RUNS[2]);
    expect(data.runs.map((r) => r.as_of)).toEqual([...RUNS]);
    expect(data.systems).toEqual(['app', 'db']);
  });

  test('counts findings by system and kind', () => {
    expect(cells('app', 'stale')).toMatchObject({ flagged: 1, resolved: 0 });
    expect(cells('app', 'never_used')).toMatchObject({ flagged: 2 });
    expect(cells('db', 'stale')).toMatchObject({ flagged: 2, new: 0 });
    // ann's write: revoked, gone from the snapshot, resolved by this run.
    expect(cells('db', 'never_used')).toMatchObject({ flagged: 0, resolved: 1 });
  });

  test('follows flagged grants across runs', () => {
    expect(RUNS.map((d) => [flagged(d, 'app'), flagged(d, 'db')])).toEqual([[3, 2], [3, 3], [3, 2]]);
    expect(data.trend.find((t) => t.as_of === RUNS[1] && t.system === 'db')).toMatchObject({ new: 1 });
    // Revocations before each run, as the run's sources saw them.
    expect(RUNS.map((d) => data.trend.find((t) => t.as_of === d && t.system === 'db')?.revoked)).toEqual([0, 0, 2]);
  });

  test('groups by team, unresolved principals apart', () => {
    const team = (t: string | null) => data.by_team.filter((r) => r.team === t).reduce((a, r) => a + r.flagged, 0);
    expect([team(EVIL_TEAM), team('eng'), team(null)]).toEqual([3, 1, 1]);
    expect(data.by_team[0]!.team).toBe(EVIL_TEAM);
    const people = (t: string | null) => data.by_team.find((r) => r.team === t)?.people;
    expect([people(EVIL_TEAM), people('eng'), people(null)]).toEqual([2, 1, 1]);
  });

  test('ranks permissions by stale holders, with the snapshot holders', () => {
    expect(data.top_permissions.slice(0, 2).map((p) => [p.system, p.permission, p.flagged, p.holders])).toEqual([
      ['app', 'deploy', 2, 3],
      ['db', 'read', 2, 2],
    ]);
  });

  test('counts revocations and restores (regret), and the guards of every run', () => {
    // The config has no revocations.target: the acks cannot be read, so the page says "put on lists".
    expect(data.revoked_measure).toBe('put_on_lists');
    expect(data.regret).toEqual([{ system: 'db', put_on_lists: 2, revoked: null, restored: 1 }]);
    expect(data.restores.map((r) => r.principal)).toEqual(['eve@corp.example']);
    expect(data.guards.map((g) => [g.as_of, g.system, g.guard, g.held])).toEqual([
      [RUNS[2], 'app', 'blast_radius', 3],
      [RUNS[1], 'app', 'blast_radius', 3],
      [RUNS[1], 'db', 'blast_radius', 3],
      [RUNS[0], 'app', 'blast_radius', 3],
    ]);
  });

  test('the headline counts agree: a grant the blast-radius guard held is held, not revocable', () => {
    // app would revoke 3 of its grants at every run (limit 2): its whole list is held.
    const now = (system: string) => data.trend.find((t) => t.as_of === RUNS[2] && t.system === system)!;
    expect(now('app')).toMatchObject({ flagged: 3, held: 3, revocable: 0 });
    expect(now('db')).toMatchObject({ flagged: 2, held: 0, revocable: 2 });
    for (const t of data.trend) expect(t.held + t.revocable, `${t.as_of} ${t.system}`).toBeLessThanOrEqual(t.flagged);
    expect(data.by_system.filter((r) => r.system === 'app').map((r) => r.revocable)).toEqual([0, 0]);
    expect(page).toMatch(/<b>2<\/b><span>revocable now<\/span>/);
    expect(page).toMatch(/<b>3<\/b><span>held by a rule or guard<\/span>/);
  });

  test('with the lists target in the config, "revoked" counts what a revoker acknowledged as applied', async () => {
    const raw = { ...RAW_CONFIG, actions: [{ type: 'revocation_list' }], revocations: { target: 'lists' } };
    const target = new LocalLake(join(dir, 'lists'));
    const entry = (principal: string, permission: string) => ({
      system: 'db', principal, permission, person: null, reason: 'stale', last_used: null, granted_at: null, days_unused: 100,
      ttl_days: 90, finding_id: findingId('db', principal, permission), run_id: secondRun,
    });
    const entries = [entry('ann@corp.example', 'write'), entry('eve@corp.example', 'read')];
    await writeList(target, { system: 'db', as_of: RUNS[1], run_id: secondRun, kind: 'revocations', entries, held_reason: null });
    const ack = (finding_id: string, status: string) => ({ finding_id, status, detail: '', attempts: 1, at: '2026-06-21T08:00:00Z' });
    // ann's write was revoked; eve's read failed (a token problem): put on a list, not revoked.
    await target.writeText(`db/${RUNS[1]}/${secondRun}/ack.jsonl`, jsonl([ack(entries[0]!.finding_id, 'applied'), ack(entries[1]!.finding_id, 'failed')]));
    const acked = await buildReport({ ...stage, config: config(dir, raw) });
    expect(acked.revoked_measure).toBe('revoked');
    // eve's restore request is of a grant never revoked: no regret.
    expect(acked.regret).toEqual([{ system: 'db', put_on_lists: 2, revoked: 1, restored: 0 }]);
    const html = renderReport(acked);
    expect(html).toMatch(/<b>1<\/b><span>revoked \(applied by a revoker\) to date<\/span>/);
    expect(html).toContain('1 revoked · 0 restored (0.0%)');
  });

  test('lists the longest unused grants first', () => {
    const days = data.oldest.map((r) => r.days_unused ?? 0);
    expect(days).toEqual([...days].sort((a, b) => b - a));
    expect(data.oldest.find((r) => r.principal === 'eve@corp.example')).toMatchObject({ system: 'db', kind: 'stale', last_used: '2026-01-05' });
    expect(data.oldest.map((r) => r.principal)).toContain(EVIL);
    expect(data.oldest).toHaveLength(5);
  });
});

describe('the HTML page', () => {
  test('is self-contained: no script, no external resource, a CSP that forbids both', () => {
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).not.toMatch(/<(script|link|iframe|img|object|embed|base)\b|<[^>]*\s(src|href|on\w+)=|url\(|@import/i);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    expect(page.match(/https?:\/\/[^"\s]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  test('escapes every string from the lake (principals, teams, restore reasons)', () => {
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('ops&lt;script&gt;alert(&quot;team&quot;)&lt;/script&gt;');
    expect(page).toContain('month-end &quot;close&quot; &lt;needs&gt; it');
    expect(page).not.toContain(EVIL);
    expect(page).not.toContain('<script>');
  });

  test('has every chart, each titled and described, with its numbers in a table', () => {
    const svgs = page.match(/<svg class="chart" role="img" aria-labelledby="([\w-]+)-t \1-d"/g) ?? [];
    expect(svgs).toHaveLength(7); // by system, trend, by team, top permissions, regret, regret trend, guards
    for (const id of ['by-system', 'trend', 'by-team', 'top-permissions', 'regret', 'oldest', 'guards']) {
      const sectionHtml = page.slice(page.indexOf(`<section id="${id}"`), page.indexOf('</section>', page.indexOf(`<section id="${id}"`)));
      expect(sectionHtml, id).toContain('<table>');
    }
    expect(page).toContain('<title id="by-system-t">Flagged grants by system and kind, as of 2026-06-30</title>');
    // The trend's table: one row per run with each system and the total.
    expect(page).toMatch(/<tr><td class="day">2026-06-20<\/td><td class="num">3<\/td><td class="num">3<\/td><td class="num">6<\/td>/);
    // The trend's lines: a path per series through the three runs.
    expect(page.match(/<path d="M[\d.,]+ L[\d.,]+ L[\d.,]+"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(page).toContain('2 of 3 holders');
    expect(page).toContain('2 put on lists · 1 restored (50.0%)');
    expect(page).toMatch(/<b>2<\/b><span>put on revocation lists to date<\/span>/);
    expect(page).toContain('Counted as put on lists, not revoked: the config has no revocations.target');
    expect(page).toMatch(/<b>5<\/b><span>flagged grants now<\/span>/);
  });
});

describe('charts', () => {
  test.each([
    [0, 1, 1],
    [3, 3, 1],
    [7, 8, 2],
    [23, 25, 5],
    [101, 150, 50],
    [1234, 1500, 500],
  ])('niceScale(%i) ends at %i in steps of %i', (max, end, step) => {
    expect(niceScale(max)).toEqual({ end, step });
  });

  test('stacked bars are as long as their values', () => {
    const svg = stackedBars({
      id: 't', title: 't', desc: 'd', series: [{ name: 'a', color: '#111111' }, { name: 'b', color: '#222222' }],
      rows: [{ label: 'x', values: [2, 3] }, { label: 'y', values: [5, 0] }],
    }).text;
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[0]! / widths[1]!).toBeCloseTo(2 / 3, 2);
    expect(widths[2]!).toBeCloseTo(widths[0]! + widths[1]!, 0);
  });

  test('html escapes values but keeps nested html', () => {
    expect(html`<p>${'<b>"x" & \'y\''}${html`<i>ok</i>`}${[1, null, false, 'z']}</p>`.text).toBe(
      '<p>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;<i>ok</i>1z</p>',
    );
  });
});

describe('lapse report (the command)', () => {
  const io = () => {
    const out: string[] = [];
    return { out, io: { out: (s: string) => void out.push(s), log: silentLogger() } };
  };

  test('writes the page, and --as-of limits it to the runs up to that day', async () => {
    const { out, io: o } = io();
    const file = join(dir, 'out/report.html');
    expect(await reportCommand(o, { config: join(dir, 'lapse.json'), out: file, asOf: RUNS[1] })).toBe(0);
    expect(out.join('')).toContain(`as of ${RUNS[1]} · 2 runs`);
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`<b>${RUNS[1]}</b>`);
    expect(text).not.toContain(RUNS[2]);
    // Restored on 2026-06-25: not yet regret as of the second run.
    expect(text).toContain('2 put on lists · 0 restored (0.0%)');
  });

  test('refuses a day before any run, a remote --out and a bad --as-of, naming them', async () => {
    const { io: o } = io();
    const cfg = join(dir, 'lapse.json');
    await expect(reportCommand(o, { config: cfg, out: join(dir, 'r.html'), asOf: '2026-01-01' })).rejects.toThrow(
      new StoreError(`no runs in ${join(dir, 'lake')} on or before 2026-01-01: run lapse run (or lapse detect) first`),
    );
    await expect(reportCommand(o, { config: cfg, out: 's3://bucket/report.html' })).rejects.toThrow(UsageError);
    await expect(reportCommand(o, { config: cfg, out: join(dir, 'r.html'), asOf: '2026-13-01' })).rejects.toThrow(/--as-of 2026-13-01/);
  });
});

describe('a damaged lake', () => {
  test('names what is wrong and where: an unreadable run summary, a missing findings file', async () => {
    const other = await tempDir('lapse-report-bad-');
    const ctx = await stageContext(config(other, RAW_CONFIG), join(other, 'lake'));
    try {
      await ctx.lake.writeText('runs/as_of=2026-06-01/run.json', '{"as_of": "2026-06-01", "run_id": ');
      await expect(buildReport(ctx)).rejects.toThrow(/cannot read the run summaries under .*lake\/runs\//);
      await ctx.lake.writeText('runs/as_of=2026-06-01/run.json', JSON.stringify({ as_of: '2026-06-01', run_id: '2026-06-01-x' }));
      await expect(buildReport(ctx)).rejects.toThrow(/lake\/findings\/as_of=2026-06-01\/findings.parquet is missing/);
    } finally {
      ctx.close();
    }
  });
});

const skipReason = chromiumAvailable() ? '' : ` (skipped: ${CHROMIUM} not found; apt-get install chromium)`;

describe('in a real browser', () => {
  test(`renders in headless chromium with the charts visible${skipReason}`, async (t) => {
    if (skipReason) console.warn(`report.test: browser check${skipReason}`);
    t.skip(!!skipReason, `${CHROMIUM} not found`);
    const file = join(dir, 'shot.html');
    await writeFile(file, page);
    const picture = decodePng(await readFile(await screenshot(file, join(dir, 'shot.png'), { height: 1400, timeoutMs: 60_000 })));
    expect([picture.width, picture.height]).toEqual([1280, 1400]);
    expect(picture.colors.size).toBeGreaterThan(100);
    // Bars of each kind, the regret and the guards are drawn in their own colours (the page's fill colours).
    for (const color of ['#E69F00', '#56B4E9', '#009E73', '#0072B2']) {
      expect(pixelsNear(picture, color), color).toBeGreaterThan(150);
    }
  }, 90_000);
});
