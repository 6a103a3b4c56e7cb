import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { globProblem } from './glob.js';
import { fieldName, inputPath, inputS3, locationsOf, outputLocation, overlaps } from './locations.js';

export { S3Uri, outputDir, outputLocation } from './locations.js';

/**
 * The base of the config schema: what every run needs, whatever plugins are registered.
 * Connectors and actions add their own keys; the full strict schema is assembled in `cli/`, where the
 * plugin lists are, so adding a plugin never touches this file.
 */

/**
 * Every number is bounded to what it can sensibly mean, well inside what DuckDB's INTEGER holds, so
 * a typo is refused here, naming the field, and never reaches SQL as a value that turns into NULL.
 */
const MAX_TTL_DAYS = 3650;
const ttlDays = (what: string) =>
  z.number().int().positive().max(MAX_TTL_DAYS, `at most ${MAX_TTL_DAYS} days: a TTL of more than ten years is surely a typo`).describe(what);
const lagDays = () => z.number().int().nonnegative().max(365, 'at most 365 days: a source silent for longer than a year is not fresh');
const count = (max: number, why: string) => z.number().int().max(max, `at most ${max.toLocaleString('en-US')}: ${why}`);

/** A system name becomes a lake folder, a partition value and a file name: short, and safe in all three. */
export const SystemName = z
  .string()
  .max(64, 'at most 64 characters (a system name names lake folders, partition values and files)')
  .regex(/^[a-z][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _, starting with a letter (it names lake folders)');

/** A permission or principal as the config names it: compared with what logs and grants say. */
const Name = (what: string) =>
  z
    .string()
    .max(1024, `at most 1024 characters: a longer ${what} is surely pasted by mistake`)
    .regex(/^[^\u0000-\u001f\u007f]*$/, `a ${what} holds no control characters (line breaks, tabs)`)
    .regex(/\S/, `a ${what} is not empty or blank`);

/** Keys that only an `sqs:` source takes. */
const SQS_KEYS = ['wait_time_secs', 'visibility_timeout_secs', 'max_messages', 'max_seconds', 'batch_messages'] as const;

/** The name of an environment variable that holds a secret (the secret itself never sits in the config). */
const EnvName = (what: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)').describe(what);

/** A day (UTC, YYYY-MM-DD) an API log source starts from when it has no checkpoint yet. */
const StartDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD')
  .optional()
  .describe('First run only: fetch events from this day (UTC); later runs resume from the checkpoint (default: 7 days back). `lapse ingest --backfill-from DAY` sets it.');

/** How long an API source re-reads before its checkpoint, for events the vendor logs late (deduplicated by id). */
const OverlapMinutes = z
  .number()
  .int()
  .min(0)
  .max(1440)
  .default(15)
  .describe('Re-read this many minutes before the checkpoint (events logged late); duplicates are dropped by event id.');

/** An Okta org and how to sign in to its API: an API token, or an OAuth 2.0 service app (private-key JWT). */
export const OktaConnection = z
  .strictObject({
    domain: z
      .string()
      .regex(/^(https?:\/\/)?[A-Za-z0-9.-]+(:\d+)?\/?$/, 'an Okta domain (corp.okta.com) or its URL (https://corp.okta.com)')
      .describe('The Okta org: corp.okta.com, or its URL.'),
    token_env: EnvName('Environment variable holding an API token (SSWS).').optional(),
    client_id: z.string().min(1).optional().describe('OAuth 2.0 service app: its client id (with private_key_env).'),
    private_key_env: EnvName('OAuth 2.0 service app: environment variable holding its private key (PEM or JWK JSON).').optional(),
    key_id: z.string().min(1).optional().describe('OAuth 2.0 service app: the kid of its public key, when it has several.'),
  })
  .superRefine((o, ctx) => {
    const token = o.token_env !== undefined;
    const app = o.client_id !== undefined || o.private_key_env !== undefined;
    if (token === app) ctx.addIssue({ code: 'custom', message: 'give either token_env, or client_id with private_key_env (an OAuth 2.0 service app)' });
    else if (app && (o.client_id === undefined || o.private_key_env === undefined)) {
      ctx.addIssue({ code: 'custom', path: [o.client_id === undefined ? 'client_id' : 'private_key_env'], message: 'a service app needs both client_id and private_key_env' });
    }
    if (/^http:\/\//i.test(o.domain) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/i.test(o.domain)) {
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'https only (http is for a local test server on 127.0.0.1)' });
    }
  });
export type OktaConnection = z.infer<typeof OktaConnection>;

const OktaLogs = OktaConnection.safeExtend({
  overlap_minutes: OverlapMinutes,
  backfill_from: StartDay,
});

/** A GitHub organization and how to sign in: a fine-grained token, or a GitHub App installation. */
export const GithubConnection = z
  .strictObject({
    org: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, 'a GitHub organization login').describe('The organization.'),
    api_url: z.url({ protocol: /^https?$/ }).default('https://api.github.com').describe('The REST API (GitHub Enterprise Server: https://HOST/api/v3).'),
    token_env: EnvName('Environment variable holding a fine-grained personal access token.').optional(),
    app_id: z.number().int().positive().optional().describe('GitHub App: its app id (with private_key_env and installation_id).'),
    installation_id: z.number().int().positive().optional().describe('GitHub App: the installation on the organization.'),
    private_key_env: EnvName('GitHub App: environment variable holding its private key (PEM).').optional(),
  })
  .superRefine((o, ctx) => {
    const app = ['app_id', 'installation_id', 'private_key_env'] as const;
    const given = app.filter((k) => o[k] !== undefined);
    if ((o.token_env !== undefined) === (given.length > 0)) ctx.addIssue({ code: 'custom', message: 'give either token_env, or app_id, installation_id and private_key_env (a GitHub App)' });
    else for (const k of app) if (given.length && o[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'a GitHub App needs app_id, installation_id and private_key_env' });
  });
export type GithubConnection = z.infer<typeof GithubConnection>;

const GithubLogs = GithubConnection.safeExtend({
  enterprise: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/i, 'an enterprise slug')
    .optional()
    .describe("Read the enterprise's audit log (every organization in it) instead of the organization's: an enterprise owner's classic token with read:audit_log."),
  overlap_minutes: OverlapMinutes,
  backfill_from: StartDay,
});

/** The kinds of log source; exactly one per entry. */
const SOURCE_KINDS = ['path', 's3', 'sqs', 'okta', 'github'] as const;

/** The connector an API source feeds (its raw pages are that connector's format). */
export const API_CONNECTORS = { okta: 'okta_system_log', github: 'github_audit' } as const;

export const LogSource = z
  .strictObject({
    okta: OktaLogs.optional().describe('The Okta System Log API (connector okta_system_log); see connectors/okta_system_log/README.md.'),
    github: GithubLogs.optional().describe('The GitHub organization audit-log API (connector github_audit); see connectors/github_audit/README.md.'),
    path: inputPath('A local file, a directory (read recursively) or a glob; .gz is read transparently.', 'file, directory or glob').optional(),
    s3: inputS3(
      'An S3 prefix (s3://bucket/prefix/): every object under it; objects already in the ledger (same ETag and size) are skipped without downloading.',
    ).optional(),
    sqs: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('An SQS queue URL carrying S3 event notifications (direct, wrapped in SNS, or from EventBridge); see docs/scale.md.'),
    wait_time_secs: z.number().int().min(0).max(20).optional().describe('sqs: long-poll wait; the run stops when a poll this long finds nothing (default 20).'),
    visibility_timeout_secs: z
      .number()
      .int()
      .min(1)
      .max(43200)
      .optional()
      .describe('sqs: how long received messages stay hidden; extended every third of it while their objects are processed (default 60).'),
    max_messages: count(10_000_000, 'a run works through at most ten million messages')
      .positive()
      .optional()
      .describe('sqs: stop after this many messages in one run (default: until the queue is empty).'),
    max_seconds: count(86_400, 'a daily run receives for at most a day')
      .positive()
      .optional()
      .describe('sqs: stop receiving after this many seconds (default: until the queue is empty).'),
    batch_messages: z
      .number()
      .int()
      .positive()
      .max(1000)
      .optional()
      .describe('sqs: messages gathered into one ingest batch, committed together (default 100).'),
  })
  .superRefine((s, ctx) => {
    const kinds = SOURCE_KINDS.filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a log source has exactly one of ${SOURCE_KINDS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})` });
    }
    if (s.sqs === undefined) {
      for (const k of SQS_KEYS) if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only an sqs source takes this key' });
    }
  })
  .describe('Where a system\'s logs come from: one of path, s3, sqs, okta or github.');
export type LogSource = z.infer<typeof LogSource>;

export const GrantsSource = z
  .strictObject({
    path: inputPath('The grants snapshot: a local JSONL or CSV file with principal, permission, granted_at?, via?.').optional(),
    format: z
      .enum(['jsonl', 'csv', 'native'])
      .optional()
      .describe("Default: from the file extension. native: the system's own export, read by its connector."),
    okta: OktaConnection.optional().describe('Read app assignments from the Okta API on each run (connector okta_system_log).'),
    github: GithubConnection.optional().describe('Read members, collaborators and teams from the GitHub API on each run (connector github_audit).'),
  })
  .superRefine((g, ctx) => {
    const kinds = (['path', 'okta', 'github'] as const).filter((k) => g[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `grants come from exactly one of path, okta, github (found ${kinds.length ? kinds.join(', ') : 'none'})` });
    }
    if (g.format !== undefined && g.path === undefined) ctx.addIssue({ code: 'custom', path: ['format'], message: 'only a path source takes a format' });
  });
export type GrantsSource = z.infer<typeof GrantsSource>;

export const PermissionRule = z.strictObject({
  ttl_days: ttlDays('TTL for this permission (e.g. a quarterly task: 120).').optional(),
  emergency_only: z
    .boolean()
    .default(false)
    .describe('Break-glass: rarely used by design, never flagged or revoked.'),
  periodic: z
    .boolean()
    .default(false)
    .describe('Used on a rhythm (e.g. each quarter close): give it a ttl_days longer than the period; findings say so.'),
  description: z.string().optional().describe('Why the rule exists, shown by lapse explain.'),
  owner: Name('permission owner')
    .optional()
    .describe('Who owns the permissions this rule matches (a team, a person, an e-mail): shown by lapse explain.'),
  on_call: z
    .boolean()
    .default(false)
    .describe("Kept while the holder is in an on-call rotation (directory.on_call); its TTL counts from the end of their last shift."),
  teams: z
    .array(Name('team'))
    .min(1, 'list at least one team, or leave teams out for a rule that applies to every holder')
    .optional()
    .describe("The rule applies only to holders in these directory teams (a team-scoped rule beats an unscoped one)."),
});
export type PermissionRule = z.infer<typeof PermissionRule>;

/** A permission rule's key: an exact permission name, or a glob (core/glob.ts) that DuckDB can match. */
const PermissionKey = Name('permission name or glob').superRefine((key, ctx) => {
  const problem = globProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid glob: ${problem}` });
});

/** What a system's logs carry, for `lapse rightsize`: an action of a category the logs leave out is unobservable. */
export const LOG_CATEGORIES = ['management_write', 'management_read', 'data_write', 'data_read'] as const;

/** `lapse rightsize` inputs of a system (docs/rightsize.md). */
const Rightsize = z.strictObject({
  policies: z
    .strictObject({ path: inputPath("The policy export: JSON Lines of permission sets' and IAM roles' policy documents, as connectors/aws_cloudtrail/export-assignments.sh --policies writes.") })
    .optional()
    .describe('What each AWS permission set and IAM role grants (connector aws_cloudtrail).'),
  logged: z
    .array(z.enum(LOG_CATEGORIES))
    .min(1, 'list at least one category: writes to the control plane are logged by every system lapse reads')
    .default(['management_write'])
    .describe('Which event categories the logs carry: management_write, management_read (read-only calls: CloudTrail readOnly, GCP ADMIN_READ, Kubernetes get/list/watch, GitHub reads), data_write, data_read (AWS data events, GCP DATA_READ/DATA_WRITE). Actions of the others are never recommended away. Default: writes only.'),
});
export type RightsizeConfig = z.infer<typeof Rightsize>;

/** Keys every system has, whatever its connector. */
export const systemBaseShape = {
  connector: z.string().describe('Connector id, e.g. aws_cloudtrail, jsonl.'),
  description: Name('system description').optional().describe('What the system is, for people (e.g. "AWS production accounts"): shown beside its name in tickets.'),
  owner: Name('system owner').optional().describe('Who owns the system (a team, a person, an e-mail): the people to ask about its access.'),
  logs: z.array(LogSource).default([]).describe('Permission-use log sources.'),
  grants: GrantsSource.describe('Who holds what today: the system\'s grants snapshot.'),
  ttl_days: ttlDays('TTL for this system; overrides defaults.ttl_days.').optional(),
  max_source_lag_days: lagDays().optional().describe('Overrides defaults.max_source_lag_days.'),
  permissions: z
    .record(PermissionKey, PermissionRule)
    .default({})
    .describe('Per-permission rules, keyed by permission name or glob (`*`, `?`, `[..]`, e.g. `"*/BreakGlass*"`); the most specific match wins: an exact name, then a team-scoped rule, then the glob with the most literal characters, then the first listed.'),
  actions: z
    .boolean()
    .default(false)
    .describe(
      'Also keep what was done: a second daily summary (actions_daily/) of uses per principal, permission and action, the action named as the ' +
        "system's authorisation model names it (an IAM action, a GCP permission, a Kubernetes verb and resource, a GitHub repository role); " +
        'what `lapse rightsize` reads. Off: nothing more is read or written.',
    ),
  rightsize: Rightsize.optional().describe('Inputs of `lapse rightsize`: what the grants hold and what the logs carry.'),
};

const Defaults = z.strictObject({
  ttl_days: ttlDays('A grant unused for more than this many days is stale.').default(90),
  max_source_lag_days: lagDays()
    .default(2)
    .describe('A source whose newest event is older than this is silent: its system gets no findings.'),
});

const Guards = z.strictObject({
  max_revoke_fraction: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .describe('Hold a system\'s revocation list when it would revoke more than this share of its grants.'),
  max_revoke_count: count(10_000_000, 'more than any system holds; use max_revoke_fraction: 1 to lift the guard')
    .nonnegative()
    .default(500)
    .describe('…or more than this many grants.'),
  unobserved_permission: z
    .strictObject({
      min_holders: count(1_000_000, 'more holders than any permission has')
        .positive()
        .default(5)
        .describe('Hold a permission\'s never-used findings when at least this many hold it and none has used it in a window longer than its TTL.'),
    })
    .default({ min_holders: 5 })
    .describe('A permission nobody uses while its logs are healthy is more likely unlogged: its never-used findings are held.'),
});

const TeamMoves = z.strictObject({
  grace_days: count(3650, 'ten years').nonnegative().default(30).describe('A move is judged once it is this many days old.'),
  old_team_share: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('A grant held by more than this share of the old team\'s other members is typical of the old team.'),
  new_team_share: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .describe('…and unusual in the new team when at most this share of its other members hold it.'),
});

const Engine = z.strictObject({
  threads: count(1024, 'more threads than any machine has cores')
    .positive()
    .optional()
    .describe('DuckDB worker threads (default: all cores).'),
  memory_limit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size like 1GB or 512MiB')
    .optional()
    .describe('DuckDB memory limit; beyond it, work spills to a temp directory (default: 80% of RAM).'),
});

const ColdStart = z.strictObject({
  min_team_size: count(10_000, 'a prior that large drowns every team in the company-wide rate')
    .positive()
    .default(5)
    .describe('Weight of the company-wide rate in a team\'s smoothed share (a Bayesian prior): small teams lean on it.'),
  anomaly_threshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.9)
    .describe('A new, unused grant whose score (1 − smoothed share of the team holding it) reaches this is an anomaly.'),
});

const Lifecycle = z.strictObject({
  grace_days: count(365, 'more than a year of notice before a revocation is surely a typo')
    .nonnegative()
    .default(0)
    .describe('Notify first: a stale or never-used finding goes on a revocation list only once flagged this many days.'),
});

/** Server-side encryption for objects lapse writes to S3. */
export const Sse = z
  .strictObject({
    type: z.enum(['AES256', 'aws:kms']).describe('AES256: SSE-S3; aws:kms: SSE-KMS.'),
    kms_key_id: z.string().min(1).optional().describe('aws:kms only: the key id or ARN (default: the account\'s aws/s3 key).'),
  })
  .refine((s) => s.type === 'aws:kms' || s.kms_key_id === undefined, { path: ['kms_key_id'], message: 'only with type: aws:kms' });
export type Sse = z.infer<typeof Sse>;

/**
 * Where revocation lists go: one key that the revocation_list action (writes lists), `lapse restore`
 * (writes restore requests) and `lapse revoker` (reads both, writes acks) share. See lists/.
 */
const Revocations = z.strictObject({
  target: outputLocation('Where lists and restore requests go: a local directory or s3://bucket/prefix.'),
  min_confidence: z
    .enum(['high', 'medium', 'low'])
    .default('high')
    .describe('Lists carry findings of at least this confidence; the others wait for a person\'s revoke decision.'),
  sse: Sse.optional().describe('s3 target: server-side encryption of the lists (default: aws.sse, else the bucket default).'),
  notify: z
    .strictObject({
      sqs: z
        .record(z.string(), z.url({ protocol: /^https?$/ }))
        .default({})
        .describe("Revoker queue URL per system: after latest.json is written, a message there names the new manifest."),
    })
    .optional()
    .describe('Tell revoker workers a list is ready.'),
});
export type Revocations = z.infer<typeof Revocations>;

/** The action that writes revocation lists; its entry takes no keys of its own (they are under `revocations:`). */
const LIST_ACTION = 'revocation_list';
/** Keys a revocation_list action entry once held, now under `revocations:`. */
const MOVED_LIST_KEYS = ['target', 'sse', 'notify'] as const;

const Aws = z.strictObject({
  region: z.string().min(1).optional().describe('AWS region (default: the SDK chain: AWS_REGION, AWS_DEFAULT_REGION, the profile).'),
  endpoints: z
    .strictObject({
      s3: z.url().optional().describe('S3 endpoint override (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS).'),
      sqs: z.url().optional().describe('SQS endpoint override (default: AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, or the queue URL\'s host).'),
    })
    .default({})
    .describe('Endpoint overrides, e.g. a VPC endpoint or a local test server.'),
  force_path_style: z
    .boolean()
    .optional()
    .describe('Address buckets as endpoint/bucket/key (default: true with a custom S3 endpoint, else virtual-hosted).'),
  sse: Sse.optional().describe('Server-side encryption of everything written to an S3 lake (default: the bucket\'s default encryption).'),
  max_attempts: z.number().int().positive().max(20).default(5).describe('Attempts per AWS call, with the SDK\'s backoff (throttling, 5xx, network).'),
});
export type AwsConfig = z.infer<typeof Aws>;

/** Builds the config schema around the given system and action schemas. */
export function configSchema<S extends z.ZodType, A extends z.ZodType>(system: S, action: A) {
  return z.strictObject({
    store: outputLocation('The lake: a local directory or s3://bucket/prefix.').default('./lapse-data'),
    directory: z
      .strictObject({
        path: inputPath('People: a local CSV or JSONL file (id, email, team, manager, status, aliases?, start_date?, leave_until?).'),
        history: inputPath('A folder of YYYY-MM-DD.csv (or .jsonl) files, each the whole directory as of that day: loaded as past snapshots, so team moves before lapse was installed count.', 'directory').optional(),
        leave: inputPath('Leave periods: a CSV with person, from, to (days; an empty to is open-ended). TTL clocks pause; nothing is revoked while away.').optional(),
        on_call: z
          .array(inputPath('An on-call schedule: a CSV with person, from, to, or a PagerDuty or Opsgenie schedule export (JSON).'))
          .default([])
          .describe('On-call schedules: a permission with on_call: true is kept while its holder is in the rotation.'),
      })
      .describe('The directory: joins identities across systems; gives teams and managers.'),
    defaults: Defaults.default({ ttl_days: 90, max_source_lag_days: 2 }).describe('Applies to every system unless it overrides.'),
    systems: z.record(SystemName, system).describe('Access-controlled systems, keyed by a name you choose.'),
    protected_principals: z
      .array(Name('principal'))
      .default([])
      .describe('Principals, emails or person ids never flagged (break-glass and service accounts).'),
    mode: z.enum(['report', 'enforce']).default('report').describe('report: tickets only; enforce: revocation lists too.'),
    guards: Guards.default({ max_revoke_fraction: 0.2, max_revoke_count: 500, unobserved_permission: { min_holders: 5 } }).describe('Blast radius: per system, per run.'),
    cold_start: ColdStart.default({ min_team_size: 5, anomaly_threshold: 0.9 }).describe(
      'Grants too new to judge by TTL are scored against the team and the company.',
    ),
    lifecycle: Lifecycle.default({ grace_days: 0 }).describe('How findings move from notice to revocation.'),
    team_moves: TeamMoves.default({ grace_days: 30, old_team_share: 0.5, new_team_share: 0.2 }).describe(
      'A person who changed teams keeps grants typical of the old team and unusual in the new: the new manager decides.',
    ),
    actions: z.array(action).default([]).describe('What to do with findings; see the action types below.'),
    revocations: Revocations.optional().describe(
      'Revocation lists: where the revocation_list action writes them (required with that action), lapse restore writes restore requests and lapse revoker reads both.',
    ),
    site: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }).describe('The base URL the site is served from, e.g. https://lapse.corp.example/.'),
      })
      .optional()
      .describe('Where the expiring-access site (lapse report --site) is served: tickets and notices link to each person\'s page.'),
    engine: Engine.default({}).describe('Resources for the DuckDB engine (size the container to match).'),
    aws: Aws.default({ endpoints: {}, max_attempts: 5 }).describe('AWS access for s3:// and sqs:// locations; credentials come from the default chain.'),
  }).superRefine((c, ctx) => {
    for (const issue of apiSourceMismatches(c.systems as Record<string, SystemConfig>)) ctx.addIssue({ code: 'custom', ...issue });
  });
}

/** An okta: or github: source delivers that vendor's records, so only its connector can read them. */
function apiSourceMismatches(systems: Record<string, SystemConfig>): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  for (const [name, sys] of Object.entries(systems)) {
    const sources: [PropertyKey[], Record<string, unknown>][] = [
      ...sys.logs.map((l, i): [PropertyKey[], Record<string, unknown>] => [['logs', i], l]),
      [['grants'], sys.grants],
    ];
    for (const [at, source] of sources) {
      for (const [kind, connector] of Object.entries(API_CONNECTORS)) {
        if (source[kind] !== undefined && sys.connector !== connector) {
          issues.push({ path: ['systems', name, ...at, kind], message: `an ${kind} source feeds connector ${connector}, not ${sys.connector}` });
        }
      }
    }
  }
  return issues;
}

/** The config as stages see it: plugin keys are validated by the assembled schema, typed by each plugin. */
const GenericSystem = z.looseObject(systemBaseShape);
const GenericAction = z.looseObject({ type: z.string() });
const GenericConfig = configSchema(GenericSystem, GenericAction);
export type SystemConfig = z.infer<typeof GenericSystem>;
export type ActionConfig = z.infer<typeof GenericAction>;
export type Config = z.infer<typeof GenericConfig> & {
  /** Absolute directory of the config file: relative paths in the config are relative to it. */
  base_dir: string;
};

/** Resolves a path from the config against the config file's directory; URLs pass through. */
export function resolvePath(config: Pick<Config, 'base_dir'>, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || isAbsolute(path)) return path;
  return resolve(config.base_dir, path);
}

/** Reads, parses and validates a config file; every problem is reported with the path of its field. */
export async function loadConfig(file: string, schema: z.ZodType): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, file, schema);
}

export function parseConfig(text: string, file: string, schema: z.ZodType): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
  const moved = movedListKeys(raw);
  if (moved.length) throw new ConfigError(`${file}: invalid config\n${formatIssues(moved)}`);
  const result = schema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${file}: invalid config\n${formatIssues(result.error.issues)}`);
  const baseDir = dirname(resolve(file));
  // Relative paths are relative to the config file, so outputs are compared once its folder is known.
  const clashes = [...listTargetMissing(result.data), ...overlaps(locationsOf(schema, result.data), baseDir)];
  if (clashes.length) throw new ConfigError(`${file}: invalid config\n${formatIssues(clashes)}`);
  return { ...(result.data as Omit<Config, 'base_dir'>), base_dir: baseDir };
}

/**
 * A config written before `revocations:` existed keeps the list target in its revocation_list entry:
 * say where each key goes now, rather than only that the key is unknown.
 */
function movedListKeys(raw: unknown): { path: PropertyKey[]; message: string }[] {
  const actions = (raw as { actions?: unknown } | null)?.actions;
  if (!Array.isArray(actions)) return [];
  return actions.flatMap((a: unknown, i) => {
    if (typeof a !== 'object' || a === null || (a as { type?: unknown }).type !== LIST_ACTION) return [];
    return MOVED_LIST_KEYS.filter((k) => Object.hasOwn(a, k)).map((k) => ({
      path: ['actions', i, k],
      message: `moved to revocations.${k}: write it under the top-level "revocations:" key (revocations: { ${k}: … }) and leave the action as { type: ${LIST_ACTION} }`,
    }));
  });
}

/** A revocation_list action writes to `revocations.target`, so the config must name one. */
function listTargetMissing(data: unknown): { path: PropertyKey[]; message: string }[] {
  const c = data as { actions: { type: string }[]; revocations?: Revocations };
  const i = c.actions.findIndex((a) => a.type === LIST_ACTION);
  if (i < 0 || c.revocations) return [];
  return [{ path: ['revocations'], message: `required by actions[${i}] (${LIST_ACTION}): add revocations: { target: … }, where its lists go` }];
}

type Issue = { path: readonly PropertyKey[]; message: string; code?: string; issues?: readonly Issue[] };

/** One line per problem: `systems.aws.ttl_days: expected number, received string`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `  ${fieldName(i.path)}: ${messageOf(i)}`).join('\n');
}

/** A bad key of a map (a system or permission name) says what is wrong with it, not just "Invalid key". */
function messageOf(issue: Issue): string {
  if (issue.code !== 'invalid_key' || !issue.issues?.length) return issue.message;
  return `invalid name: ${issue.issues.map((i) => i.message).join('; ')}`;
}
