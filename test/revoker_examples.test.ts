import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runEntry } from '../revoker/exec.js';

/**
 * The example revoker commands (examples/revokers/) against small local fakes of the vendor APIs: each
 * entry runs exactly as `lapse revoker` runs it (entry on stdin, LAPSE_ACTION in the environment).
 */

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function fake(handler: Handler): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));

const SCRIPT = (name: string) => new URL(`../examples/revokers/${name}`, import.meta.url).pathname;
const entry = (principal: string, permission: string) => `${JSON.stringify({ system: 's', principal, permission, finding_id: 'f_1' })}\n`;

describe('examples/revokers/okta.mjs', () => {
  const users: Record<string, string> = { 'ann@corp.example': '00u1ann', 'ben@corp.example': '00u2ben' };
  const assigned = new Set(['0oaWiki/00u1ann']);
  let okta: Awaited<ReturnType<typeof fake>>;
  let limited = false;
  beforeAll(async () => {
    okta = await fake((req, body, res) => {
      const url = new URL(req.url!, 'http://x');
      if (!limited) {
        // The first request is rate limited once: the script waits for the reset and tries again.
        limited = true;
        return json(res, 429, { errorCode: 'E0000047' }, { 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000)) });
      }
      let m = /^\/api\/v1\/users\/([^/]+)$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const id = users[decodeURIComponent(m[1]!)];
        return id ? json(res, 200, { id, profile: { login: decodeURIComponent(m[1]!) } }) : json(res, 404, { errorCode: 'E0000007', errorSummary: 'Not found' });
      }
      m = /^\/api\/v1\/apps\/([^/]+)\/users(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return json(res, 404, { errorCode: 'E0000007' });
      const [, app, user] = m;
      if (app === '0oaBroken') return json(res, 500, { errorCode: 'E0000009', errorSummary: 'Internal Server Error' });
      const key = `${app}/${user}`;
      if (req.method === 'GET') return assigned.has(key) ? json(res, 200, { id: user }) : json(res, 404, { errorCode: 'E0000007', errorSummary: 'Not found' });
      if (req.method === 'DELETE') return assigned.delete(key) ? res.writeHead(204).end() : json(res, 404, { errorCode: 'E0000007' });
      if (req.method === 'POST' && !user) {
        assigned.add(`${app}/${(JSON.parse(body) as { id: string }).id}`);
        return json(res, 200, { id: JSON.parse(body).id });
      }
      return json(res, 405, {});
    });
  });
  afterAll(() => okta.server.close());

  const run = (action: string, principal: string, permission: string) =>
    runEntry([process.execPath, SCRIPT('okta.mjs')], entry(principal, permission), { LAPSE_ACTION: action, OKTA_ORG_URL: `${okta.url}/`, OKTA_API_TOKEN: 'test-token' }, 20_000);

  test('revokes an assignment, looking the user up by login; again is already absent', async () => {
    expect(await run('revoke', 'ann@corp.example', 'app/0oaWiki')).toEqual({ outcome: 'done', detail: 'unassigned ann@corp.example (00u1ann) from 0oaWiki' });
    expect(assigned.has('0oaWiki/00u1ann')).toBe(false);
    expect(okta.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/v1/users/ann%40corp.example', 'GET /api/v1/users/ann%40corp.example', 'GET /api/v1/apps/0oaWiki/users/00u1ann', 'DELETE /api/v1/apps/0oaWiki/users/00u1ann',
    ]);
    expect(new Set(okta.seen.map((s) => s.auth))).toEqual(new Set(['SSWS test-token']));
    expect(await run('revoke', 'ann@corp.example', 'app/0oaWiki')).toEqual({ outcome: 'already', detail: 'ann@corp.example is not assigned to 0oaWiki' });
    expect(await run('revoke', 'nobody@corp.example', 'app/0oaWiki')).toEqual({ outcome: 'already', detail: 'no Okta user nobody@corp.example: nothing assigned' });
  });

  test('restores an assignment; again is already present; an unknown user fails', async () => {
    expect(await run('restore', 'ben@corp.example', 'app/0oaWiki')).toEqual({ outcome: 'done', detail: 'assigned ben@corp.example (00u2ben) to 0oaWiki' });
    expect(okta.seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/apps/0oaWiki/users', body: '{"id":"00u2ben","scope":"USER"}' });
    expect(assigned.has('0oaWiki/00u2ben')).toBe(true);
    expect((await run('restore', 'ben@corp.example', 'app/0oaWiki')).outcome).toBe('already');
    expect(await run('restore', 'nobody@corp.example', 'app/0oaWiki')).toEqual({
      outcome: 'failed', detail: 'exit 1: no Okta user nobody@corp.example: cannot restore its assignment to 0oaWiki',
    });
  });

  test('API errors and entries it cannot handle fail with the reason', async () => {
    expect(await run('revoke', 'ann@corp.example', 'app/0oaBroken')).toEqual({
      outcome: 'failed', detail: "exit 1: reading ann@corp.example's assignment to 0oaBroken: HTTP 500 E0000009: Internal Server Error",
    });
    expect(await run('revoke', 'ann@corp.example', 'group/00g1')).toEqual({ outcome: 'failed', detail: 'exit 1: permission group/00g1: not an Okta app assignment (app/<appId>)' });
    const noToken = await runEntry([process.execPath, SCRIPT('okta.mjs')], entry('ann@corp.example', 'app/0oaWiki'), { LAPSE_ACTION: 'revoke', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: '' }, 20_000);
    expect(noToken).toEqual({ outcome: 'failed', detail: 'exit 1: OKTA_API_TOKEN is not set' });
  });
});

describe('examples/revokers/github.mjs', () => {
  const collaborators = new Set(['corp/api/ann', 'corp/web/ann']);
  /** Access through a team: GET says collaborator, DELETE of the direct collaborator changes nothing. */
  const throughTeam = new Set(['corp/ops/ann']);
  let gh: Awaited<ReturnType<typeof fake>>;
  beforeAll(async () => {
    gh = await fake((req, _body, res) => {
      const m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)$/.exec(req.url!);
      if (!m) return json(res, 404, { message: 'Not Found' });
      if (req.headers['x-github-api-version'] !== '2022-11-28') return json(res, 400, { message: 'no API version' });
      if (m[2] === 'locked') return json(res, 403, { message: 'Must have admin rights to Repository.' });
      const key = `${m[1]}/${m[2]}/${m[3]}`;
      if (req.method === 'GET') return res.writeHead(collaborators.has(key) || throughTeam.has(key) ? 204 : 404).end();
      if (req.method === 'DELETE') return void (collaborators.delete(key), res.writeHead(204).end());
      if (req.method === 'PUT') return void (collaborators.add(key), json(res, 201, { id: 1, permissions: 'write' }));
      return json(res, 405, {});
    });
  });
  afterAll(() => gh.server.close());

  const run = (action: string, principal: string, permission: string, extra: Record<string, string> = {}) =>
    runEntry([process.execPath, SCRIPT('github.mjs')], entry(principal, permission), { LAPSE_ACTION: action, GITHUB_API_URL: `${gh.url}/api/v3`, GITHUB_TOKEN: 'gh-token', ...extra }, 20_000);

  test('removes a collaborator; again is already absent', async () => {
    expect(await run('revoke', 'ann', 'repo/corp/api')).toEqual({ outcome: 'done', detail: 'removed ann from corp/api' });
    expect(gh.seen.map((s) => `${s.method} ${s.url} ${s.auth}`)).toEqual([
      'GET /api/v3/repos/corp/api/collaborators/ann Bearer gh-token', 'DELETE /api/v3/repos/corp/api/collaborators/ann Bearer gh-token',
      'GET /api/v3/repos/corp/api/collaborators/ann Bearer gh-token',
    ]);
    expect(collaborators.has('corp/api/ann')).toBe(false);
    expect(await run('revoke', 'ann', 'repo/corp/api')).toEqual({ outcome: 'already', detail: 'ann is not a collaborator on corp/api' });
  });

  test('restores a collaborator with the configured role; again is already present', async () => {
    expect(await run('restore', 'ann', 'repo/corp/api', { GITHUB_RESTORE_PERMISSION: 'pull' })).toEqual({ outcome: 'done', detail: 'invited ann to corp/api (pull)' });
    expect(gh.seen.at(-1)).toMatchObject({ method: 'PUT', url: '/api/v3/repos/corp/api/collaborators/ann', body: '{"permission":"pull"}' });
    expect(await run('restore', 'ann', 'repo/corp/web')).toEqual({ outcome: 'already', detail: 'ann is already a collaborator on corp/web' });
  });

  test('API errors and entries it cannot handle fail with the reason', async () => {
    expect(await run('revoke', 'ann', 'repo/corp/locked')).toEqual({ outcome: 'failed', detail: 'exit 1: checking ann on corp/locked: HTTP 403 Must have admin rights to Repository.' });
    expect(await run('revoke', 'ann', 'repo/corp/ops')).toEqual({
      outcome: 'failed',
      detail: "exit 1: ann still has access to corp/ops after removal: it comes from a team or the organisation's base permission; remove it there",
    });
    expect(await run('revoke', 'ann', 'org/corp')).toEqual({ outcome: 'failed', detail: 'exit 1: permission org/corp: not a GitHub repository (repo/<org>/<repo>)' });
    expect(await run('delete', 'ann', 'repo/corp/api')).toEqual({ outcome: 'failed', detail: 'exit 1: LAPSE_ACTION=delete: expected revoke or restore' });
  });
});
