import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeFiles } from '../../test/helpers.js';
import { connectorKit, reasons } from '../_shared/testkit.js';
import { gcpAudit } from './connector.js';

/** Third-party vendor samples (see their README); read in place, never copied into the repo. */
const SAMPLES = '/work/shared/samples/gcp-audit';

const kit = connectorKit(gcpAudit, 'gcp');
const { parse } = kit;

describe.skipIf(!existsSync(SAMPLES))('gcp_audit over the vendor samples', () => {
  test.each([
    // Real GCE / IAM entries; 2 are plain application logs (jsonPayload, textPayload); the last one is a
    // service account refused iam.serviceAccounts.create.
    ['plaso-gcp_logging.jsonl', 11, { use: 8, not_audit_log: 2, service_principal: 1 }],
    // Panther detection tests: trimmed (55 without timestamp), lower-cased keys, GKE k8s_cluster entries.
    ['panther-gcp-auditlog-tests.jsonl', 196, {
      use: 85, missing_time: 49, no_principal: 18, service_principal: 17, denied: 11, not_project_scoped: 9,
      not_audit_log: 5, missing_project: 1, bad_time: 1,
    }],
  ])('%s: every record is an event or a counted drop', async (name, records, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(records);
    expect(rows.map((r) => r.record)).toEqual(lines.map((_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
    for (const r of rows.filter((x) => x.drop_reason === null)) {
      expect(r.permission).toMatch(/^project\/[^/]+$/);
      expect(r.principal).toBe(r.principal!.toLowerCase());
    }
  });

  test('plaso: values checked by hand', async () => {
    const rows = await parse([join(SAMPLES, 'plaso-gcp_logging.jsonl')]);
    expect(rows[0]).toMatchObject({
      time: '2021-10-19T02:57:47.339Z', principal: 'fakeemailxyz@gmail.com', permission: 'project/fake-project',
      action: 'beta.compute.networks.insert', resource: 'projects/fake-project/global/networks/test', event_id: 'iv9wx9d16l2',
    });
    // Delegation chain: principalEmail is the caller, not the first-party service accounts.
    expect(rows[9]).toMatchObject({ principal: 'fake-account@fake-project.com', permission: 'project/fake-project' });
    expect(rows[10]).toMatchObject({ drop_reason: 'service_principal', quarantine: false });
  });

  test('panther: lower-cased keys, GKE entries, organization-level entries', async () => {
    const rows = await parse([join(SAMPLES, 'panther-gcp-auditlog-tests.jsonl')]);
    const at = (n: number) => rows.find((r) => r.record === n)!;
    // `protopayload`, `logname`, `insertid` (Panther lower-cases top-level keys) and a zone-less time.
    expect(at(30)).toMatchObject({ principal: 'user@company.io', permission: 'project/gcp-project1', time: '2023-03-28T18:37:06.079Z' });
    // A GKE request wrapped in a LogEntry is access to the project.
    expect(at(146)).toMatchObject({ principal: 'some.user@company.com', permission: 'project/some-project', action: 'io.k8s.core.v1.pods.create (io.k8s.core.v1.pods.create)' });
    expect(at(156)).toMatchObject({ drop_reason: 'service_principal' }); // system:serviceaccount:kube-system:…
    expect(at(159)).toMatchObject({ drop_reason: 'denied' }); // authorizationInfo granted: false
    expect(at(65)).toMatchObject({ drop_reason: 'not_project_scoped' }); // organizations/…/logs/…
  });
});

describe('gcp_audit file shapes', () => {
  const entry = (id: string, email = 'alice@corp.example') => ({
    protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', authenticationInfo: { principalEmail: email },
      serviceName: 'compute.googleapis.com', methodName: 'v1.compute.instances.get', resourceName: 'projects/acme-prod-01/zones/z/instances/i' },
    insertId: id, timestamp: '2026-03-02T08:00:00Z', logName: 'projects/acme-prod-01/logs/cloudaudit.googleapis.com%2Fdata_access',
  });

  test('a pretty-printed file that does not parse is read line by line, texts read back', async () => {
    const text = JSON.stringify([entry('a'), entry('b')], null, 2);
    await writeFiles(kit.dir, { 'broken.json': text.slice(0, text.length - 40) });
    const rows = await parse([join(kit.dir, 'broken.json')]);
    expect(rows.length).toBe(text.slice(0, text.length - 40).split('\n').length);
    expect(rows.every((r) => r.drop_reason === 'malformed_json' && r.quarantine)).toBe(true);
    expect(rows[0]!.raw).toBe('[');
  });

  test('an empty gcloud result and back-to-back documents', async () => {
    await writeFiles(kit.dir, {
      'empty.json': '[\n]\n',
      'docs.json.gz': `${JSON.stringify(entry('c'), null, 2)}\n${JSON.stringify(entry('d', 'Bob@Corp.Example'), null, 2)}\n`,
    });
    const rows = await parse([join(kit.dir, 'empty.json'), join(kit.dir, 'docs.json.gz')]);
    expect(rows.map((r) => [r.file.split('/').pop(), r.record, r.drop_reason ?? r.principal])).toEqual([
      ['docs.json.gz', 1, 'alice@corp.example'],
      ['docs.json.gz', 2, 'bob@corp.example'],
      ['empty.json', 1, 'empty_list'],
    ]);
  });
});

describe('gcp_audit native grants', () => {
  async function grants(files: Record<string, string>) {
    await writeFiles(kit.dir, files);
    const query = await gcpAudit.grants!.query({ system: 'gcp', options: { granularity: 'project' }, files: Object.keys(files).map((f) => join(kit.dir, f)), db: kit.db });
    try {
      return await kit.db.all<{ ord: number; bad: string | null; v: string[] | null }>(
        `SELECT ord, bad, v FROM (${query.sql}) ORDER BY ord, bad NULLS FIRST, v`, query.params);
    } finally {
      await query.cleanup?.();
    }
  }

  test('a bare get-iam-policy file: project from the file name; users, workforce ids; no machines', async () => {
    const policy = {
      bindings: [
        { role: 'roles/editor', members: ['user:Alice@corp.example', 'serviceAccount:deployer@acme-prod-01.iam.gserviceaccount.com', 'group:devs@corp.example'] },
        { role: 'roles/viewer', members: [
          'user:bob@corp.example', 'domain:corp.example', 'allAuthenticatedUsers', 'deleted:user:old@corp.example?uid=123',
          'principal://iam.googleapis.com/locations/global/workforcePools/corp-pool/subject/dave@corp.example',
          'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gh/subject/repo:acme/app'] },
      ],
      etag: 'BwYUjHhRZ9E=', version: 1,
    };
    expect(await grants({ 'acme-prod-01.json': JSON.stringify(policy, null, 2) })).toEqual([
      { ord: 1, bad: null, v: ['alice@corp.example', 'project/acme-prod-01', null, 'role:roles/editor', null] },
      { ord: 1, bad: null, v: ['bob@corp.example', 'project/acme-prod-01', null, 'role:roles/viewer', null] },
      { ord: 1, bad: null, v: ['principal://iam.googleapis.com/locations/global/workforcePools/corp-pool/subject/dave@corp.example', 'project/acme-prod-01', null, 'role:roles/viewer', null] },
      { ord: 1, bad: 'unexpanded_group', v: null },
    ]);
  });

  test('JSON Lines {project_id, policy} with group members; unreadable records named', async () => {
    const lines = [
      { project_id: 'acme-data-02', policy: { bindings: [{ role: 'roles/bigquery.dataViewer', members: ['user:carol@corp.example', 'group:analysts@corp.example'] }] } },
      { group: 'Analysts@corp.example', members: ['erin@corp.example', 'etl@acme-data-02.iam.gserviceaccount.com'] },
      { project_id: 'acme-data-03', bindings: [{ members: ['user:gina@corp.example'] }] },
      { hello: 'world' },
    ].map((l) => JSON.stringify(l));
    const rows = await grants({ 'gcp-iam.jsonl': `${lines.join('\n')}\nnot json\n` });
    expect(rows).toEqual([
      { ord: 1, bad: null, v: ['carol@corp.example', 'project/acme-data-02', null, 'role:roles/bigquery.dataViewer', null] },
      { ord: 1, bad: null, v: ['erin@corp.example', 'project/acme-data-02', null, 'group:analysts@corp.example', null] },
      { ord: 3, bad: 'missing_role', v: ['gina@corp.example', 'project/acme-data-03', null, null, null] },
      { ord: 4, bad: 'not_a_policy', v: null },
      { ord: 5, bad: 'malformed_json', v: null },
    ]);
  });

  test('a bare policy whose file name is not a project id', async () => {
    expect(await grants({ 'iam_policy.json': '{"bindings":[{"role":"roles/owner","members":["user:hank@corp.example"]}]}' }))
      .toEqual([{ ord: 1, bad: 'unknown_project', v: null }]);
  });
});
