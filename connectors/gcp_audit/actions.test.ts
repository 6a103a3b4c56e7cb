import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectorKit } from '../_shared/testkit.js';
import { gcpPermissions } from './actions.js';
import { gcpAudit } from './connector.js';

const SAMPLES = '/work/shared/samples/gcp-audit';
const kit = connectorKit(gcpAudit, 'gcp');

describe('Google Cloud audit records → IAM permissions', () => {
  test('a record naming several granted permissions gives one action each; one naming none keeps its method', async () => {
    expect(await gcpPermissions(['v1.compute.instances.insert (compute.disks.create, compute.instances.create)', 'SetIamPolicy'])).toEqual([
      { raw: 'v1.compute.instances.insert (compute.disks.create, compute.instances.create)', action: 'compute.disks.create', iam: true },
      { raw: 'v1.compute.instances.insert (compute.disks.create, compute.instances.create)', action: 'compute.instances.create', iam: true },
      { raw: 'SetIamPolicy', action: 'SetIamPolicy', iam: false },
    ]);
  });
});

describe.skipIf(!existsSync(SAMPLES))('Google Cloud samples → IAM permissions', () => {
  test("each use's actions are exactly the permissions its authorizationInfo grants, or its methodName when none", async () => {
    const rows = (await kit.parse([join(SAMPLES, 'panther-gcp-auditlog-tests.jsonl')])).filter((r) => r.drop_reason === null);
    expect(rows.length).toBeGreaterThan(50);
    let several = 0;
    for (const r of rows) {
      const rec = JSON.parse(r.raw!);
      const p = rec.protoPayload ?? rec.protopayload;
      const granted = [...new Set(((p.authorizationInfo ?? []) as { granted?: boolean; permission?: string }[])
        .filter((a) => a.granted === true && a.permission).map((a) => a.permission!))].sort();
      const mapped = await gcpPermissions([r.action!]);
      if (granted.length > 1) several++;
      if (granted.length) expect(mapped.map((m) => [m.action, m.iam]), r.action!).toEqual(granted.map((g) => [g, true]));
      else expect(mapped, r.action!).toEqual([{ raw: p.methodName, action: p.methodName, iam: false }]);
    }
    expect(several, 'a sample record names several permissions').toBeGreaterThan(0);
  });
});
