import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { actionMapper } from '../actions.js';
import { connectorKit } from '../_shared/testkit.js';
import { k8sAudit } from './connector.js';

const SAMPLES = '/work/shared/samples/k8s-audit';
const kit = connectorKit(k8sAudit, 'k8s', { cluster: 'minikube' });

describe.skipIf(!existsSync(SAMPLES))('Kubernetes samples → verb and resource, per namespace', () => {
  test("each use's action is its verb and resource (with subresource), granted as such; its permission names the namespace", async () => {
    const files = ['falco-k8s_audit-trace-files.jsonl', 'panther-eks-audit-tests.jsonl'].map((f) => join(SAMPLES, f));
    const rows = (await kit.parse(files)).filter((r) => r.drop_reason === null);
    expect(rows.length).toBeGreaterThan(20);
    const map = actionMapper('k8s_audit');
    for (const r of rows) {
      const e = JSON.parse(r.raw!);
      const ref = e.objectRef;
      const action = [e.verb, [ref.resource, ref.subresource].filter(Boolean).join('/')].filter(Boolean).join(' ');
      // A record without a verb (a trimmed sample) names no RBAC rule.
      expect(await map([r.action!]), r.raw!).toEqual([{ raw: action, action, iam: Boolean(e.verb) }]);
      expect(r.permission).toBe(`minikube/${ref.namespace || '_cluster'}`);
    }
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toContain('create pods/exec');
    expect(actions).toContain('create secrets');
  });
});
