import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { SourceError } from '../core/errors.js';
import { GITHUB_ROLES, type GithubRole } from './observe.js';

/**
 * GitHub repository roles: what each collaborator holds (the grants export's `role_name` or `permissions`,
 * as `GET /repos/{owner}/{repo}/collaborators` returns them; API grants carry it as `via: role:<name>`),
 * and the lowest role that covers what a holder did.
 */

const rank = (role: string) => GITHUB_ROLES.indexOf(role as GithubRole);

/** GitHub's older names (the REST `permission` field): pull is read, push is write. */
export function githubRole(name: string | null | undefined): GithubRole | undefined {
  const n = name?.toLowerCase();
  const role = n === 'pull' ? 'read' : n === 'push' ? 'write' : n;
  return role && rank(role) >= 0 ? (role as GithubRole) : undefined;
}

export const higher = (a: GithubRole, b: GithubRole): GithubRole => (rank(a) >= rank(b) ? a : b);
export const below = (a: GithubRole, b: GithubRole) => rank(a) < rank(b);

/** The highest role in the `permissions` object ({admin, maintain, push, triage, pull}: booleans). */
function fromPermissions(p: unknown): GithubRole | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const flags = p as Record<string, unknown>;
  return (['admin', 'maintain', 'push', 'triage', 'pull'] as const).map((k) => (flags[k] === true ? githubRole(k) : undefined)).find(Boolean);
}

/** Roles by `<login lower case>|repo/<owner>/<name>` from a JSON Lines (or JSON array) grants file; .gz is fine. */
export async function readGithubRoles(file: string): Promise<Map<string, GithubRole>> {
  let text: string;
  try {
    const bytes = await readFile(file);
    text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    throw new SourceError(`grants ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  const roles = new Map<string, GithubRole>();
  for (const rec of records(text)) {
    // The collaborators API's objects ({login, repo}), or a generic grants row ({principal, permission: repo/<owner>/<name>}).
    const str = (k: string) => (typeof rec[k] === 'string' ? (rec[k] as string) : undefined);
    const login = str('login') ?? str('principal');
    const perm = str('permission');
    const repo = str('repo') ?? (perm?.startsWith('repo/') ? perm.slice(5) : undefined);
    const owner = typeof rec['org'] === 'string' ? rec['org'] : undefined;
    const role = githubRole(typeof rec['role_name'] === 'string' ? rec['role_name'] : undefined) ?? fromPermissions(rec['permissions']);
    if (!login || !repo || !role) continue;
    const full = repo.includes('/') ? repo : owner ? `${owner}/${repo}` : undefined;
    if (full) roles.set(`${login.toLowerCase()}|repo/${full.toLowerCase()}`, role);
  }
  return roles;
}

/** The export's objects: a JSON array, or one object (or array) a line; lines that are not JSON are skipped (ingest quarantines them). */
function records(text: string): Record<string, unknown>[] {
  const trimmed = text.trimStart();
  const docs: unknown[] = [];
  if (trimmed.startsWith('[')) {
    try {
      docs.push(JSON.parse(trimmed));
    } catch {
      // Not one array: read it as lines.
    }
  }
  if (docs.length === 0) {
    for (const line of text.split('\n')) {
      try {
        if (line.trim()) docs.push(JSON.parse(line));
      } catch {
        // Ingest quarantines the line; here it holds no role.
      }
    }
  }
  return docs.flat().filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && !Array.isArray(d));
}
