import { z } from 'zod';
import { sqlFile } from '../../core/db.js';
import { SOURCE_PERMISSIONS } from '../_shared/checks.js';
import { defineConnector } from '../_shared/define.js';
import { readJsonLines } from '../_shared/read-back.js';
import { jsonRecords, typedLines } from '../_shared/json-records.js';
import { GITHUB_PERMISSIONS, githubChecks } from './checks.js';

const EVENTS_SQL = sqlFile(import.meta.url, 'events.sql');
const FIELDS_SQL = sqlFile(import.meta.url, 'fields.sql');
const TYPED_SQL = sqlFile(import.meta.url, 'typed.sql');

/**
 * What typed.sql reads of each line, all as JSON: a VARCHAR column would spell a number as DuckDB writes a DOUBLE
 * (`1e+83`), not as json_extract_string on the text path does (`1e83`).
 */
const COLUMNS = {
  '@timestamp': 'JSON', at_sign_timestamp: 'JSON', created_at: 'JSON', _document_id: 'JSON', actor_is_bot: 'JSON',
  action: 'JSON', actor: 'JSON', org: 'JSON', repo: 'JSON', repository: 'JSON', user: 'JSON',
};
const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');

/** Automatic or authentication entries that do not show someone exercising their access. */
export const DEFAULT_IGNORED_ACTIONS = [
  // Workflow runs are attributed to whoever triggered them, and scheduled runs to whoever last edited the
  // cron: a departed author would keep "using" the repository forever.
  'workflows.created_workflow_run',
  'workflows.completed_workflow_run',
  'workflows.prepared_workflow_job',
  // A SAML response, whose outcome the entry does not record; not an action on the org's resources.
  'org.sso_response',
  'business.sso_response',
  // Runner heartbeats.
  'org.self_hosted_runner_online',
  'org.self_hosted_runner_offline',
];

/** Entries that record a refused attempt ("A branch update attempt is rejected"). */
export const DEFAULT_DENIED_ACTIONS = ['protected_branch.rejected_ref_update'];

/**
 * GitHub audit log (organization or enterprise; streaming JSON Lines, API pages, exports): an action an
 * actor took in a repository is a use of `repo/<org>/<repo>`, an organization-level action a use of
 * `org/<org>`. Principal: `actor` (the login). See connectors/github_audit/README.md.
 *
 * @example
 * systems:
 *   github:
 *     connector: github_audit
 *     logs: [{ path: logs/github/ }]          # streaming *.json.gz, or `gh api` pages
 *     grants: { path: grants/github.jsonl, format: native }
 *     unit: repo
 */
export const githubAudit = defineConnector({
  id: 'github_audit',
  title: 'GitHub audit log',
  options: z.object({
    unit: z
      .enum(['repo', 'org'])
      .default('repo')
      .describe(
        'Permission unit. repo: repo/<org>/<repo> for repository entries, org/<org> for organization entries. ' +
          'org: every entry is a use of org/<org> (judge organization membership only).',
      ),
    ignore_actions: z
      .array(z.string().min(1))
      .default(DEFAULT_IGNORED_ACTIONS)
      .describe('Actions (GLOB patterns, e.g. "workflows.*") that are not uses of access; replaces the default list.'),
    denied_actions: z
      .array(z.string().min(1))
      .default(DEFAULT_DENIED_ACTIONS)
      .describe('Actions (GLOB patterns) that record a refused attempt; replaces the default list.'),
  }),
  async events({ options, files, db }) {
    // Lists travel as JSON text: the client cannot bind an empty list (it has no element type).
    const params = { unit: options.unit, ignore: JSON.stringify(options.ignore_actions), denied: JSON.stringify(options.denied_actions) };
    // Lines of entries are read by DuckDB's typed reader, each parsed once; the rest as text (json-records.ts).
    return typedLines(db, files, {
      columns: COLUMNS,
      sql: `WITH github_fields AS (${TYPED_SQL}) SELECT * FROM (${EVENTS_SQL})`,
      params,
      async text(some) {
        const records = await jsonRecords(db, some, { prefix: 'github_audit' });
        return {
          sql: `WITH github_records AS (${records.sql}), github_fields AS (${FIELDS_SQL}) SELECT * EXCLUDE (suspect) FROM (${EVENTS_SQL})`,
          params: { ...records.params, ...params },
          cleanup: records.cleanup,
        };
      },
    });
  },
  grants: {
    describe:
      'GitHub org members and repository collaborators: user objects of GET /orgs/{org}/members and ' +
      'GET /repos/{owner}/{repo}/collaborators, one per line, enriched with "org" or "repo" (owner/name)',
    async query({ options, files, db }) {
      const records = await jsonRecords(db, files, { prefix: 'github_audit_grants' });
      return {
        sql: `WITH github_records AS (${records.sql}) SELECT * FROM (${GRANTS_SQL})`,
        params: { ...records.params, unit: options.unit },
        cleanup: records.cleanup,
      };
    },
  },
  // Only records DuckDB could not parse lack their text, and those are always numbered by line.
  readRecords: readJsonLines,
  checks: githubChecks,
  permissions: [...SOURCE_PERMISSIONS, ...GITHUB_PERMISSIONS],
});
