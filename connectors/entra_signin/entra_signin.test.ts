import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlFile } from '../../core/db.js';
import { writeFiles } from '../../test/helpers.js';
import { connectorKit, reasons } from '../_shared/testkit.js';
import { entraSignin } from './connector.js';

/** Real vendor events collected for parser tests (not in the repo: licences); absent in CI. */
const SAMPLES = '/work/shared/samples';
const GRANTS_SQL = sqlFile(new URL('../../ingest/', import.meta.url).href, 'grants.sql');

const kit = connectorKit(entraSignin, 'entra');
const { parse } = kit;

describe.skipIf(!existsSync(SAMPLES))(`real samples in ${SAMPLES} (skipped when the directory is absent)`, () => {
  // Every line is one record, each accounted for as a use or a counted drop.
  test.each([
    // 15 SignInLogs + 3 NonInteractive; 8 ServicePrincipalSignInLogs; 21 audit-side categories.
    ['azure-entra/panther-azure-audit-tests.jsonl', { not_a_sign_in: 21, use: 12, denied: 4, service_principal: 8, missing_app: 2 }],
    // The Azure activity log (azure_activity's) has no sign-in in it.
    ['azure-entra/plaso-azure_activity_log.jsonl', { not_a_sign_in: 4 }],
    // Microsoft 365 unified audit log: 3 Exchange cmdlets, and one Entra UserLoggedIn without ApplicationId.
    ['m365-audit/plaso-microsoft_audit_log.jsonl', { not_a_sign_in: 3, missing_app: 1 }],
  ])('%s', async (name, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    expect(rows.map((r) => r.record)).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
  });

  test('Panther-flattened sign-ins: lower-cased keys, Panther times, resultType when status is absent', async () => {
    const rows = await parse([join(SAMPLES, 'azure-entra/panther-azure-audit-tests.jsonl')]);
    // Line 23 has lower-cased top-level keys (`resulttype`, `operationname`) and a Panther time.
    expect(rows[22]).toMatchObject({ drop_reason: null, principal: 'eve@lexcorp.com', time: '2023-07-21T05:05:12.056Z',
      permission: 'app/975c4feb-8c6b-4ed8-82e2-f0952ecc64d4', resource: 'Office 365 Exchange Online' });
    // Line 4: no status, resultType "Success"; isInteractive false.
    expect(rows[3]).toMatchObject({ drop_reason: null, principal: 'iotdevice@company.com', action: 'non_interactive_sign_in' });
    // Lines 9-11: locked account and bad password (status.errorCode 50053, 50126).
    expect([9, 10, 11].map((n) => rows[n - 1]!.drop_reason)).toEqual(['denied', 'denied', 'denied']);
    // Line 13: a ServicePrincipalSignInLogs success is a service principal's, not a use.
    expect(rows[12]!.drop_reason).toBe('service_principal');
  });

  test('the M365 Entra sign-in gives its user, and is kept for review for lack of the app', async () => {
    const rows = await parse([join(SAMPLES, 'm365-audit/plaso-microsoft_audit_log.jsonl')]);
    expect(rows[3]).toMatchObject({ drop_reason: 'missing_app', principal: 'piet@sst5f.onmicrosoft.com', quarantine: true, time: '2022-05-08T15:13:41.000Z' });
  });
});

describe('native grants reader', () => {
  async function grants(files: Record<string, string>) {
    await writeFiles(kit.dir, files);
    const query = await entraSignin.grants!.query({
      system: 'entra', options: {}, files: Object.keys(files).map((f) => join(kit.dir, f)), db: kit.db,
    });
    try {
      await kit.db.run(`CREATE OR REPLACE TEMP TABLE lapse_grants_raw AS ${query.sql}`, query.params);
    } finally {
      await query.cleanup?.();
    }
    return kit.db.all(`SELECT regexp_extract(file, '[^/]+$') AS file, bad, principal, permission, granted_at::VARCHAR AS granted_at, via FROM (${GRANTS_SQL}) ORDER BY file, ord, principal NULLS LAST, via`);
  }
  const WIKI = '4f5a1c2e-1111-4222-8333-0123456789ab';
  const assignment = (over: Record<string, unknown>) => ({
    id: 'x7Tb1Ue0Kk2Qm3a8', appRoleId: '00000000-0000-0000-0000-000000000000', createdDateTime: '2025-11-03T17:20:11.1234567Z',
    principalDisplayName: 'Alice Smith', principalId: 'a1a1a1a1-0000-4000-8000-00000000000a', principalType: 'User',
    resourceDisplayName: 'Corp Wiki', resourceId: 'sp000001-0000-4000-8000-000000000001', ...over,
  });

  test('service principals with appRoleAssignedTo, users and groups give the log side\'s names', async () => {
    const sp = {
      id: 'sp000001-0000-4000-8000-000000000001', appId: WIKI, displayName: 'Corp Wiki',
      appRoleAssignedTo: [
        assignment({}),
        assignment({ principalType: 'Group', principalId: 'g1g1g1g1-0000-4000-8000-00000000000e', principalDisplayName: 'Engineering', createdDateTime: '2026-01-20T08:00:00Z' }),
        assignment({ principalType: 'ServicePrincipal', principalId: 'sp000009-0000-4000-8000-000000000009' }),
        assignment({ principalId: 'unknown0-0000-4000-8000-000000000000' }),
        assignment({ principalType: 'Group', principalId: 'g2g2g2g2-0000-4000-8000-00000000000f', principalDisplayName: 'Contractors' }),
      ],
    };
    const rows = await grants({
      'sp.jsonl': `${JSON.stringify(sp)}\n${JSON.stringify({ id: 'sp000002-0000-4000-8000-000000000002', appId: 'PAYROLL-APP' })}\n`,
      // A bare assignment (GET /servicePrincipals/{id}/appRoleAssignedTo) names its resource by object id.
      'bare.json': JSON.stringify({ value: [assignment({ resourceId: 'sp000002-0000-4000-8000-000000000002', createdDateTime: 'soon' })] }),
      'users.json': JSON.stringify({ '@odata.context': 'x', value: [{ id: 'a1a1a1a1-0000-4000-8000-00000000000a', userPrincipalName: 'Alice.Smith@corp.example' }] }, null, 2),
      'groups.jsonl': `${JSON.stringify({ id: 'g1g1g1g1-0000-4000-8000-00000000000e', displayName: 'Engineering', members: [
        { '@odata.type': '#microsoft.graph.user', id: 'b', userPrincipalName: 'bob.jones@corp.example' },
        { '@odata.type': '#microsoft.graph.device', id: 'd' },
        { '@odata.type': '#microsoft.graph.user', id: 'a', userPrincipalName: 'alice.smith@corp.example' },
      ] })}\n{"neither": true}\n`,
    });
    expect(rows).toEqual([
      { file: 'bare.json', bad: 'bad_granted_at', principal: 'alice.smith@corp.example', permission: 'app/payroll-app', granted_at: null, via: 'direct' },
      { file: 'groups.jsonl', bad: 'not_an_assignment', principal: null, permission: null, granted_at: null, via: null },
      { file: 'sp.jsonl', bad: null, principal: 'alice.smith@corp.example', permission: `app/${WIKI}`, granted_at: '2025-11-03', via: 'direct' },
      { file: 'sp.jsonl', bad: null, principal: 'alice.smith@corp.example', permission: `app/${WIKI}`, granted_at: '2026-01-20', via: 'group:Engineering' },
      { file: 'sp.jsonl', bad: null, principal: 'bob.jones@corp.example', permission: `app/${WIKI}`, granted_at: '2026-01-20', via: 'group:Engineering' },
      { file: 'sp.jsonl', bad: 'unknown_user', principal: null, permission: `app/${WIKI}`, granted_at: '2025-11-03', via: 'direct' },
      { file: 'sp.jsonl', bad: 'unexpanded_group', principal: null, permission: null, granted_at: null, via: null },
    ]);
  });
});
