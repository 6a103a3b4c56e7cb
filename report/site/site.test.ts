import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadAsOf } from '../../aggregate/index.js';
import { reportCommand } from '../../cli/report.js';
import { addDays } from '../../core/days.js';
import { UsageError } from '../../core/errors.js';
import { addExemption } from '../../core/exemptions.js';
import { findingId } from '../../core/findings.js';
import { silentLogger } from '../../core/log.js';
import { recordRestore, recordRevocations } from '../../core/records.js';
import { sitePath } from '../../core/site.js';
import { detect } from '../../detect/index.js';
import { ingest } from '../../ingest/index.js';
import { chromiumAvailable, CHROMIUM, decodePng, pixelsNear, screenshot } from '../../scripts/report-screenshot.js';
import { config, hashes, jsonl, stageContext, tempDir, writeFiles } from '../../test/helpers.js';
import { scriptHash } from '../page.js';
import { FILTER_SCRIPT } from './filter.js';

/**
 * A small company whose names are hostile: person ids that are markup, a path escape and names that
 * read alike (`Ann`/`ann`, `Zoë`/`zoe`), teams likewise. One run on 2026-06-30, 7 days of notice:
 * - Ann: `deploy` in use (last 2026-06-20), `db/read` stale since February (flagged), `old/tool` revoked
 *   on 2026-06-20 and restored on 2026-06-25.
 * - ann: `it's <b>` revoked on 2026-06-20, not restored (her restore command must quote it).
 * - <script>: `admin` in use; `rare/thing` granted ten days ago, never used, held by nobody else (an anomaly).
 * - ../../etc/passwd: `deploy` last used 2026-04-15: lapses on 2026-07-22, within the 30 days.
 * - Zoë: `ops/breakglass` (emergency-only); zoe: `deploy`, stale but exempted (owner boss).
 */
const AS_OF = '2026-06-30';
const EVIL = '<script>alert(1)</script>';
const DOTS = '../../etc/passwd';
const EVIL_TEAM = '<img src=x onerror=alert(2)>';
const DOTS_TEAM = '../teams';
const PERM = "it's <b>";

const PEOPLE = [
  'id,email,team,manager,status',
  'boss,boss@corp.example,platform,,active',
  `"${EVIL}",evil@corp.example,"${EVIL_TEAM}",boss@corp.example,active`,
  `${DOTS},dots@corp.example,${DOTS_TEAM},boss,active`,
  'Zoë,zoe1@corp.example,données/équipe,boss,active',
  'zoe,zoe2@corp.example,donnees/equipe,boss,active',
  'Ann,ann@corp.example,platform,Zoë,active',
  'ann,ann2@corp.example,platform,Zoë,active',
].join('\n');

function events(): object[] {
  const out: object[] = [];
  const use = (day: string, user: string, perm: string) => out.push({ ts: `${day}T12:00:00Z`, user, perm });
  for (let d = '2026-01-01'; d <= AS_OF; d = addDays(d, 1)) {
    use(d, 'monitor@corp.example', 'heartbeat');
    if (d <= '2026-06-20') use(d, 'ann@corp.example', 'deploy');
  }
  use('2026-02-01', 'ann@corp.example', 'db/read');
  use('2026-06-25', 'evil@corp.example', 'admin');
  use('2026-04-15', 'dots@corp.example', 'deploy');
  use('2026-01-10', 'zoe2@corp.example', 'deploy');
  return out;
}

const grant = (principal: string, permission: string, granted_at = '2025-12-01') => ({ principal, permission, granted_at });
const GRANTS = [
  grant('ann@corp.example', 'deploy'), grant('ann@corp.example', 'db/read'), grant('evil@corp.example', 'admin'),
  grant('evil@corp.example', 'rare/thing', '2026-06-20'), grant('dots@corp.example', 'deploy'),
  grant('zoe1@corp.example', 'ops/breakglass'), grant('zoe2@corp.example', 'deploy'),
];

const RAW_CONFIG = {
  store: 'lake',
  directory: { path: 'people.csv' },
  defaults: { ttl_days: 90, max_source_lag_days: 2 },
  systems: {
    app: {
      connector: 'jsonl', logs: [{ path: 'logs/app.jsonl' }], grants: { path: 'grants.jsonl' },
      mapping: { time: 'ts', principal: 'user', permission: 'perm' },
      permissions: { 'ops/breakglass': { emergency_only: true } },
    },
  },
  lifecycle: { grace_days: 7 },
  actions: [],
};

let dir: string;
let site: string;
let output = '';
let lakeBefore: Record<string, string>;
let lakeAfter: Record<string, string>;

const io = () => ({ out: (s: string) => void (output += s), log: silentLogger() });
const read = (path: string) => readFile(join(site, path), 'utf8');

beforeAll(async () => {
  dir = await tempDir('lapse-site-');
  await writeFiles(dir, { 'people.csv': PEOPLE, 'lapse.json': JSON.stringify(RAW_CONFIG), 'logs/app.jsonl': jsonl(events()), 'grants.jsonl': jsonl(GRANTS) });
  const ctx = await stageContext(config(dir, RAW_CONFIG), join(dir, 'lake'));
  try {
    await ingest(ctx, AS_OF);
    const detection = await detect(ctx, await loadAsOf(ctx, AS_OF));
    const entry = (principal: string, permission: string) => ({ finding_id: findingId('app', principal, permission), principal, permission, reason: 'stale' });
    await recordRevocations(ctx.lake, { as_of: '2026-06-20', run_id: '2026-06-20-r1' }, {
      system: 'app', entries: [entry('ann@corp.example', 'old/tool'), entry('ann2@corp.example', PERM)], held_reason: null,
    });
    await recordRestore(ctx.lake, {
      restore_id: 'r_1', system: 'app', principal: 'ann@corp.example', permission: 'old/tool', person: 'Ann',
      finding_id: findingId('app', 'ann@corp.example', 'old/tool'), reason: 'month-end <close>', requested_by: 'boss',
      requested_at: '2026-06-25T09:00:00Z', revoked_in_run: '2026-06-20-r1', list: 'lake://restores',
    });
    await addExemption(ctx.lake, {
      system: 'app', permission: 'deploy', principal: 'zoe2@corp.example', person: null, owner: 'boss <b>', reason: 'quarterly close',
      starts: '2026-06-01', until: '2026-12-31', created_by: 'test', source: 'cli',
    }, new Date('2026-06-01T00:00:00Z'));
    expect(detection.as_of).toBe(AS_OF);
  } finally {
    ctx.close();
  }
  lakeBefore = await hashes(join(dir, 'lake'));
  site = join(dir, 'site');
  expect(await reportCommand(io(), { config: join(dir, 'lapse.json'), site })).toBe(0);
  lakeAfter = await hashes(join(dir, 'lake'));
}, 90_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const manifest = async () => JSON.parse(await read('site.json')) as { people: Record<string, string>; teams: Record<string, string>; managers: Record<string, string> };

async function files(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => relative(root, join(f.parentPath, f.name))).sort();
}

describe('the site', () => {
  test('has a page per person, team and manager at the documented paths, with safe names that never collide', async () => {
    const m = await manifest();
    expect(Object.keys(m.people).sort()).toEqual(['../../etc/passwd', '<script>alert(1)</script>', 'Ann', 'Zoë', 'ann', 'boss', 'zoe']);
    expect(Object.keys(m.teams).sort()).toEqual(['../teams', EVIL_TEAM, 'donnees/equipe', 'données/équipe', 'platform']);
    expect(Object.keys(m.managers).sort()).toEqual(['Zoë', 'boss']);
    for (const [id, path] of Object.entries(m.people)) expect(path).toBe(sitePath('person', id));
    const all = await files(site);
    expect(all).toHaveLength(5 + 1 + 7 + 5 + 2);
    for (const f of all) expect(f).toMatch(/^(index|expiring)\.html$|^site\.json$|^(people|teams|managers)\/(index|[a-z0-9-]+-[0-9a-f]{12})\.html$/);
    expect(new Set(all.map((f) => f.toLowerCase())).size).toBe(all.length);
    expect(output).toMatch(/lapse report --site · as of 2026-06-30 · 7 people · 20 files · [\d.]+ s · /);
  });

  test('writes nothing to the lake', () => {
    expect(lakeAfter).toEqual(lakeBefore);
  });

  test('every page escapes names, runs only its filter script (allowed by hash) and fetches nothing', async () => {
    const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${scriptHash(FILTER_SCRIPT)}`;
    for (const f of (await files(site)).filter((x) => x.endsWith('.html'))) {
      const text = await read(f);
      expect(text, f).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
      const scripts = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
      expect(scripts.map((s) => s[1]), f).toEqual([FILTER_SCRIPT]);
      expect(text, f).not.toContain(EVIL);
      expect(text, f).not.toMatch(/<(link|iframe|object|embed|base|img)\b|<[^>]*\s(on\w+|src)=|url\(|@import/i);
      expect(text.match(/https?:\/\/[^"\s]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg') ?? true, f).toBe(true);
    }
    expect(await read(sitePath('person', EVIL))).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('every link leads to a page of the site', async () => {
    for (const f of (await files(site)).filter((x) => x.endsWith('.html'))) {
      for (const [, href] of (await read(f)).matchAll(/href="([^"]*)"/g)) {
        expect(href, f).toMatch(/^(\.\.\/)*[a-z0-9/-]+\.html$/);
        const target = resolve(dirname(join(site, f)), href!);
        expect(target.startsWith(`${site}/`), `${f} → ${href}`).toBe(true);
        expect(existsSync(target), `${f} → ${href}`).toBe(true);
      }
    }
  });
});

describe('a person page', () => {
  test('says when each grant lapses unless used, and what happens', async () => {
    const ann = await read(sitePath('person', 'Ann'));
    // deploy, last used 2026-06-20: past its TTL on 2026-09-19, plus 7 days of notice.
    expect(ann).toMatch(/<td>deploy<\/td><td>ann@corp.example<\/td><td class="day">2026-06-20<\/td><td class="num">90<\/td><td class="day">2026-09-26<\/td>/);
    // db/read: stale, flagged today, revocable after the notice.
    expect(ann).toMatch(/<td>db\/read<\/td>.*<td class="day">2026-07-07<\/td><td>stale<\/td>/);
    expect(ann).toContain('lapse runs in report mode');
    expect(ann).toMatch(/<dt>manager<\/dt><dd><a href="\.\.\/people\/zoe-[0-9a-f]{12}\.html">Zoë<\/a><\/dd>/);
    expect(ann).toContain(`href="../${sitePath('team', 'platform')}"`);
  });

  test('shows what was lost and the exact restore command, and what was restored', async () => {
    const ann2 = await read(sitePath('person', 'ann'));
    expect(ann2).toContain("<pre class=\"cmd\">lapse restore --config lapse.json --system app --principal ann2@corp.example --permission &#39;it&#39;\\&#39;&#39;s &lt;b&gt;&#39; --reason &#39;&lt;why&gt;&#39; --requested-by &lt;who&gt;</pre>");
    const ann = await read(sitePath('person', 'Ann'));
    expect(ann).toContain('restore requested 2026-06-25 by boss: month-end &lt;close&gt;');
    expect(ann).not.toContain('--permission old/tool');
  });

  test('lists exemptions with their owner', async () => {
    const zoe = await read(sitePath('person', 'zoe'));
    expect(zoe).toMatch(/<td>deploy<\/td><td>zoe2@corp.example<\/td><td>boss &lt;b&gt;<\/td><td>quarterly close<\/td><td class="day">2026-06-01<\/td><td class="day">2026-12-31<\/td><td>in force<\/td>/);
    expect(await read(sitePath('person', 'Zoë'))).toContain('emergency-only');
  });
});

describe('team and manager pages', () => {
  test('list their people\'s grants lapsing soon and the anomalies awaiting a decision', async () => {
    const evilTeam = await read(sitePath('team', EVIL_TEAM));
    expect(evilTeam).toContain('<section id="decisions"');
    expect(evilTeam).toMatch(/<td><a href="\.\.\/people\/script-alert-1-script-[0-9a-f]{12}\.html">&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/a><\/td><td>app<\/td><td>rare\/thing<\/td>/);
    const dots = await read(sitePath('team', DOTS_TEAM));
    expect(dots).toMatch(/<td>deploy<\/td><td class="day">2026-04-15<\/td><td class="day">2026-07-22<\/td>/);
    const boss = await read(sitePath('manager', 'boss'));
    // boss manages four people (one named by e-mail); Ann and ann report to Zoë.
    expect(boss).toMatch(/<b>4<\/b><span>people<\/span>/);
    const zoe = await read(sitePath('manager', 'Zoë'));
    expect(zoe).toMatch(/<b>2<\/b><span>people<\/span>/);
    expect(zoe).toMatch(/<b>1<\/b><span>revoked<\/span>.*<b>1<\/b><span>restored<\/span>/s);
  });

  test('the expiring page lists every grant lapsing within the days asked, soonest first', async () => {
    const page = await read('expiring.html');
    const days = [...page.matchAll(/<td class="day">(2026-\d\d-\d\d)(?: \(due\))?<\/td><td>(?!never)/g)].map((m) => m[1]);
    expect(page).toContain('db/read');
    expect(page).toContain('2026-07-22');
    expect(page).not.toContain('2026-09-26');
    expect(days).toEqual([...days].sort());
  });
});

describe('lapse report --site (the command)', () => {
  const cfg = () => join(dir, 'lapse.json');

  test('replaces its own site whole, and refuses a directory it did not write', async () => {
    await writeFile(join(site, 'people', 'stray.html'), 'old');
    expect(await reportCommand(io(), { config: cfg(), site, soonDays: '90' })).toBe(0);
    expect(existsSync(join(site, 'people', 'stray.html'))).toBe(false);
    expect(await read('expiring.html')).toContain('2026-09-26');
    const foreign = await mkdtemp(join(tmpdir(), 'lapse-foreign-'));
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    await expect(reportCommand(io(), { config: cfg(), site: foreign })).rejects.toThrow(/not empty and holds no site.json written by lapse report --site/);
    expect(await readFile(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
  });

  test('refuses bad flags, naming them', async () => {
    await expect(reportCommand(io(), { config: cfg() })).rejects.toThrow(UsageError);
    await expect(reportCommand(io(), { config: cfg(), site: 's3://bucket/site' })).rejects.toThrow(/--site s3:\/\/bucket\/site: expected a local directory/);
    await expect(reportCommand(io(), { config: cfg(), site, soonDays: '0' })).rejects.toThrow(/--soon-days 0: expected a whole number of days from 1 to 365/);
  });
});

const skipReason = chromiumAvailable() ? '' : ` (skipped: ${CHROMIUM} not found; apt-get install chromium)`;

/** The DOM after the page's scripts ran, as headless Chromium dumps it. */
function dumpDom(url: string): string {
  const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`chromium --dump-dom ${url}: ${r.stderr}`);
  return r.stdout;
}

describe('in a real browser', () => {
  test(`the company, a team and a person page render with their charts and tables${skipReason}`, async (t) => {
    if (skipReason) console.warn(`site.test: browser check${skipReason}`);
    t.skip(!!skipReason, `${CHROMIUM} not found`);
    const shots: [string, string[]][] = [
      ['index.html', ['#E69F00', '#56B4E9']], // the report's bars: stale and never-used findings
      [sitePath('team', 'platform'), ['#E69F00']], // grants lapsing soon
      [sitePath('person', 'Ann'), ['#E69F00', '#009E73']], // Ann's grants: lapsing soon, in use
    ];
    for (const [page, colors] of shots) {
      const png = await screenshot(join(site, page), join(dir, `${page.replaceAll('/', '_')}.png`), { height: 1400, timeoutMs: 60_000 });
      const picture = decodePng(await readFile(png));
      expect(picture.colors.size, page).toBeGreaterThan(100);
      for (const c of colors) expect(pixelsNear(picture, c), `${page} ${c}`).toBeGreaterThan(100);
    }
  }, 120_000);

  test(`the filter script runs under the page's CSP and filters from ?q=${skipReason}`, (t) => {
    t.skip(!!skipReason, `${CHROMIUM} not found`);
    const dom = dumpDom(`${pathToFileURL(join(site, 'people/index.html')).href}?q=zoe`);
    // The box is shown (the script ran), and only zoe's and Zoë's rows stay: Zoë's row holds zoe1@…
    expect(dom).toMatch(/<div class="filter"><input[^>]*data-filter="people-table"[^>]*><output[^>]*>2 of 7 rows<\/output>/);
    expect(dom.match(/<tr hidden="">/g)).toHaveLength(5);
  }, 60_000);
});
