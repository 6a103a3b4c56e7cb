import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlFile } from '../../core/db.js';
import { writeFiles } from '../../test/helpers.js';
import { connectorKit, reasons } from '../_shared/testkit.js';
import { azureActivity } from './connector.js';

/** Real vendor events collected for parser tests (not in the repo: licences); absent in CI. */
const SAMPLES = '/work/shared/samples';
const GRANTS_SQL = sqlFile(new URL('../../ingest/', import.meta.url).href, 'grants.sql');

const kit = connectorKit(azureActivity, 'azure');
const { parse } = kit;

describe.skipIf(!existsSync(SAMPLES))(`real samples in ${SAMPLES} (skipped when the directory is absent)`, () => {
  test.each([
    // The Python SDK's snake_case events: each is the Started half of a delete or write.
    ['azure-entra/plaso-azure_activity_log.jsonl', { in_progress: 4 }],
    // Entra's diagnostic export (entra_signin's): other categories than Administrative.
    ['azure-entra/panther-azure-audit-tests.jsonl', { not_administrative: 47 }],
    ['m365-audit/plaso-microsoft_audit_log.jsonl', { not_activity_log: 4 }],
  ])('%s', async (name, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    expect(rows.map((r) => r.record)).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
  });

  test('the SDK shape gives time, caller, scope and action; an app caller is told apart once it succeeds', async () => {
    const file = join(SAMPLES, 'azure-entra/plaso-azure_activity_log.jsonl');
    const rows = await parse([file]);
    expect(rows[1]).toMatchObject({ principal: 'fakeemail@fakedomain.com', time: '2022-02-09T03:04:26.492Z',
      permission: 'sub/12345678-9abc-defg-hijk-lmnopqrstuvw/rg/test-resource-group', action: 'Microsoft.Compute/virtualMachines/delete' });
    // The same events, finished: the user's are uses, the app's (claims.idtyp app) a service principal's.
    const done = readFileSync(file, 'utf8').replaceAll('"value": "Started"', '"value": "Succeeded"');
    await writeFiles(kit.dir, { 'done.jsonl': done });
    expect(reasons(await parse([join(kit.dir, 'done.jsonl')]))).toEqual({ service_principal: 2, use: 2 });
  });
});

describe('native grants reader', () => {
  async function grants(files: Record<string, string>, options = {}) {
    await writeFiles(kit.dir, files);
    const query = await azureActivity.grants!.query({
      system: 'azure', options: azureActivity.options.parse(options), files: Object.keys(files).map((f) => join(kit.dir, f)), db: kit.db,
    });
    try {
      await kit.db.run(`CREATE OR REPLACE TEMP TABLE lapse_grants_raw AS ${query.sql}`, query.params);
    } finally {
      await query.cleanup?.();
    }
    return kit.db.all(`SELECT bad, principal, permission, granted_at::VARCHAR AS granted_at, via FROM (${GRANTS_SQL}) ORDER BY file, ord, principal NULLS LAST, permission NULLS LAST`);
  }
  const SUB = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
  const ra = (over: Record<string, unknown>) => ({
    canDelegate: null, condition: null, conditionVersion: null, createdOn: '2025-09-01T10:00:00.000000+00:00', description: null,
    id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/1`, name: '1', principalId: 'u1',
    principalName: 'Alice.Smith@corp.example', principalType: 'User', resourceGroup: 'web-prod',
    roleDefinitionId: 'x', roleDefinitionName: 'Contributor', scope: `/subscriptions/${SUB}/resourceGroups/Web-Prod`,
    type: 'Microsoft.Authorization/roleAssignments', ...over,
  });

  test('az role assignment list: users, groups through their members, scopes as the log names them', async () => {
    const list = [
      ra({}),
      ra({ roleDefinitionName: 'Reader', scope: `/subscriptions/${SUB.toUpperCase()}` }),
      ra({ principalType: 'Group', principalName: 'Platform', principalId: 'g1', roleDefinitionName: 'Storage Blob Data Reader',
        scope: `/subscriptions/${SUB}/resourceGroups/data-lake/providers/Microsoft.Storage/storageAccounts/lake1` }),
      ra({ principalType: 'ServicePrincipal', principalName: 'deploy-bot' }),
      ra({ principalType: 'Group', principalName: 'Ghosts', principalId: 'g2' }),
      ra({ scope: '/providers/Microsoft.Management/managementGroups/Corp-Root', createdOn: null }),
      ra({ scope: '/' }),
    ];
    const rows = await grants({
      'assignments.json': JSON.stringify(list, null, 2),
      'groups.jsonl': `${JSON.stringify({ group: 'platform', members: ['bob.jones@corp.example', 'Carol.White@corp.example'] })}\n{"x": 1}\n`,
    });
    expect(rows).toEqual([
      { bad: null, principal: 'alice.smith@corp.example', permission: 'mg/corp-root', granted_at: null, via: 'role:Contributor' },
      { bad: null, principal: 'alice.smith@corp.example', permission: `sub/${SUB}`, granted_at: '2025-09-01', via: 'role:Reader' },
      { bad: null, principal: 'alice.smith@corp.example', permission: `sub/${SUB}/rg/web-prod`, granted_at: '2025-09-01', via: 'role:Contributor' },
      { bad: 'unknown_scope', principal: 'alice.smith@corp.example', permission: null, granted_at: '2025-09-01', via: 'role:Contributor' },
      { bad: null, principal: 'bob.jones@corp.example', permission: `sub/${SUB}/rg/data-lake`, granted_at: '2025-09-01', via: 'role:Storage Blob Data Reader (group:Platform)' },
      { bad: null, principal: 'carol.white@corp.example', permission: `sub/${SUB}/rg/data-lake`, granted_at: '2025-09-01', via: 'role:Storage Blob Data Reader (group:Platform)' },
      { bad: 'unexpanded_group', principal: null, permission: null, granted_at: null, via: null },
      { bad: 'not_an_assignment', principal: null, permission: null, granted_at: null, via: null },
    ]);
  });

  test('the unobserved pattern: every way a grant comes is a Reader or data-plane role', () => {
    const re = new RegExp(azureActivity.unobserved!.via);
    expect(['role:Reader', 'role:Storage Blob Data Reader (group:Platform)', 'role:Reader;role:Storage Blob Data Contributor',
      'role:Monitoring Reader (group:Ops)'].map((v) => re.test(v))).toEqual([true, true, true, true]);
    expect(['role:Contributor', 'role:Reader;role:Contributor', 'role:Reader and Data Access', 'role:Key Vault Data Access Administrator', 'direct', 'role:Owner (group:Reader)']
      .map((v) => re.test(v))).toEqual([false, false, false, false, false, false]);
  });
});
