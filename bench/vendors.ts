import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { random } from './random.js';

/**
 * Generated logs of the Entra, Workspace and Azure activity connectors, as each is delivered (gzip
 * `{"records":[…]}` Event Hub captures; Reports API activities as gzip JSON Lines), and the bare-DuckDB
 * query each is measured against: its own JSON reader with typed columns, the success filter and the
 * GROUP BY, no mapping or quarantine. Deterministic for a given size.
 */

export const VENDORS = ['entra_signin', 'google_workspace', 'azure_activity'] as const;
export type Vendor = (typeof VENDORS)[number];

const APPS = Array.from({ length: 40 }, (_, i) => `${(0x4f5a1c2e + i).toString(16)}-1111-4222-8333-0123456789ab`);
const SUB = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function entra(r: () => number, time: string, person: string, k: number): object {
  const code = r() < 0.05 ? 50074 : 0;
  const category = r() < 0.6 ? 'SignInLogs' : 'NonInteractiveUserSignInLogs';
  const app = pick(r, APPS);
  return {
    time, resourceId: '/tenants/3f2b7c1e-0000-4000-8000-00000000c0de/providers/Microsoft.aadiam', operationName: 'Sign-in activity',
    operationVersion: '1.0', category, tenantId: '3f2b7c1e-0000-4000-8000-00000000c0de', resultType: String(code), resultSignature: 'None',
    durationMs: 0, callerIpAddress: '198.51.100.7', correlationId: `c-${k}`, identity: 'Someone', Level: 4, location: 'NL',
    properties: {
      id: `s-${k}`, createdDateTime: time, userDisplayName: 'Someone', userPrincipalName: person, userId: `u-${person}`, appId: app,
      appDisplayName: `App ${app.slice(0, 8)}`, ipAddress: '198.51.100.7', clientAppUsed: 'Browser', isInteractive: category === 'SignInLogs',
      status: { errorCode: code }, conditionalAccessStatus: 'success', resourceDisplayName: 'Microsoft Graph',
      deviceDetail: { operatingSystem: 'Windows 10', browser: 'Edge 120' }, location: { city: 'Amsterdam', countryOrRegion: 'NL' },
    },
  };
}

function workspace(r: () => number, time: string, person: string, k: number): object {
  const roll = r();
  const [app, type, name, parameters] =
    roll < 0.5 ? ['saml', 'login', 'login_success', [{ name: 'application_name', value: `App ${Math.floor(r() * 30)}` }, { name: 'initiated_by', value: 'idp' }]]
    : roll < 0.7 ? ['token', 'auth', 'authorize', [{ name: 'client_id', value: `${Math.floor(r() * 20)}.apps.googleusercontent.com` }, { name: 'app_name', value: 'Calendly' }]]
    : roll < 0.9 ? ['login', 'login', 'login_success', [{ name: 'login_type', value: 'google_password' }]]
    : ['drive', 'access', 'view', [{ name: 'doc_id', value: `doc-${k}` }]];
  return {
    kind: 'admin#reports#activity', id: { time, uniqueQualifier: String(k), applicationName: app, customerId: 'C03az79cb' },
    actor: { callerType: 'USER', email: person, profileId: String(k) }, ipAddress: '203.0.113.20', events: [{ type, name, parameters }],
  };
}

function azure(r: () => number, time: string, person: string, k: number): object {
  const op = pick(r, ['Microsoft.Web/sites/write', 'Microsoft.Compute/virtualMachines/start/action', 'Microsoft.Storage/storageAccounts/delete']);
  const rid = `/subscriptions/${SUB}/resourceGroups/rg-${Math.floor(r() * 25)}/providers/${op.split('/').slice(0, 2).join('/')}/x${k % 50}`;
  const resultType = r() < 0.3 ? 'Start' : r() < 0.05 ? 'Failure' : 'Success';
  return {
    time, resourceId: rid.toUpperCase(), operationName: op.toUpperCase(), category: 'Administrative', resultType,
    resultSignature: 'Succeeded.OK', durationMs: '1234', callerIpAddress: '203.0.113.40', correlationId: `c-${k}`,
    identity: { authorization: { scope: rid, action: op }, claims: { aud: 'https://management.core.windows.net/', [UPN]: person, name: 'Someone' } },
    level: 'Information', location: 'global', properties: { statusCode: 'OK', eventCategory: 'Administrative', entity: rid, message: op },
  };
}

const MAKE: Record<Vendor, (r: () => number, time: string, person: string, k: number) => object> = {
  entra_signin: entra, google_workspace: workspace, azure_activity: azure,
};

/** Writes `events` records of one vendor in gzip files of ~`perFile`; reuses an existing set. */
export async function generateVendor(root: string, vendor: Vendor, events: number, perFile = 5000): Promise<string> {
  const dir = join(root, `${vendor}-${events}`);
  const files = Math.ceil(events / perFile);
  const have = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.gz')).length;
  if (have === files) return dir;
  await mkdir(dir, { recursive: true });
  const r = random(7);
  const people = Math.max(50, Math.floor(events / 2000));
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < files; i++) {
    const n = Math.min(perFile, events - i * perFile);
    const recs = Array.from({ length: n }, (_, k) => {
      const time = new Date(start + Math.floor(((i * perFile + k) / events) * 90 * 86_400_000)).toISOString();
      return MAKE[vendor](r, time, `user${Math.floor(r() * people)}@corp.example`, i * perFile + k);
    });
    const text = vendor === 'google_workspace' ? recs.map((x) => JSON.stringify(x)).join('\n') + '\n' : JSON.stringify({ records: recs });
    await writeFile(join(dir, `part-${String(i).padStart(5, '0')}.${vendor === 'google_workspace' ? 'jsonl' : 'json'}.gz`), gzipSync(text));
  }
  return dir;
}

/** The bare-DuckDB contender's query per vendor: typed read, success filter, GROUP BY; `$glob` the files. */
export const BARE_SQL: Record<Vendor, string> = {
  entra_signin: `SELECT count(*) AS groups FROM (
    SELECT r.time::TIMESTAMPTZ::DATE AS day, lower(r.properties.userPrincipalName) AS upn, r.properties.appId AS app, count(*) AS uses
    FROM (SELECT unnest(records) AS r FROM read_json($glob, format = 'auto', columns = {records:
      'STRUCT(time VARCHAR, category VARCHAR, properties STRUCT(userPrincipalName VARCHAR, appId VARCHAR, status STRUCT(errorCode BIGINT)))[]'}))
    WHERE r.properties.status.errorCode = 0 AND r.category IN ('SignInLogs', 'NonInteractiveUserSignInLogs')
    GROUP BY ALL)`,
  google_workspace: `SELECT count(*) AS groups FROM (
    SELECT id.time::TIMESTAMPTZ::DATE AS day, lower(actor.email) AS email, events[1].parameters[1].value AS target, count(*) AS uses
    FROM read_json($glob, format = 'newline_delimited', columns = {id: 'STRUCT(time VARCHAR, applicationName VARCHAR)',
      actor: 'STRUCT(email VARCHAR)', events: 'STRUCT(name VARCHAR, parameters STRUCT(name VARCHAR, value VARCHAR)[])[]'})
    WHERE id.applicationName IN ('saml', 'token') AND events[1].name IN ('login_success', 'authorize', 'activity')
    GROUP BY ALL)`,
  azure_activity: `SELECT count(*) AS groups FROM (
    SELECT r.time::TIMESTAMPTZ::DATE AS day, lower(r.identity.claims ->> '$."${UPN}"') AS upn,
      lower(regexp_extract(r.resourceId, '^/SUBSCRIPTIONS/[^/]+/RESOURCEGROUPS/[^/]+', 0)) AS scope, count(*) AS uses
    FROM (SELECT unnest(records) AS r FROM read_json($glob, format = 'auto', columns = {records:
      'STRUCT(time VARCHAR, category VARCHAR, resultType VARCHAR, resourceId VARCHAR, identity STRUCT(claims JSON))[]'}))
    WHERE r.resultType = 'Success' AND r.category = 'Administrative'
    GROUP BY ALL)`,
};
