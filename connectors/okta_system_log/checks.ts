import type { CheckContext, Permission } from '../../core/checks.js';
import type { OktaConnection } from '../../core/config.js';
import { messageOf } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { sourceChecks, type SystemCheckInput } from '../_shared/checks.js';
import { oktaClient, orgUrlOf } from './api.js';

/** What each Okta call needs: a service app's scope, or an API token's admin role. */
const NEEDS = {
  logs: 'okta.logs.read (service app), or an API token of an admin who can read the System Log (Read-only Administrator)',
  grants: 'okta.apps.read, okta.groups.read and okta.users.read (service app), or an API token of a Read-only Administrator',
};

/** The Okta API permissions an okta: source needs, for the docs and the plugin meta-test. */
export const OKTA_PERMISSIONS: readonly Permission[] = [
  { service: 'okta', actions: ['okta.logs.read'], on: 'each logs okta: source (API token: an admin role that reads the System Log)' },
  { service: 'okta', actions: ['okta.apps.read', 'okta.groups.read', 'okta.users.read'], on: 'a grants okta: source (API token: Read-only Administrator)' },
];

/**
 * The shared source checks, then one call per okta: source with its credentials: the newest System Log
 * event (logs) or the first app (grants). A refusal names the scope or role that is missing.
 */
export async function oktaChecks(input: SystemCheckInput, ctx: CheckContext): Promise<void> {
  await sourceChecks(input, ctx);
  const { name, system } = input;
  for (const [i, source] of system.logs.entries()) {
    if (source.okta) await probe(ctx, `${name} logs (Okta API)`, source.okta, `systems.${name}.logs[${i}].okta`, '/api/v1/logs?limit=1', NEEDS.logs);
  }
  if (system.grants.okta) await probe(ctx, `${name} grants (Okta API)`, system.grants.okta, `systems.${name}.grants.okta`, '/api/v1/apps?limit=1', NEEDS.grants);
}

async function probe(ctx: CheckContext, what: string, conn: OktaConnection, field: string, path: string, needs: string): Promise<void> {
  try {
    const { client } = await oktaClient(conn, field, createLogger('silent'));
    await client.http.http(`${orgUrlOf(conn.domain)}${path}`, { headers: { Accept: 'application/json' } } as Parameters<typeof client.http.http>[1]);
    ctx.say({ status: 'ok', what, detail: `${orgUrlOf(conn.domain)}${path.split('?')[0]} answers` });
  } catch (err) {
    const status = (err as { status?: number }).status;
    const why =
      status === 403 ? `access denied: missing ${needs}` :
      status === 401 ? `the credentials are refused (${field}: a revoked or mistyped token, or a service app not granted to the org)` :
      messageOf(err);
    ctx.say({ status: 'FAIL', what, detail: `${orgUrlOf(conn.domain)}${path.split('?')[0]}: ${why}` });
  }
}
