import { createVerify } from 'node:crypto';
import { startApiServer, type ApiServer, type Reply, type StubRequest } from './server.js';

/**
 * A small GitHub organization for tests, served through GitHub's OpenAPI description (@octokit/openapi's
 * ghec.json, vendored subset): the audit log (`phrase=created:>=…`, `order`, `after` cursors in Link
 * headers), members, repositories and their collaborators, teams, and a GitHub App's installation token
 * (its JWT checked against the app's public key). Answers carry x-ratelimit-* headers; `denied`
 * operations answer 403 naming the permission in X-Accepted-GitHub-Permissions, as GitHub does.
 */

export interface AuditEntry {
  _document_id: string;
  '@timestamp': number;
  action: string;
  actor: string;
  org: string;
  repo?: string;
}

export interface GithubOrg {
  org: string;
  /** A fine-grained token the stub accepts. */
  token: string;
  /** A GitHub App: its id, installation and public key (PEM); its installation token is then accepted too. */
  app?: { id: number; installation: number; publicKey: string };
  entries: AuditEntry[];
  members: string[];
  repos: { name: string; collaborators: { login: string; role: string }[] }[];
  teams: { slug: string; members: string[]; repos: string[] }[];
  /** Calls per rate-limit window; beyond it, 403 with x-ratelimit-remaining: 0. */
  rateLimit?: number;
  windowMs?: number;
}

export interface GithubStub extends ApiServer {
  org: GithubOrg;
  faults: Map<string, Reply[]>;
  denied: Set<string>;
  overLimit: number;
}

const SPEC = new URL('../../../connectors/github_audit/openapi/github.subset.json', import.meta.url);
const INSTALLATION_TOKEN = 'ghs_stubinstallationtoken';

/** What each operation needs of a fine-grained token, as GitHub names it in X-Accepted-GitHub-Permissions. */
const NEEDS: Record<string, string> = {
  'orgs/get-audit-log': 'organization_administration=read',
  'enterprise-admin/get-audit-log': 'read:audit_log',
  'orgs/list-members': 'members=read',
  'repos/list-for-org': 'metadata=read',
  'repos/list-collaborators': 'metadata=read',
  'teams/list': 'members=read',
  'teams/list-members-in-org': 'members=read',
  'teams/list-repos-in-org': 'metadata=read',
};

export async function startGithub(org: GithubOrg): Promise<GithubStub> {
  const faults = new Map<string, Reply[]>();
  const denied = new Set<string>();
  const limit = org.rateLimit ?? 5000;
  const windowMs = org.windowMs ?? 3_600_000;
  let windowStart = Date.now();
  let used = 0;
  const state = { overLimit: 0 };
  const limited = (reply: Reply): Reply => ({
    ...reply,
    // An injected fault's own headers win.
    headers: {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(Math.ceil((windowStart + windowMs) / 1000)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    },
  });
  const server = await startApiServer(SPEC, (req) => {
    if (req.op === 'apps/create-installation-access-token') return installation(org, req);
    const auth = (req.headers['authorization'] ?? '').replace(/^(token|bearer) /i, '');
    if (auth !== org.token && !(org.app && auth === INSTALLATION_TOKEN)) return error(401, 'Bad credentials');
    if (Date.now() >= windowStart + windowMs) {
      windowStart = Date.now();
      used = 0;
    }
    used++;
    if (used > limit) {
      state.overLimit++;
      return limited(error(403, 'API rate limit exceeded for user.'));
    }
    const fault = faults.get(req.op)?.shift();
    if (fault) return limited(fault);
    if (denied.has(req.op)) {
      const reply = error(403, 'Resource not accessible by personal access token');
      return limited({ ...reply, headers: { 'x-accepted-github-permissions': NEEDS[req.op] ?? '' } });
    }
    return limited(serve(org, req));
  }, 'basic-error');
  return Object.defineProperties(Object.assign(server, { org, faults, denied }), { overLimit: { get: () => state.overLimit } }) as GithubStub;
}

export function error(status: number, message: string): Reply {
  return { status, body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) } };
}

/** A GitHub App's JWT (RS256, signed with its key, `iss` its id) traded for an installation token. */
function installation(org: GithubOrg, req: StubRequest): Reply {
  const jwt = (req.headers['authorization'] ?? '').replace(/^bearer /i, '');
  const [head, payload, sig] = jwt.split('.');
  const app = org.app;
  const valid = !!app && !!sig && createVerify('RSA-SHA256').update(`${head}.${payload}`).verify(app.publicKey, sig, 'base64url');
  const claims = valid ? (JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { iss?: string; exp?: number }) : {};
  if (!valid || claims.iss !== String(app!.id) || (claims.exp ?? 0) * 1000 < Date.now()) return error(401, 'A JSON web token could not be decoded');
  if (Number(req.params['installation_id']) !== app!.installation) return error(404, 'Not Found');
  return { status: 201, body: { token: INSTALLATION_TOKEN, expires_at: new Date(Date.now() + 3_600_000).toISOString() } };
}

function serve(org: GithubOrg, req: StubRequest): Reply {
  const repo = (name: string) => org.repos.find((r) => r.name === name);
  const team = (slug: string) => org.teams.find((t) => t.slug === slug);
  switch (req.op) {
    case 'orgs/get-audit-log':
    case 'enterprise-admin/get-audit-log':
      return auditLog(org, req);
    case 'orgs/list-members':
      return paged(req, org.members.map(user));
    case 'repos/list-for-org':
      return paged(req, org.repos.map((r) => repository(org, r.name)));
    case 'repos/list-collaborators': {
      const r = repo(req.params['repo']!);
      return r ? paged(req, r.collaborators.map((c) => ({ ...user(c.login), role_name: c.role }))) : error(404, 'Not Found');
    }
    case 'teams/list':
      return paged(req, org.teams.map((t) => teamObject(org, t.slug)));
    case 'teams/list-members-in-org': {
      const t = team(req.params['team_slug']!);
      return t ? paged(req, t.members.map(user)) : error(404, 'Not Found');
    }
    case 'teams/list-repos-in-org': {
      const t = team(req.params['team_slug']!);
      return t ? paged(req, t.repos.map((name) => repository(org, name))) : error(404, 'Not Found');
    }
    default:
      return error(501, `not served: ${req.op}`);
  }
}

/** The audit log from `phrase=created:>=T`, in `order`, `per_page` at a time; `after` is a position. */
function auditLog(org: GithubOrg, req: StubRequest): Reply {
  const m = /^created:>=(\S+)$/.exec(req.query['phrase'] ?? '');
  const since = m ? Date.parse(m[1]!) : 0;
  const entries = org.entries
    .filter((e) => e['@timestamp'] >= since)
    .sort((a, b) => a['@timestamp'] - b['@timestamp'] || (a._document_id < b._document_id ? -1 : 1));
  if (req.query['order'] !== 'asc') entries.reverse();
  const size = Number(req.query['per_page'] ?? 30);
  const start = req.query['after'] ? Number(Buffer.from(req.query['after'], 'base64url').toString()) : 0;
  const slice = entries.slice(start, start + size);
  const headers: Record<string, string> = {};
  if (start + size < entries.length) {
    const next = new URL(req.url);
    next.searchParams.set('after', Buffer.from(String(start + size)).toString('base64url'));
    headers['link'] = `<${next.href}>; rel="next"`;
  }
  return { status: 200, headers, body: slice.map((e) => ({ ...e, created_at: e['@timestamp'] })) };
}

/** A list endpoint's page (`page`, `per_page`), with a Link to the next while more remain. */
function paged(req: StubRequest, items: unknown[]): Reply {
  const size = Number(req.query['per_page'] ?? 30);
  const page = Number(req.query['page'] ?? 1);
  const headers: Record<string, string> = {};
  if (page * size < items.length) {
    const next = new URL(req.url);
    next.searchParams.set('page', String(page + 1));
    headers['link'] = `<${next.href}>; rel="next"`;
  }
  return { status: 200, headers, body: items.slice((page - 1) * size, page * size) };
}

function user(login: string) {
  const u = `https://api.github.com/users/${login}`;
  return {
    login, id: login.length, node_id: `U_${login}`, avatar_url: `https://avatars.example/${login}`, gravatar_id: '', url: u,
    html_url: `https://github.com/${login}`, followers_url: `${u}/followers`, following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`, starred_url: `${u}/starred{/owner}{/repo}`, subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`, repos_url: `${u}/repos`, events_url: `${u}/events{/privacy}`, received_events_url: `${u}/received_events`,
    type: 'User', site_admin: false,
  };
}

function repository(org: GithubOrg, name: string) {
  const u = `https://api.github.com/repos/${org.org}/${name}`;
  const urls = Object.fromEntries(
    ['archive', 'assignees', 'blobs', 'branches', 'collaborators', 'comments', 'commits', 'compare', 'contents', 'contributors', 'deployments', 'downloads',
      'events', 'forks', 'git_commits', 'git_refs', 'git_tags', 'hooks', 'issue_comment', 'issue_events', 'issues', 'keys', 'labels', 'languages', 'merges',
      'milestones', 'notifications', 'pulls', 'releases', 'stargazers', 'statuses', 'subscribers', 'subscription', 'tags', 'teams', 'trees'].map((k) => [`${k}_url`, `${u}/${k}`]),
  );
  return { ...urls, id: name.length, node_id: `R_${name}`, name, full_name: `${org.org}/${name}`, owner: user(org.org), private: true, html_url: `https://github.com/${org.org}/${name}`, description: null, fork: false, url: u };
}

function teamObject(org: GithubOrg, slug: string) {
  const u = `https://api.github.com/orgs/${org.org}/teams/${slug}`;
  return { id: slug.length, node_id: `T_${slug}`, url: u, html_url: `https://github.com/orgs/${org.org}/teams/${slug}`, name: slug, slug, description: null, privacy: 'closed', notification_setting: 'notifications_enabled', permission: 'pull', members_url: `${u}/members{/member}`, repositories_url: `${u}/repos`, parent: null, type: 'organization' };
}
