import { sitePath, type SitePage } from '../../core/site.js';
import { fmt, html, table, type Cell, type Html } from '../html.js';
import { section } from '../page.js';
import { reportParts } from '../render.js';
import type { SiteData } from './data.js';
import { filtered } from './filter.js';
import { lapsesBy } from './lapse.js';
import { groupPage, indexSite, lapseLead, linkTo, nav, peopleSection, personPage, RIGHTSIZE_PAGE, sitePage, soonSection, type Index } from './pages.js';
import { rightsizePage } from './rightsize.js';

/** The manifest every site carries (`site.json`): what wrote it, as of when, and every page by id. */
export const MANIFEST = 'site.json';
export const GENERATOR = 'lapse report --site';

/**
 * The site's files, one `[path, content]` at a time (so a 10,000-person site never sits in memory whole):
 * the company page, the expiring list, the three lists, a page per person, team and manager, the
 * right-sizing page when the data has a rightsize document, and the manifest. Paths follow core/site.ts;
 * a collision of two ids' slugs throws before anything is yielded.
 */
export function* renderSite(d: SiteData): Generator<[string, string]> {
  const x = indexSite(d);
  const pages = manifest(x);
  yield ['index.html', companyPage(x)];
  yield ['expiring.html', expiringPage(x)];
  yield ['people/index.html', listPage(x, 'people/index.html', 'People', [peopleSection(x, sortedPeople(x), 1, 'all')])];
  yield ['teams/index.html', listPage(x, 'teams/index.html', 'Teams', [groupsSection(x, 'team', 1)])];
  yield ['managers/index.html', listPage(x, 'managers/index.html', 'Managers', [groupsSection(x, 'manager', 1)])];
  for (const p of sortedPeople(x)) yield [sitePath('person', p.id), personPage(x, p)];
  for (const [team, people] of x.teams) yield [sitePath('team', team), groupPage(x, 'team', team, people)];
  for (const [manager, people] of x.managers) yield [sitePath('manager', manager), groupPage(x, 'manager', manager, people)];
  if (d.rightsize) yield [RIGHTSIZE_PAGE, rightsizePage(d.rightsize, { nav: nav(0, RIGHTSIZE_PAGE, true) })];
  yield [MANIFEST, `${JSON.stringify(pages, null, 2)}\n`];
}

const sortedPeople = (x: Index) => [...x.person.values()];

/** Every page by id, refusing two ids that would share a file. */
function manifest(x: Index) {
  const seen = new Map<string, string>();
  const pathsOf = (kind: SitePage, ids: Iterable<string>) => Object.fromEntries([...ids].map((id) => {
    const path = sitePath(kind, id);
    const other = seen.get(path.toLowerCase());
    if (other !== undefined) throw new Error(`site: ${kind} ids ${JSON.stringify(other)} and ${JSON.stringify(id)} would share ${path}`);
    seen.set(path.toLowerCase(), id);
    return [id, path];
  }));
  return {
    generator: GENERATOR,
    as_of: x.d.as_of,
    run_id: x.d.report.run_id,
    people: pathsOf('person', x.person.keys()),
    teams: pathsOf('team', x.teams.keys()),
    managers: pathsOf('manager', x.managers.keys()),
    ...(x.d.rightsize && { rightsize: RIGHTSIZE_PAGE }),
  };
}

function listPage(x: Index, current: string, title: string, body: Html[]): string {
  return sitePage({ d: x.d, depth: 1, current, title, subtitle: html`${title.toLowerCase()} as of <b>${x.d.as_of}</b>`, body });
}

/** The company page: today's report, with the teams and the way to everyone's page. */
function companyPage(x: Index): string {
  const parts = reportParts(x.d.report);
  return sitePage({
    d: x.d, depth: 0, current: 'index.html', title: 'lapse: expiring access', subtitle: parts.subtitle,
    body: [...parts.body.slice(0, 1), groupsSection(x, 'team', 0), ...parts.body.slice(1)],
  });
}

/** Everything lapsing soon, company-wide, filterable: owners find their groups, people their own. */
function expiringPage(x: Index): string {
  const soon = x.d.grants.filter((g) => lapsesBy(g, x.d.soon_until))
    .sort((a, b) => (a.lapses_on! < b.lapses_on! ? -1 : a.lapses_on! > b.lapses_on! ? 1 : a.person < b.person ? -1 : 1));
  return sitePage({
    d: x.d, depth: 0, current: 'expiring.html', title: 'Expiring access',
    subtitle: html`every grant that lapses by <b>${x.d.soon_until}</b> unless used · as of <b>${x.d.as_of}</b>`,
    body: [soonSection(x, soon, null, 0)],
  });
}

/** Teams or managers with their counts, linked to their pages. */
function groupsSection(x: Index, kind: 'team' | 'manager', depth: number): Html {
  const groups = [...(kind === 'team' ? x.teams : x.managers)].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const rows = groups.map(([id, people]): Cell[] => {
    const grants = people.flatMap((p) => x.grants.get(p.id) ?? []);
    const lost = people.flatMap((p) => x.lost.get(p.id) ?? []);
    return [linkTo(depth, kind, id), people.length, grants.length, grants.filter((g) => lapsesBy(g, x.d.soon_until)).length,
      grants.filter((g) => g.state === 'awaiting_decision').length, lost.filter((l) => !l.restore).length];
  });
  const data = table(kind === 'team' ? 'Teams' : 'Managers', [kind, 'people', 'grants', `lapse by ${x.d.soon_until}`, 'awaiting a decision', 'revoked'], rows);
  const id = `${kind}s-table`;
  return section({
    id: `${kind}s`, title: kind === 'team' ? 'Teams' : 'Managers',
    lead: `${fmt(groups.length)} ${kind === 'team' ? 'teams' : 'managers'}; each page lists its people's grants that lapse soon, what awaits a decision and what was revoked. ${lapseLead(x.d)}`,
    content: [filtered(id, `filter ${kind}s`, data, rows.length)],
  });
}
