import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeFiles } from '../../test/helpers.js';
import { connectorKit, reasons } from '../_shared/testkit.js';
import { k8sAudit } from './connector.js';

/** Third-party vendor samples (see their README); read in place, never copied into the repo. */
const SAMPLES = '/work/shared/samples/k8s-audit';
const OPTIONS = { cluster: 'minikube' };

const kit = connectorKit(k8sAudit, 'k8s', OPTIONS);
const { parse } = kit;

test('the cluster option is required and names a single path segment', () => {
  expect(k8sAudit.options.safeParse({}).success).toBe(false);
  expect(k8sAudit.options.safeParse({ cluster: 'prod/eu' }).success).toBe(false);
  expect(k8sAudit.options.parse({ cluster: 'prod-eu1' })).toEqual({ cluster: 'prod-eu1' });
});

describe.skipIf(!existsSync(SAMPLES))('k8s_audit over the vendor samples', () => {
  test.each([
    // Real minikube captures (v1beta1-era events without apiVersion, v1beta1, v1), one stage each.
    ['falco-k8s_audit-trace-files.jsonl', 51, { use: 38, service_principal: 12, no_principal: 1 }],
    // Panther EKS detection tests: heavily trimmed, 168 without any time field.
    ['panther-eks-audit-tests.jsonl', 186, { missing_time: 170, service_principal: 9, no_principal: 4, intermediate_stage: 2, use: 1 }],
  ])('%s: every record is an event or a counted drop', async (name, records, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(records);
    expect(rows.map((r) => r.record)).toEqual(lines.map((_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
    for (const r of rows.filter((x) => x.drop_reason === null)) expect(r.permission).toMatch(/^minikube\/[^/]+$/);
  });

  test('falco: values checked by hand', async () => {
    const rows = await parse([join(SAMPLES, 'falco-k8s_audit-trace-files.jsonl')]);
    const at = (n: number) => rows.find((r) => r.record === n)!;
    // A cluster-scoped object (no objectRef.namespace).
    expect(at(2)).toMatchObject({
      principal: 'minikube-user', permission: 'minikube/_cluster', action: 'create clusterrolebindings',
      resource: 'some-reader-binding', time: '2018-10-26T14:26:34.242Z',
    });
    // kubectl attach: counted at ResponseStarted (101), the stream's only stage in the capture.
    expect(at(3)).toMatchObject({ permission: 'minikube/default', action: 'create pods/attach' });
    expect(at(19)).toMatchObject({ principal: 'admin', permission: 'minikube/kube-system', action: 'create secrets' });
    expect(at(1)).toMatchObject({ drop_reason: 'no_principal' }); // system:anonymous
    expect(at(28)).toMatchObject({ drop_reason: 'service_principal' }); // system:node:minikube
    expect(at(35)).toMatchObject({ drop_reason: 'service_principal' }); // system:kube-controller-manager
  });

  test('panther EKS: eks: users are service principals; ResponseStarted of a log stream is not counted', async () => {
    const rows = await parse([join(SAMPLES, 'panther-eks-audit-tests.jsonl')]);
    const at = (n: number) => rows.find((r) => r.record === n)!;
    expect(at(2)).toMatchObject({ principal: 'kubernetes-admin', permission: 'minikube/default', time: '2022-11-29T00:09:04.380Z' });
    expect(at(9)).toMatchObject({ drop_reason: 'intermediate_stage' }); // get pods/log, ResponseStarted
    expect(at(16)).toMatchObject({ drop_reason: 'service_principal' }); // eks:addon-manager
  });
});

describe('k8s_audit native grants', () => {
  test('kubectl get rolebindings,clusterrolebindings -A -o json', async () => {
    const binding = (kind: string, name: string, roleRef: string, subjects: object[], namespace?: string) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind,
      metadata: { name, creationTimestamp: '2025-11-03T09:12:44Z', ...(namespace && { namespace }) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleRef },
      ...(subjects.length && { subjects }),
    });
    const user = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
    const list = {
      apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' },
      items: [
        binding('RoleBinding', 'payments-devs', 'edit', [user('alice@corp.example'), { kind: 'Group', name: 'payments-devs' },
          { kind: 'ServiceAccount', name: 'ci', namespace: 'payments' }], 'payments'),
        binding('ClusterRoleBinding', 'admins', 'cluster-admin', [user('oidc:dave@corp.example'), user('system:kube-controller-manager')]),
        binding('ClusterRoleBinding', 'empty', 'view', []),
        binding('RoleBinding', 'no-namespace', 'view', [user('bob@corp.example')]),
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } },
      ],
    };
    await writeFiles(kit.dir, { 'rbac.json': JSON.stringify(list, null, 4) });
    const query = await k8sAudit.grants!.query({ system: 'k8s', options: { cluster: 'prod-eu1' }, files: [join(kit.dir, 'rbac.json')], db: kit.db });
    try {
      const rows = await kit.db.all(`SELECT ord, bad, v FROM (${query.sql}) ORDER BY bad NULLS FIRST, v`, query.params);
      expect(rows).toEqual([
        { ord: 1, bad: null, v: ['alice@corp.example', 'prod-eu1/payments', null, 'role:edit'] },
        { ord: 1, bad: null, v: ['oidc:dave@corp.example', 'prod-eu1/_cluster', null, 'role:cluster-admin'] },
        { ord: 1, bad: 'missing_namespace', v: ['bob@corp.example', null, null, 'role:view'] },
        { ord: 1, bad: 'not_a_binding', v: null },
      ]);
    } finally {
      await query.cleanup?.();
    }
  });

  test('an empty List holds no grant', async () => {
    await writeFiles(kit.dir, { 'empty.json': '{\n  "apiVersion": "v1",\n  "items": [],\n  "kind": "List"\n}\n' });
    const query = await k8sAudit.grants!.query({ system: 'k8s', options: { cluster: 'prod-eu1' }, files: [join(kit.dir, 'empty.json')], db: kit.db });
    try {
      expect(await kit.db.all(`SELECT * FROM (${query.sql})`, query.params)).toEqual([]);
    } finally {
      await query.cleanup?.();
    }
  });
});
