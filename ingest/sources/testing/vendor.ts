import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Obj } from '../../../test/openapi/subset.js';
import { vendor } from '../../../test/openapi/vendor.js';
import { subsetSpec } from './subset.js';

const OKTA_SOURCE = 'okta/okta-management-openapi-spec@fdda229e82940cf5af4611ad673ca6a27974e31b dist/current/management-oneOfInheritance-noExamples.yaml';

/**
 * Regenerates the vendored OpenAPI subsets the API-source tests validate every request and response
 * against (see ../shared/contracts/README.md):
 *
 *   npm run build && node dist/ingest/sources/testing/vendor.js
 *
 * Okta: ../shared/contracts/okta/management-oneOfInheritance-noExamples.yaml (Okta's own description).
 * GitHub: @octokit/openapi's ghec.json (GitHub Enterprise Cloud, the description that has the audit log).
 */
export const OKTA_OPERATIONS = [
  'GET /api/v1/logs', // listLogEvents
  'GET /api/v1/apps', // listApplications
  'GET /api/v1/apps/{appId}/users', // listApplicationUsers
  'GET /api/v1/apps/{appId}/groups', // listApplicationGroupAssignments
  'GET /api/v1/groups/{groupId}', // getGroup
  'GET /api/v1/groups/{groupId}/users', // listGroupUsers
] as const;

export const GITHUB_OPERATIONS = [
  'GET /orgs/{org}/audit-log', // orgs/get-audit-log
  'GET /enterprises/{enterprise}/audit-log', // enterprise-admin/get-audit-log
  'GET /orgs/{org}/members', // orgs/list-members
  'GET /orgs/{org}/repos', // repos/list-for-org
  'GET /repos/{owner}/{repo}/collaborators', // repos/list-collaborators
  'GET /orgs/{org}/teams', // teams/list
  'GET /orgs/{org}/teams/{team_slug}/members', // teams/list-members-in-org
  'GET /orgs/{org}/teams/{team_slug}/repos', // teams/list-repos-in-org
  'POST /app/installations/{installation_id}/access_tokens', // apps/create-installation-access-token
] as const;

const githubVersion = () => (JSON.parse(readFileSync('node_modules/@octokit/openapi/package.json', 'utf8')) as { version: string }).version;

/** The subsets, as the vendoring below and the test that they are current make them. */
export const oktaSubset = (whole: Obj, sha256: string) => subsetSpec(whole, OKTA_OPERATIONS, { source: OKTA_SOURCE, sha256 });
export const githubSubset = (whole: Obj, sha256: string) =>
  subsetSpec(whole, GITHUB_OPERATIONS, { source: `@octokit/openapi@${githubVersion()} generated/ghec.json (github/rest-api-description)`, sha256 });

if (process.argv[1]?.endsWith('sources/testing/vendor.js')) {
  vendor('../shared/contracts/okta/management-oneOfInheritance-noExamples.yaml', 'connectors/okta_system_log/openapi/okta.subset.json', oktaSubset, (t) => parseYaml(t) as Obj);
  vendor('node_modules/@octokit/openapi/generated/ghec.json', 'connectors/github_audit/openapi/github.subset.json', githubSubset);
}
