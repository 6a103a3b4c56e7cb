import { describe, expect, test } from 'vitest';
import { appSystem, jsonl } from '../test/helpers.js';
import { one, run, world } from '../test/world.js';

/**
 * A connector's `unobserved` grants (connectors/_shared/define.ts): the Azure activity log shows only
 * writes, so a grant through a Reader or data-plane role cannot be judged unused. The observation-window
 * guard holds its finding, and says why; a Contributor grant unused as long is judged as usual.
 */
const SUB = '/subscriptions/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const PERM = 'sub/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/rg/';

/** A successful write by `who` in resource group `rg` (the diagnostic-settings export's shape). */
const write = (time: string, who: string, rg: string) => ({
  time, resourceId: `${SUB}/resourceGroups/${rg}/providers/Microsoft.Web/sites/s1`, operationName: 'MICROSOFT.WEB/SITES/WRITE',
  category: 'Administrative', resultType: 'Success', correlationId: `${time}-${who}`,
  identity: { claims: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': who } },
});

const assignment = (who: string, role: string, rg: string) => ({
  principalName: who, principalType: 'User', roleDefinitionName: role, scope: `${SUB}/resourceGroups/${rg}`,
  createdOn: '2025-01-01T00:00:00Z',
});

async function azureWorld() {
  return world({
    uses: [],
    grants: [],
    files: {
      // Uses from the first day to the last, so the source is fresh and observed for 180 days.
      'azure/logs/activity.json': JSON.stringify({
        records: [write('2026-01-01T10:00:00Z', 'boss@corp.example', 'ops'), write('2026-06-29T10:00:00Z', 'boss@corp.example', 'ops')],
      }),
      'azure/roles.json': jsonl([
        assignment('boss@corp.example', 'Contributor', 'ops'),
        assignment('ann@corp.example', 'Reader', 'app'),
        assignment('ann@corp.example', 'Storage Blob Data Contributor', 'lake'),
        assignment('ann@corp.example', 'Contributor', 'data'),
      ]),
    },
    extra: {
      systems: {
        app: appSystem(),
        azure: { connector: 'azure_activity', logs: [{ path: 'azure/logs/' }], grants: { path: 'azure/roles.json', format: 'native' } },
      },
    },
  });
}

describe('detect: grants the logs cannot show in use', () => {
  test('Reader and data-plane grants are held by the observation window; a Contributor grant is actionable', async () => {
    const doc = await run(await azureWorld());
    expect(one(doc, 'ann@corp.example', `${PERM}app`)).toMatchObject({ kind: 'never_used', excluded_by: 'observation_window' });
    expect(one(doc, 'ann@corp.example', `${PERM}lake`)).toMatchObject({ kind: 'never_used', excluded_by: 'observation_window' });
    expect(one(doc, 'ann@corp.example', `${PERM}data`)).toMatchObject({ kind: 'never_used', excluded_by: null });
    expect(one(doc, 'boss@corp.example', `${PERM}ops`)).toBeUndefined();
    const guard = doc.guards.find((g) => g.system === 'azure' && g.guard === 'observation_window');
    expect(guard).toMatchObject({ held: 2 });
    expect(guard?.detail).toMatch(/^the activity log shows only writes: a grant through Reader or data-plane roles only cannot show use/);
    expect(doc.guards.filter((g) => g.system === 'app')).toEqual([]);
  });
});
