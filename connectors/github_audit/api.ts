import { createSign } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { GithubConnection } from '../../core/config.js';
import { SourceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { mapLimit } from '../../core/limit.js';
import { nextLink, Pacer, secretFrom, type ApiRecord, type EventPage, type GrantsApi, type LogApi } from '../_shared/api.js';

/**
 * The GitHub REST API through @octokit/rest with the paginate, retry and throttling plugins: the
 * organization audit log for uses, and members, repository collaborators and teams for grants. Signs in
 * with a fine-grained token, or as a GitHub App installation (a JWT signed with the app's key, traded
 * for an installation token). Keeps under the rate limit with the same pacer as Okta (x-ratelimit-*).
 */

const PARALLEL = 8;
/** Retries of a rate-limited call before the source gives up. */
const RATE_LIMIT_RETRIES = 4;

export type Field = string;

export async function githubClient(conn: GithubConnection, field: Field, log: Logger): Promise<Octokit> {
  const [{ Octokit }, { retry }, { throttling }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  const auth = conn.token_env !== undefined ? secretFrom(conn.token_env, `${field}.token_env`) : await installationToken(conn, field);
  const onLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
    log.warn({ source: 'github', url: options.url, retry_after_s: retryAfter, retry: retryCount }, `github ${kind} rate limit; waiting`);
    return retryCount < RATE_LIMIT_RETRIES;
  };
  const octokit = new (Octokit.plugin(retry, throttling))({
    auth,
    baseUrl: conn.api_url.replace(/\/$/, ''),
    userAgent: 'lapse',
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log.warn({ source: 'github' }, m), error: (m: string) => log.warn({ source: 'github' }, m) },
  });
  const pacer = new Pacer();
  octokit.hook.before('request', () => pacer.ready());
  octokit.hook.after('request', (res) => {
    const h = res.headers as Record<string, string | undefined>;
    pacer.observe(h['x-ratelimit-limit'], h['x-ratelimit-remaining'], h['x-ratelimit-reset']);
  });
  return octokit as unknown as Octokit;
}

/** A GitHub App installation's token: a JWT (RS256, ten minutes) signed with the app's key, traded in. */
async function installationToken(conn: GithubConnection, field: Field): Promise<string> {
  const key = secretFrom(conn.private_key_env!, `${field}.private_key_env`);
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 60, exp: now + 540, iss: String(conn.app_id) })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(key, 'base64url');
  } catch (err) {
    throw new SourceError(`${field}.private_key_env: ${conn.private_key_env} does not hold a usable private key (${(err as Error).message})`);
  }
  const res = await fetch(`${conn.api_url.replace(/\/$/, '')}/app/installations/${conn.installation_id}/access_tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${unsigned}.${signature}`, Accept: 'application/vnd.github+json', 'User-Agent': 'lapse' },
  });
  const body = (await res.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!res.ok || !body.token) {
    throw new SourceError(`${field}: GitHub App ${conn.app_id} could not get a token for installation ${conn.installation_id}: HTTP ${res.status} ${body.message ?? ''}`.trim());
  }
  return body.token;
}

/** `created:>=` takes a time with an offset. */
const phraseTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

/**
 * The organization's audit log (or the enterprise's, with every organization in it), oldest first from
 * `since`, every page's `after` cursor in its Link header.
 */
export function githubLogApi(octokit: Octokit, org: string, enterprise?: string): LogApi {
  return {
    name: 'github',
    async *pages(since: Date): AsyncGenerator<EventPage> {
      const query = { phrase: `created:>=${phraseTime(since)}`, include: 'all', order: 'asc', per_page: 100 } as const;
      const pages = enterprise
        ? octokit.paginate.iterator('GET /enterprises/{enterprise}/audit-log', { enterprise, ...query })
        : octokit.paginate.iterator('GET /orgs/{org}/audit-log', { org, ...query });
      for await (const res of pages) {
        yield { events: res.data as unknown as ApiRecord[], cursor: nextLink(res.headers.link) };
      }
    },
    eventId: (e) => (typeof e['_document_id'] === 'string' ? e['_document_id'] : null),
    eventTime: (e) => {
      const t = e['@timestamp'] ?? e['created_at'];
      const ms = typeof t === 'number' ? t : typeof t === 'string' ? (/^\d+$/.test(t) ? Number(t) : Date.parse(t)) : NaN;
      return Number.isFinite(ms) ? ms : null;
    },
  };
}

/**
 * Who holds what: organization members (`org/<org>`), each repository's collaborators with their role
 * (`affiliation=all`, `via: role:<role_name>`), and each team's members on each team repository
 * (`via: team:<slug>`). Records are in the connector's native grants format (`org` or `repo`, `login`, `via`).
 */
export function githubGrantsApi(octokit: Octokit, org: string): GrantsApi {
  return {
    name: 'github',
    async grants() {
      const out: ApiRecord[] = [];
      for (const m of await octokit.paginate('GET /orgs/{org}/members', { org, per_page: 100 })) out.push({ org, login: m.login, via: 'direct' });
      const repos = (await octokit.paginate('GET /orgs/{org}/repos', { org, type: 'all', per_page: 100 })).map((r) => r.full_name);
      const collaborators = await mapLimit(repos, PARALLEL, async (repo) => {
        const [owner, name] = repo.split('/') as [string, string];
        const list = await octokit.paginate('GET /repos/{owner}/{repo}/collaborators', { owner, repo: name, affiliation: 'all', per_page: 100 });
        return list.map((c) => ({ repo, login: c.login, via: `role:${c.role_name}` }));
      });
      out.push(...collaborators.flat());
      const teams = (await octokit.paginate('GET /orgs/{org}/teams', { org, per_page: 100 })).map((t) => t.slug);
      const byTeam = await mapLimit(teams, PARALLEL, async (slug) => {
        const members = await octokit.paginate('GET /orgs/{org}/teams/{team_slug}/members', { org, team_slug: slug, per_page: 100 });
        const teamRepos = await octokit.paginate('GET /orgs/{org}/teams/{team_slug}/repos', { org, team_slug: slug, per_page: 100 });
        return teamRepos.flatMap((r) => members.map((m) => ({ repo: r.full_name, login: m.login, via: `team:${slug}` })));
      });
      out.push(...byTeam.flat());
      return out;
    },
  };
}

export async function openGithubLogs(conn: GithubConnection & { enterprise?: string | undefined }, field: Field, log: Logger): Promise<LogApi> {
  return githubLogApi(await githubClient(conn, field, log), conn.org, conn.enterprise);
}

export async function openGithubGrants(conn: GithubConnection, field: Field, log: Logger): Promise<GrantsApi> {
  return githubGrantsApi(await githubClient(conn, field, log), conn.org);
}
