import { sha256 } from './hash.js';

/**
 * The expiring-access site's URL scheme (`lapse report --site DIR`), in one place so notices and tickets
 * can link to a page without reading the site:
 *
 *   index.html                   the company page (today's report)
 *   expiring.html                every grant that lapses soon, filterable
 *   people/<slug>.html           one page per directory person (their directory id)
 *   teams/<slug>.html            one page per team (the directory's team name)
 *   managers/<slug>.html         one page per manager (the manager's directory id)
 *   people/, teams/, managers/index.html   the lists
 *
 * A slug is the id made safe for a file name and a URL (lower-case ASCII letters, digits and `-`, at most
 * 48 characters) followed by 12 hex digits of the sha256 of the exact id: ids that read alike (`Ann` and
 * `ann`, `a/b` and `a_b`, `zoë` and `zoe`) never share a file, on any file system, and a page keeps its
 * URL from run to run.
 */

export type SitePage = 'person' | 'team' | 'manager';

const FOLDERS: Record<SitePage, string> = { person: 'people', team: 'teams', manager: 'managers' };

/** `Zoë O'Brien/ops` → `zoe-o-brien-ops-<12 hex>`: safe in a file name and a URL, unique per id. */
export function siteSlug(id: string): string {
  const readable = id
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
  return `${readable || 'id'}-${sha256(id).slice(0, 12)}`;
}

/** The page's path inside the site, e.g. `people/ann-1f2e3d4c5b6a.html`. */
export function sitePath(kind: SitePage, id: string): string {
  return `${FOLDERS[kind]}/${siteSlug(id)}.html`;
}

/**
 * The page's URL under where the site is served, e.g.
 * `siteUrl('https://lapse.corp.example/', 'person', 'ann')` → `https://lapse.corp.example/people/ann-….html`.
 */
export function siteUrl(base: string, kind: SitePage, id: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${sitePath(kind, id)}`;
}
