#!/usr/bin/env node
// A lapse revoker command for Okta app assignments (see docs/revoker.md):
//   lapse revoker --config lapse.yaml --system okta --exec 'node examples/revokers/okta.mjs'
//
// Reads one entry (JSON) on stdin. The permission is `app/<appId>` and the principal the user's Okta login, as
// the okta_system_log connector writes them. LAPSE_ACTION=revoke removes the assignment
// (DELETE /api/v1/apps/{appId}/users/{userId}); LAPSE_ACTION=restore re-assigns it (POST /api/v1/apps/{appId}/users).
// The user is looked up by login (GET /api/v1/users/{login}).
// Exit 0: done; 3: already absent (revoke) or already present (restore); 1: failed, with the reason on stderr.
//
// Environment: OKTA_ORG_URL (https://acme.okta.com), OKTA_API_TOKEN (an API token of an admin allowed to manage
// the apps' assignments, sent as `SSWS <token>`). No dependencies: Node 22's fetch.
// Notes: an assignment that comes from a group cannot be removed per user (Okta answers 403/400): remove the
// person from the group instead. Rate limits (429) are waited out, up to three times.

const ALREADY = 3;

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function okta(method, path, body) {
  const base = env('OKTA_ORG_URL').replace(/\/+$/, '');
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `SSWS ${env('OKTA_API_TOKEN')}`, accept: 'application/json', ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 429 || attempt === 3) return res;
    // https://developer.okta.com/docs/reference/rl-best-practices/: x-rate-limit-reset is when the window resets (epoch seconds).
    const reset = Number(res.headers.get('x-rate-limit-reset'));
    const waitMs = Number.isFinite(reset) && reset > 0 ? Math.min(60_000, Math.max(0, reset * 1000 - Date.now())) : 1000;
    await new Promise((r) => setTimeout(r, waitMs));
  }
}

async function failure(res, what) {
  const text = await res.text().catch(() => '');
  let summary = text.slice(0, 300);
  try {
    const e = JSON.parse(text);
    summary = [e.errorCode, e.errorSummary, ...(e.errorCauses ?? []).map((c) => c.errorSummary)].filter(Boolean).join(': ');
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
  const m = /^app\/([^/]+)$/.exec(entry.permission ?? '');
  if (!m) throw new Error(`permission ${entry.permission}: not an Okta app assignment (app/<appId>)`);
  const appId = encodeURIComponent(m[1]);
  const login = entry.principal;

  const user = await okta('GET', `/api/v1/users/${encodeURIComponent(login)}`);
  if (user.status === 404) {
    if (action === 'revoke') {
      console.log(`no Okta user ${login}: nothing assigned`);
      return ALREADY;
    }
    throw new Error(`no Okta user ${login}: cannot restore its assignment to ${m[1]}`);
  }
  if (!user.ok) throw await failure(user, `looking up ${login}`);
  const userId = (await user.json()).id;

  const assigned = await okta('GET', `/api/v1/apps/${appId}/users/${encodeURIComponent(userId)}`);
  if (!assigned.ok && assigned.status !== 404) throw await failure(assigned, `reading ${login}'s assignment to ${m[1]}`);
  const present = assigned.ok;
  if (action === 'revoke') {
    if (!present) {
      console.log(`${login} is not assigned to ${m[1]}`);
      return ALREADY;
    }
    const res = await okta('DELETE', `/api/v1/apps/${appId}/users/${encodeURIComponent(userId)}`);
    if (res.status === 404) return ALREADY;
    if (!res.ok) throw await failure(res, `unassigning ${login} from ${m[1]}`);
    console.log(`unassigned ${login} (${userId}) from ${m[1]}`);
    return 0;
  }
  if (present) {
    console.log(`${login} is already assigned to ${m[1]}`);
    return ALREADY;
  }
  const res = await okta('POST', `/api/v1/apps/${appId}/users`, { id: userId, scope: 'USER' });
  if (!res.ok) throw await failure(res, `assigning ${login} to ${m[1]}`);
  console.log(`assigned ${login} (${userId}) to ${m[1]}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
