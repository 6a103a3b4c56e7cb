#!/usr/bin/env node
// A lapse revoker command for GitHub repository collaborators (see docs/revoker.md):
//   lapse revoker --config lapse.yaml --system github --exec 'node examples/revokers/github.mjs'
//
// Reads one entry (JSON) on stdin. The permission is `repo/<org>/<repo>` and the principal the GitHub login.
// LAPSE_ACTION=revoke removes the collaborator (DELETE /repos/{owner}/{repo}/collaborators/{username});
// LAPSE_ACTION=restore adds them back (PUT /repos/{owner}/{repo}/collaborators/{username}, which sends an
// invitation to someone outside the organisation).
// Exit 0: done; 3: already absent (revoke) or already present (restore); 1: failed, with the reason on stderr.
//
// Environment: GITHUB_TOKEN (a token allowed to administer the repositories), GITHUB_API_URL (default
// https://api.github.com; https://HOST/api/v3 for GitHub Enterprise Server), GITHUB_RESTORE_PERMISSION (the role a
// restore grants: pull, triage, push, maintain, admin or a custom role; default push). No dependencies: Node 22's fetch.
// Notes: "is a collaborator" (GET …/collaborators/{username}) is also true for access through a team or the
// organisation's base permission, which removing a collaborator does not take away: remove the team membership
// for those. Secondary rate limits (403/429 with retry-after) are waited out, up to three times.

const ALREADY = 3;

const env = (name, fallback) => {
  const v = process.env[name] || fallback;
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function github(method, path, body) {
  const base = env('GITHUB_API_URL', 'https://api.github.com').replace(/\/+$/, '');
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${env('GITHUB_TOKEN')}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'lapse-revoker',
        ...(body && { 'content-type': 'application/json' }),
      },
      ...(body && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const retryAfter = res.headers.get('retry-after');
    if (!((res.status === 429 || res.status === 403) && retryAfter !== null) || attempt === 3) return res;
    await new Promise((r) => setTimeout(r, Math.min(60, Number(retryAfter) || 1) * 1000));
  }
}

async function failure(res, what) {
  const text = await res.text().catch(() => '');
  let summary = text.slice(0, 300);
  try {
    summary = JSON.parse(text).message ?? summary;
  } catch {
    // not JSON: keep the text
  }
  return new Error(`${what}: HTTP ${res.status} ${summary}`);
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const entry = JSON.parse(input);
  const action = process.env.LAPSE_ACTION;
  if (action !== 'revoke' && action !== 'restore') throw new Error(`LAPSE_ACTION=${action}: expected revoke or restore`);
  const m = /^repo\/([^/]+)\/([^/]+)$/.exec(entry.permission ?? '');
  if (!m) throw new Error(`permission ${entry.permission}: not a GitHub repository (repo/<org>/<repo>)`);
  const repo = `${m[1]}/${m[2]}`;
  const path = `/repos/${encodeURIComponent(m[1])}/${encodeURIComponent(m[2])}/collaborators/${encodeURIComponent(entry.principal)}`;

  const check = await github('GET', path);
  if (check.status !== 204 && check.status !== 404) throw await failure(check, `checking ${entry.principal} on ${repo}`);
  const present = check.status === 204;
  if (action === 'revoke') {
    if (!present) {
      console.log(`${entry.principal} is not a collaborator on ${repo}`);
      return ALREADY;
    }
    const res = await github('DELETE', path);
    if (!res.ok) throw await failure(res, `removing ${entry.principal} from ${repo}`);
    // Access through a team or the organisation's base permission survives removing the collaborator.
    const after = await github('GET', path);
    if (after.status === 204) {
      throw new Error(`${entry.principal} still has access to ${repo} after removal: it comes from a team or the organisation's base permission; remove it there`);
    }
    console.log(`removed ${entry.principal} from ${repo}`);
    return 0;
  }
  if (present) {
    console.log(`${entry.principal} is already a collaborator on ${repo}`);
    return ALREADY;
  }
  const permission = env('GITHUB_RESTORE_PERMISSION', 'push');
  const res = await github('PUT', path, { permission });
  if (!res.ok) throw await failure(res, `adding ${entry.principal} to ${repo}`);
  console.log(res.status === 201 ? `invited ${entry.principal} to ${repo} (${permission})` : `added ${entry.principal} to ${repo} (${permission})`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
