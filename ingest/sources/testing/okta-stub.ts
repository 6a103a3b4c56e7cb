import { createVerify } from 'node:crypto';
import { startApiServer, type ApiServer, type Reply, type StubRequest } from './server.js';

/**
 * A small Okta org for tests, served through Okta's own OpenAPI description (server.ts): the System Log
 * (`since`, `after` cursors in `Link: rel="next"`, polling), apps, their users and groups, and groups'
 * members; every answer carries X-Rate-Limit-* headers. Faults are queued per operation; `denied`
 * operations answer 403 as for a token whose admin role (or service app scope) does not allow them.
 */

export interface OktaEvent {
  uuid: string;
  published: string;
  eventType: string;
  login: string;
  appId: string;
  appName?: string;
  result?: string;
}

export interface OktaOrg {
  token: string;
  events: OktaEvent[];
  apps: { id: string; label: string; users: { login: string; scope?: 'USER' | 'GROUP'; created?: string }[]; groups: string[] }[];
  groups: { id: string; name: string; members: string[] }[];
  /** Events per page when the client asks for more. */
  pageSize?: number;
  /** Calls per rate-limit window; a call beyond it answers 429. */
  rateLimit?: number;
  /** Length of a rate-limit window, ms. */
  windowMs?: number;
  /** An OAuth 2.0 service app: its client id, public key (PEM) and the scopes it was granted. */
  serviceApp?: { clientId: string; publicKey: string; scopes: string[] };
}

export interface OktaStub extends ApiServer {
  org: OktaOrg;
  /** Answers queued per operation id, served before the stub's own (a 5xx, a 429, `hang`). */
  faults: Map<string, (Reply | 'hang')[]>;
  /** Operations answered 403 (a token without the permission). */
  denied: Set<string>;
  /** Number of 429 answers given because the client went over the limit. */
  overLimit: number;
  /** Answers before the stub when it returns a reply (a test's own fault pattern). */
  intercept: ((req: StubRequest) => Reply | 'hang' | undefined) | undefined;
}

const SPEC = new URL('../../../connectors/okta_system_log/openapi/okta.subset.json', import.meta.url);

export async function startOkta(org: OktaOrg): Promise<OktaStub> {
  const faults = new Map<string, (Reply | 'hang')[]>();
  const denied = new Set<string>();
  const limit = org.rateLimit ?? 600;
  const windowMs = org.windowMs ?? 60_000;
  let windowStart = Date.now();
  let used = 0;
  const state = { overLimit: 0 };
  const stub = { intercept: undefined as OktaStub['intercept'] };
  const limited = (reply: Reply): Reply => {
    const reset = Math.ceil((windowStart + windowMs) / 1000);
    return {
      ...reply,
      // An injected fault's own headers win.
      headers: {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(Math.max(0, limit - used)),
        'x-rate-limit-reset': String(reset),
        date: new Date().toUTCString(),
        ...reply.headers,
      },
    };
  };
  const server = await startApiServer(SPEC, (req) => {
    const now = Date.now();
    if (now >= windowStart + windowMs) {
      windowStart = now;
      used = 0;
    }
    const auth = req.headers['authorization'];
    const oauth = !!org.serviceApp && auth === `Bearer ${ACCESS_TOKEN}`;
    if (auth !== `SSWS ${org.token}` && !oauth) return limited(error(401, 'E0000011', 'Invalid token provided'));
    if (oauth && !org.serviceApp!.scopes.includes(SCOPES[req.op] ?? '')) {
      return limited({ ...error(403, 'E0000006', 'You do not have permission to perform the requested action'), headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${SCOPES[req.op]}"` } });
    }
    const caught = stub.intercept?.(req);
    if (caught) return caught === 'hang' ? caught : limited(caught);
    const fault = faults.get(req.op)?.shift();
    if (fault === 'hang') return fault;
    used++;
    if (used > limit) {
      state.overLimit++;
      return limited(error(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'));
    }
    if (fault) return limited(fault);
    if (denied.has(req.op)) return limited(error(403, 'E0000006', 'You do not have permission to perform the requested action'));
    return limited(serve(org, req));
  }, 'Error', (r) => (r.url.pathname === '/oauth2/v1/token' ? token(org, r.body) : undefined));
  return Object.defineProperties(Object.assign(server, { org, faults, denied }), {
    overLimit: { get: () => state.overLimit },
    intercept: { get: () => stub.intercept, set: (f: OktaStub['intercept']) => (stub.intercept = f) },
  }) as OktaStub;
}

const ACCESS_TOKEN = 'okta-service-app-access-token';
/** The scope each operation needs of a service app. */
const SCOPES: Record<string, string> = {
  listLogEvents: 'okta.logs.read',
  listApplications: 'okta.apps.read',
  listApplicationUsers: 'okta.apps.read',
  listApplicationGroupAssignments: 'okta.apps.read',
  getGroup: 'okta.groups.read',
  listGroupUsers: 'okta.groups.read',
};

/**
 * The org's token endpoint for a service app: a client credentials grant with a private-key JWT
 * (RS256, `iss` and `sub` the client id, `aud` the endpoint), checked against the app's public key.
 */
function token(org: OktaOrg, body: string): Reply {
  const form = new URLSearchParams(body);
  const app = org.serviceApp;
  const [head, payload, sig] = (form.get('client_assertion') ?? '').split('.');
  const valid = !!app && !!sig && createVerify('RSA-SHA256').update(`${head}.${payload}`).verify(app.publicKey, sig, 'base64url');
  const claims = valid ? (JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { iss?: string; sub?: string; aud?: string }) : {};
  if (form.get('grant_type') !== 'client_credentials' || !valid || claims.iss !== app!.clientId || claims.sub !== app!.clientId || !claims.aud?.endsWith('/oauth2/v1/token')) {
    return { status: 401, body: { error: 'invalid_client', error_description: 'The client_assertion signature is invalid.' } };
  }
  return { status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: ACCESS_TOKEN, scope: form.get('scope') ?? '' } };
}

export function error(status: number, code: string, summary: string): Reply {
  return { status, body: { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${code}`, errorCauses: [] } };
}

function serve(org: OktaOrg, req: StubRequest): Reply {
  switch (req.op) {
    case 'listLogEvents':
      return logs(org, req);
    case 'listApplications':
      return page(req, org.apps.map((a) => app(a)), (a) => a.id as string);
    case 'listApplicationUsers': {
      const a = org.apps.find((x) => x.id === req.params['appId']);
      if (!a) return error(404, 'E0000007', 'Not found: Resource not found');
      const users = [...a.users.map((u) => ({ ...u, scope: u.scope ?? 'USER' })), ...a.groups.flatMap((g) => members(org, g).map((login) => ({ login, scope: 'GROUP' as const })))];
      return page(req, users.map((u, i) => appUser(a.id, u, i)), (u) => u.id as string);
    }
    case 'listApplicationGroupAssignments': {
      const a = org.apps.find((x) => x.id === req.params['appId']);
      if (!a) return error(404, 'E0000007', 'Not found: Resource not found');
      return page(req, a.groups.map((g, i) => ({ id: g, priority: i, lastUpdated: '2026-01-01T00:00:00.000Z', profile: {}, _links: {} })), (g) => g.id as string);
    }
    case 'getGroup': {
      const g = org.groups.find((x) => x.id === req.params['groupId']);
      return g ? { status: 200, body: group(g) } : error(404, 'E0000007', 'Not found: Resource not found');
    }
    case 'listGroupUsers':
      return page(req, members(org, req.params['groupId']!).map((login) => user(login)), (u) => u.id as string);
    default:
      return error(501, 'E0000060', `not served: ${req.op}`);
  }
}

/** The System Log: events from `since` (or after the cursor), ascending; the next link always points on (polling). */
function logs(org: OktaOrg, req: StubRequest): Reply {
  const types = [...(req.query['filter'] ?? '').matchAll(/eventType eq "([^"]+)"/g)].map((m) => m[1]);
  const since = Date.parse(req.query['since'] ?? '1970-01-01T00:00:00Z');
  const sorted = org.events.map((e, i) => ({ e, i })).sort((a, b) => Date.parse(a.e.published) - Date.parse(b.e.published) || a.i - b.i);
  const after = req.query['after'];
  const start = after !== undefined ? Number(after) : sorted.findIndex(({ e }) => Date.parse(e.published) >= since);
  const from = start < 0 ? sorted.length : start;
  const size = Math.min(Number(req.query['limit'] ?? 100), org.pageSize ?? 1000);
  const taken: OktaEvent[] = [];
  let i = from;
  for (; i < sorted.length && taken.length < size; i++) {
    const e = sorted[i]!.e;
    if (!types.length || types.includes(e.eventType)) taken.push(e);
  }
  const next = new URL(req.url);
  next.searchParams.delete('since');
  next.searchParams.set('after', String(i));
  return { status: 200, headers: { link: `<${req.url.href}>; rel="self", <${next.href}>; rel="next"` }, body: taken.map(logEvent) };
}

/** A list endpoint's page: `after` is the last id of the previous page; Link next while more remain. */
function page<T extends Record<string, unknown>>(req: StubRequest, items: T[], id: (t: T) => string): Reply {
  const size = Number(req.query['limit'] ?? 20);
  const after = req.query['after'];
  const start = after === undefined ? 0 : items.findIndex((t) => id(t) === after) + 1;
  const slice = items.slice(start, start + size);
  const headers: Record<string, string> = { link: `<${req.url.href}>; rel="self"` };
  if (start + size < items.length) {
    const next = new URL(req.url);
    next.searchParams.set('after', id(slice[slice.length - 1]!));
    headers['link'] += `, <${next.href}>; rel="next"`;
  }
  return { status: 200, headers, body: slice };
}

const members = (org: OktaOrg, groupId: string) => org.groups.find((g) => g.id === groupId)?.members ?? [];

function logEvent(e: OktaEvent) {
  return {
    uuid: e.uuid,
    published: e.published,
    eventType: e.eventType,
    version: '0',
    severity: 'INFO',
    displayMessage: 'User single sign on to app',
    actor: { id: `00u${e.login.length}`, type: 'User', alternateId: e.login, displayName: e.login },
    outcome: { result: e.result ?? 'SUCCESS' },
    target: [
      { id: e.appId, type: 'AppInstance', alternateId: e.appName ?? e.appId, displayName: e.appName ?? e.appId },
      { id: `0ua${e.uuid.slice(0, 8)}`, type: 'AppUser', alternateId: e.login, displayName: e.login },
    ],
  };
}

function app(a: OktaOrg['apps'][number]) {
  return {
    id: a.id,
    // A custom SWA app: a bookmark app would also match the AutoLogin schema, which Okta's oneOf leaves to its discriminator.
    name: `corp_${a.id.toLowerCase()}`,
    label: a.label,
    status: 'ACTIVE',
    signOnMode: 'AUTO_LOGIN',
    created: '2025-01-01T00:00:00.000Z',
    lastUpdated: '2025-01-01T00:00:00.000Z',
    settings: { signOn: { loginUrl: 'https://example.com/login' } },
    credentials: { scheme: 'EDIT_USERNAME_AND_PASSWORD', userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' } },
    _links: {},
  };
}

function appUser(appId: string, u: { login: string; scope?: string; created?: string }, i: number) {
  return {
    id: `00u${i}${u.login.replace(/[^a-z0-9]/gi, '')}`.slice(0, 20),
    scope: u.scope ?? 'USER',
    status: 'ACTIVE',
    created: u.created ?? '2025-02-01T00:00:00.000Z',
    credentials: { userName: u.login },
    _embedded: { user: user(u.login) },
    _links: { app: { href: `https://example.okta.com/api/v1/apps/${appId}` } },
  };
}

function user(login: string) {
  return {
    id: `00u${login.replace(/[^a-z0-9]/gi, '')}`.slice(0, 20),
    status: 'ACTIVE',
    created: '2025-01-01T00:00:00.000Z',
    profile: { login, email: login, firstName: login.split('@')[0], lastName: 'Example' },
    _links: {},
  };
}

function group(g: { id: string; name: string }) {
  return { id: g.id, type: 'OKTA_GROUP', created: '2025-01-01T00:00:00.000Z', profile: { name: g.name, description: '' }, _links: {} };
}
