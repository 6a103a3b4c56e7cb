import { setTimeout as sleep } from 'node:timers/promises';
import type { Client as OktaClient, DefaultRequestExecutor as Executor } from '@okta/okta-sdk-nodejs';
import type { OktaConnection } from '../../core/config.js';
import type { Logger } from '../../core/log.js';
import { mapLimit } from '../../core/limit.js';
import { backoffMs, nextLink, Pacer, secretFrom, type ApiRecord, type EventPage, type GrantsApi, type LogApi } from '../_shared/api.js';

/**
 * The Okta Admin Management API through Okta's SDK (@okta/okta-sdk-nodejs): the System Log for uses, and
 * app assignments for grants. The SDK signs every call (API token or a service app's private-key JWT),
 * retries a 429 after X-Rate-Limit-Reset, and follows Link headers for the grants lists. The System Log
 * is read page by page through the SDK's signed HTTP client instead of its typed list, which hides the
 * cursor and re-types events (dates become Date objects): the raw area keeps each event as Okta sent it.
 */

/** Scopes a service app needs (OAuth 2.0 for Okta, private-key JWT). */
export const OKTA_SCOPES = ['okta.logs.read', 'okta.apps.read', 'okta.groups.read', 'okta.users.read'];
const ATTEMPTS = 5;
const PARALLEL = 8;

/** Where the connection sits in the config, for errors naming the field. */
export type Field = string;

export async function oktaClient(conn: OktaConnection, field: Field, log: Logger): Promise<{ client: OktaClient; pacer: Pacer }> {
  const okta = await import('@okta/okta-sdk-nodejs');
  const pacer = new Pacer();
  const executor = pacedExecutor(okta.DefaultRequestExecutor, pacer, log);
  const orgUrl = orgUrlOf(conn.domain);
  const auth = conn.token_env !== undefined
    ? { authorizationMode: 'SSWS', token: secretFrom(conn.token_env, `${field}.token_env`) }
    : {
        authorizationMode: 'PrivateKey',
        clientId: conn.client_id,
        scopes: OKTA_SCOPES,
        privateKey: secretFrom(conn.private_key_env!, `${field}.private_key_env`),
        ...(conn.key_id && { keyId: conn.key_id }),
      };
  // No response cache: a polled log page must be read afresh.
  const client = new okta.Client({ orgUrl, ...auth, requestExecutor: executor, cacheMiddleware: null } as ConstructorParameters<typeof okta.Client>[0]);
  return { client, pacer };
}

/** `corp.okta.com` or its URL → `https://corp.okta.com`. */
export const orgUrlOf = (domain: string) => (/^https?:\/\//i.test(domain) ? domain : `https://${domain}`).replace(/\/$/, '');

/**
 * The SDK's executor (which waits out a 429 until X-Rate-Limit-Reset), paced to stay under the limit
 * and retrying 5xx answers and network errors with backoff.
 */
function pacedExecutor(Base: typeof Executor, pacer: Pacer, log: Logger): Executor {
  class Paced extends Base {
    override async fetch(request: Parameters<Executor['fetch']>[0]) {
      for (let attempt = 1; ; attempt++) {
        await pacer.ready();
        let res;
        try {
          res = await super.fetch(request);
        } catch (err) {
          if (attempt >= ATTEMPTS) throw err;
          log.warn({ source: 'okta', url: request.url, attempt, error: (err as Error).message }, 'okta request failed; retrying');
          await sleep(backoffMs(attempt));
          continue;
        }
        const h = res.headers;
        pacer.observe(h.get('x-rate-limit-limit'), h.get('x-rate-limit-remaining'), h.get('x-rate-limit-reset'));
        if (res.status < 500 || attempt >= ATTEMPTS) return res;
        log.warn({ source: 'okta', url: request.url, status: res.status, attempt }, 'okta answered 5xx; retrying');
        await sleep(backoffMs(attempt));
      }
    }
  }
  return new Paced({ maxRetries: ATTEMPTS, requestTimeout: 0 });
}

/** The System Log: `since`, then the `after` cursor of each `Link: rel="next"` until it stops advancing. */
export function oktaLogApi(client: OktaClient, orgUrl: string, eventTypes: string[]): LogApi {
  return {
    name: 'okta',
    async *pages(since: Date): AsyncGenerator<EventPage> {
      const query = new URLSearchParams({ since: since.toISOString(), limit: '1000', sortOrder: 'ASCENDING' });
      // Only the use event types are fetched: the rest is never a use, and the download shrinks a lot.
      query.set('filter', eventTypes.map((t) => `eventType eq ${JSON.stringify(t)}`).join(' or '));
      let url = `${orgUrl}/api/v1/logs?${query}`;
      for (;;) {
        const res = await client.http.http(url, { method: 'get', headers: { Accept: 'application/json' } } as Parameters<OktaClient['http']['http']>[1]);
        const events = (await res.json()) as ApiRecord[];
        const next = nextLink(res.headers.get('link'));
        yield { events, cursor: next };
        // A polling read always has a next link; an empty page, or a cursor that did not move, is the end.
        if (!next || events.length === 0 || next === url) return;
        url = next;
      }
    },
    eventId: (e) => (typeof e['uuid'] === 'string' ? e['uuid'] : null),
    eventTime: (e) => {
      const t = typeof e['published'] === 'string' ? Date.parse(e['published']) : NaN;
      return Number.isFinite(t) ? t : null;
    },
  };
}

interface Assignment {
  appId: string;
  label: string;
  login: string;
  created: string | null;
  via: string;
}

/**
 * App assignments: each active app's users (direct assignments), and its groups with their members
 * (`via: group:<name>`). A user Okta lists as assigned through a group that no listed group holds is
 * kept as `group:unknown` rather than lost. Records are in the connector's native grants format.
 */
export function oktaGrantsApi(client: OktaClient): GrantsApi {
  const groups = new Map<string, Promise<{ name: string; logins: string[] }>>();
  const group = (id: string) => {
    if (!groups.has(id)) groups.set(id, groupMembers(client, id));
    return groups.get(id)!;
  };
  return {
    name: 'okta',
    async grants() {
      const apps: { id: string; label: string }[] = [];
      for await (const app of await client.applicationApi.listApplications({ filter: 'status eq "ACTIVE"', limit: 200 })) {
        if (app?.id) apps.push({ id: app.id, label: app.label ?? app.id });
      }
      const perApp = await mapLimit(apps, PARALLEL, (app) => appAssignments(client, app, group));
      return perApp.flat().map((a) => ({ ...a }));
    },
  };
}

async function appAssignments(
  client: OktaClient,
  app: { id: string; label: string },
  group: (id: string) => Promise<{ name: string; logins: string[] }>,
): Promise<Assignment[]> {
  const out: Assignment[] = [];
  const viaGroup = new Set<string>();
  for await (const g of await client.applicationApi.listApplicationGroupAssignments({ appId: app.id, limit: 200 })) {
    if (!g?.id) continue;
    const { name, logins } = await group(g.id);
    for (const login of logins) {
      viaGroup.add(login.toLowerCase());
      out.push({ appId: app.id, label: app.label, login, created: null, via: `group:${name}` });
    }
  }
  for await (const u of await client.applicationApi.listApplicationUsers({ appId: app.id, expand: 'user', limit: 500 })) {
    const login = loginOf(u as unknown as ApiRecord);
    if (!login) continue;
    const scope = String((u as { scope?: string }).scope ?? 'USER').toUpperCase();
    if (scope === 'GROUP' && viaGroup.has(login.toLowerCase())) continue;
    out.push({ appId: app.id, label: app.label, login, created: isoOf((u as { created?: unknown }).created), via: scope === 'GROUP' ? 'group:unknown' : 'direct' });
  }
  return out;
}

async function groupMembers(client: OktaClient, groupId: string): Promise<{ name: string; logins: string[] }> {
  const g = await client.groupApi.getGroup({ groupId });
  const logins: string[] = [];
  for await (const user of await client.groupApi.listGroupUsers({ groupId, limit: 1000 })) {
    const login = user?.profile?.login;
    if (login) logins.push(login);
  }
  return { name: g.profile?.name ?? groupId, logins };
}

/** The login of an app user listed with `expand=user` (or its credentials' user name). */
function loginOf(u: ApiRecord): string | null {
  const embedded = (u['_embedded'] as { user?: { profile?: { login?: unknown } } } | undefined)?.user?.profile?.login;
  if (typeof embedded === 'string') return embedded;
  const name = (u['credentials'] as { userName?: unknown } | undefined)?.userName;
  return typeof name === 'string' ? name : null;
}

const isoOf = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : null);

/** The System Log of the org a log source names, for the events the connector counts as uses. */
export async function openOktaLogs(conn: OktaConnection, field: Field, log: Logger, eventTypes: string[]): Promise<LogApi> {
  const { client } = await oktaClient(conn, field, log);
  return oktaLogApi(client, orgUrlOf(conn.domain), eventTypes);
}

/** The app assignments of the org a grants source names. */
export async function openOktaGrants(conn: OktaConnection, field: Field, log: Logger): Promise<GrantsApi> {
  const { client } = await oktaClient(conn, field, log);
  return oktaGrantsApi(client);
}
