import type { CheckContext, Permission } from '../../core/checks.js';
import type { GithubConnection } from '../../core/config.js';
import { messageOf } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { sourceChecks, type SystemCheckInput } from '../_shared/checks.js';
import { githubClient } from './api.js';

/** The GitHub permissions a github: source needs, for the docs and the plugin meta-test. */
export const GITHUB_PERMISSIONS: readonly Permission[] = [
  { service: 'github', actions: ['organization_administration:read'], on: 'each logs github: source: the organization audit log (the token of an org owner; classic tokens: read:audit_log)' },
  { service: 'github', actions: ['members:read', 'metadata:read', 'administration:read'], on: 'a grants github: source: members, teams, repositories and their collaborators' },
];

/**
 * The shared source checks, then one call per github: source with its credentials: the newest audit-log
 * entry (logs) or the first member (grants). A refusal names the permission GitHub says it needed
 * (X-Accepted-GitHub-Permissions), else the one listed above.
 */
export async function githubChecks(input: SystemCheckInput, ctx: CheckContext): Promise<void> {
  await sourceChecks(input, ctx);
  const { name, system } = input;
  for (const [i, source] of system.logs.entries()) {
    if (!source.github) continue;
    const field = `systems.${name}.logs[${i}].github`;
    if (source.github.enterprise) await probe(ctx, `${name} logs (GitHub API)`, source.github, field, `GET /enterprises/${source.github.enterprise}/audit-log`, 'read:audit_log (an enterprise owner\'s classic token)');
    else await probe(ctx, `${name} logs (GitHub API)`, source.github, field, 'GET /orgs/{org}/audit-log', 'organization_administration:read (an org owner\'s token; classic: read:audit_log)');
  }
  if (system.grants.github) await probe(ctx, `${name} grants (GitHub API)`, system.grants.github, `systems.${name}.grants.github`, 'GET /orgs/{org}/members', 'members:read');
}

async function probe(ctx: CheckContext, what: string, conn: GithubConnection, field: string, route: string, needs: string): Promise<void> {
  const where = `${conn.api_url.replace(/\/$/, '')}${route.slice(4).replace('{org}', conn.org)}`;
  try {
    const octokit = await githubClient(conn, field, createLogger('silent'));
    await octokit.request(route, { org: conn.org, per_page: 1 });
    ctx.say({ status: 'ok', what, detail: `${where} answers` });
  } catch (err) {
    const e = err as { status?: number; response?: { headers?: Record<string, string | undefined> } };
    const accepted = e.response?.headers?.['x-accepted-github-permissions'];
    const why =
      e.status === 403 || e.status === 404 ? `access denied: missing ${accepted ? accepted.replace(/=/g, ':') : needs}` :
      e.status === 401 ? `the credentials are refused (${field}: a revoked or mistyped token, or an app not installed on ${conn.org})` :
      messageOf(err);
    ctx.say({ status: 'FAIL', what, detail: `${where}: ${why}` });
  }
}
