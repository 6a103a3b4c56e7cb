import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Db, sqlFile } from '../core/db.js';
import { tempDir, writeFiles } from '../test/helpers.js';
import { SETUP_SQL } from './_shared/sql.js';
import { connectorById } from './index.js';

/**
 * Display labels from each connector's native grants export: what names the permission for people (an
 * Okta app's label, an AWS account's name with the permission set, a GCP project's name, a repository as
 * GitHub spells it, an Entra or Workspace app's name), read through ingest's own validation. The id (the
 * permission) is unchanged by a label; a record without one gives none.
 */

const GRANTS_SQL = sqlFile(new URL('../ingest/', import.meta.url).href, 'grants.sql');

let db: Db;
let dir: string;
beforeAll(async () => {
  db = await Db.open({ threads: 2 });
  await db.run(SETUP_SQL);
  dir = await tempDir('lapse-labels-');
});
afterAll(() => db.close());

interface Case {
  connector: string;
  what: string;
  file: string;
  records: unknown[];
  options?: Record<string, unknown>;
  /** [principal, permission, label] of each valid grant, sorted. */
  want: [string, string, string | null][];
}

const CASES: Case[] = [
  {
    connector: 'okta_system_log', what: 'the app label the okta: grants source writes; none in an API object, or one that is the app id', file: 'okta.jsonl',
    records: [
      { appId: '0oa2snowEXAMPLE697', label: 'Snowflake', login: 'Ann@corp.example', created: '2026-01-02', via: 'direct' },
      { appId: '0oa3jiraEXAMPLE697', label: '0oa3jiraEXAMPLE697', login: 'bob@corp.example', via: 'direct' },
      { id: '00u1', scope: 'USER', _links: { app: { href: 'https://corp.okta.com/api/v1/apps/0oa4zoomEXAMPLE697' } },
        _embedded: { user: { profile: { login: 'carol@corp.example' } } } },
    ],
    want: [
      ['ann@corp.example', 'app/0oa2snowEXAMPLE697', 'Snowflake'],
      ['bob@corp.example', 'app/0oa3jiraEXAMPLE697', null],
      ['carol@corp.example', 'app/0oa4zoomEXAMPLE697', null],
    ],
  },
  {
    connector: 'aws_cloudtrail', what: 'the account name (or alias) with the permission set; none without either', file: 'aws.jsonl',
    records: [
      { AccountId: '123456789012', AccountName: 'corp-prod', PermissionSetName: 'DataEngineer', PrincipalType: 'USER', UserName: 'ann@corp.example' },
      { AccountId: '210987654321', AccountAlias: 'corp-staging', PermissionSetName: 'ReadOnly', PrincipalType: 'USER', UserName: 'ann@corp.example' },
      { AccountId: '333333333333', PermissionSetName: 'ReadOnly', PrincipalType: 'USER', UserName: 'ann@corp.example' },
    ],
    want: [
      ['ann@corp.example', '123456789012/DataEngineer', 'corp-prod/DataEngineer'],
      ['ann@corp.example', '210987654321/ReadOnly', 'corp-staging/ReadOnly'],
      ['ann@corp.example', '333333333333/ReadOnly', null],
    ],
  },
  {
    connector: 'gcp_audit', what: "the project's name, for its users and expanded group members", file: 'gcp.jsonl',
    records: [
      { project_id: 'acme-data-02', project_name: 'Data warehouse', policy: { bindings: [{ role: 'roles/viewer', members: ['user:ann@corp.example', 'group:eng@corp.example'] }] } },
      { group: 'eng@corp.example', members: ['bob@corp.example'] },
      { projectId: 'acme-web-01', displayName: 'Website', bindings: [{ role: 'roles/editor', members: ['user:carol@corp.example'] }] },
      { project_id: 'acme-ops-03', policy: { bindings: [{ role: 'roles/owner', members: ['user:dave@corp.example'] }] } },
    ],
    want: [
      ['ann@corp.example', 'project/acme-data-02', 'Data warehouse'],
      ['bob@corp.example', 'project/acme-data-02', 'Data warehouse'],
      ['carol@corp.example', 'project/acme-web-01', 'Website'],
      ['dave@corp.example', 'project/acme-ops-03', null],
    ],
  },
  {
    connector: 'github_audit', what: 'the repository as GitHub spells it, when that is not the lower-cased id', file: 'github.jsonl',
    records: [
      { login: 'ann', repo: 'Corp-Example/Infra-Terraform' },
      { login: 'ann', repo: 'corp-example/docs' },
      { login: 'bob', org: 'Corp-Example' },
    ],
    want: [
      ['ann', 'repo/corp-example/docs', null],
      ['ann', 'repo/corp-example/infra-terraform', 'Corp-Example/Infra-Terraform'],
      ['bob', 'org/corp-example', 'Corp-Example'],
    ],
  },
  {
    connector: 'github_audit', what: 'unit org: the organization as spelt', file: 'github-org.jsonl', options: { unit: 'org' },
    records: [{ login: 'ann', repo: 'Corp-Example/Infra-Terraform' }],
    want: [['ann', 'org/corp-example', 'Corp-Example']],
  },
  {
    connector: 'entra_signin', what: "an assignment's resourceDisplayName, else its service principal's displayName", file: 'entra.jsonl',
    records: [
      { id: 'sp-1', appId: 'app-aaaa', displayName: 'Salesforce', appRoleAssignedTo: [{ principalId: 'u-1', principalType: 'User', createdDateTime: '2026-01-01T00:00:00Z' }] },
      { id: 'sp-2', appId: 'app-bbbb' },
      { principalId: 'u-1', principalType: 'User', resourceId: 'sp-2', resourceDisplayName: 'Workday', appRoleId: 'r' },
      { id: 'sp-3', appId: 'app-cccc', appRoleAssignedTo: [{ principalId: 'u-1', principalType: 'User' }] },
      { id: 'u-1', userPrincipalName: 'Ann@corp.example' },
    ],
    want: [
      ['ann@corp.example', 'app/app-aaaa', 'Salesforce'],
      ['ann@corp.example', 'app/app-bbbb', 'Workday'],
      ['ann@corp.example', 'app/app-cccc', null],
    ],
  },
  {
    connector: 'google_workspace', what: "an OAuth token's app name (displayText); a SAML app is named by its id", file: 'gws.jsonl',
    records: [
      { user: 'ann@corp.example', clientId: '1234.apps.googleusercontent.com', displayText: 'Miro', scopes: ['email'] },
      { user: 'ann@corp.example', clientId: '5678.apps.googleusercontent.com', scopes: ['email'] },
      { application_name: 'Slack', user: 'ann@corp.example' },
    ],
    want: [
      ['ann@corp.example', 'oauth/1234.apps.googleusercontent.com', 'Miro'],
      ['ann@corp.example', 'oauth/5678.apps.googleusercontent.com', null],
      ['ann@corp.example', 'saml/Slack', null],
    ],
  },
];

async function labels(c: Case): Promise<[string, string, string | null][]> {
  await writeFiles(dir, { [c.file]: c.records.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const connector = connectorById(c.connector);
  const query = await connector.grants!.query({ system: 's', options: connector.options.parse(c.options ?? {}), files: [join(dir, c.file)], db });
  try {
    await db.run(`CREATE OR REPLACE TEMP TABLE lapse_grants_raw AS ${query.sql}`, query.params);
  } finally {
    await query.cleanup?.();
  }
  const rows = await db.all<{ principal: string; permission: string; label: string | null }>(
    `SELECT principal, permission, label FROM (${GRANTS_SQL}) WHERE bad IS NULL ORDER BY ALL`,
  );
  return rows.map((r) => [r.principal, r.permission, r.label]);
}

describe('native grants readers give a display label where the export has one', () => {
  test.each(CASES.map((c) => [`${c.connector}: ${c.what}`, c] as const))('%s', async (_, c) => {
    expect(await labels(c)).toEqual(c.want);
  });
});
