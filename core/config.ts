import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * The base of the config schema: what every run needs, whatever plugins are registered.
 * Connectors and actions add their own keys; the full strict schema is assembled in `cli/`, where the
 * plugin lists are, so adding a plugin never touches this file.
 */

const days = (what: string) => z.number().int().positive().describe(what);

export const SystemName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _ (it names lake folders)');

export const LogSource = z
  .strictObject({ path: z.string().min(1).describe('A file, a directory (read recursively) or a glob; .gz is read transparently.') })
  .describe('Where a system\'s logs come from.');
export type LogSource = z.infer<typeof LogSource>;

export const GrantsSource = z.strictObject({
  path: z.string().min(1).describe('The grants snapshot: JSONL or CSV with principal, permission, granted_at?, via?.'),
  format: z
    .enum(['jsonl', 'csv', 'native'])
    .optional()
    .describe("Default: from the file extension. native: the system's own export, read by its connector."),
});
export type GrantsSource = z.infer<typeof GrantsSource>;

export const PermissionRule = z.strictObject({
  ttl_days: days('TTL for this permission (e.g. a quarterly task: 120).').optional(),
  emergency_only: z
    .boolean()
    .default(false)
    .describe('Break-glass: rarely used by design, never flagged or revoked.'),
  periodic: z
    .boolean()
    .default(false)
    .describe('Used on a rhythm (e.g. each quarter close): give it a ttl_days longer than the period; findings say so.'),
  description: z.string().optional().describe('Why the rule exists, shown by lapse explain.'),
});
export type PermissionRule = z.infer<typeof PermissionRule>;

/** Keys every system has, whatever its connector. */
export const systemBaseShape = {
  connector: z.string().describe('Connector id, e.g. aws_cloudtrail, jsonl.'),
  logs: z.array(LogSource).default([]).describe('Permission-use log sources.'),
  grants: GrantsSource.describe('Who holds what today: the system\'s grants snapshot.'),
  ttl_days: days('TTL for this system; overrides defaults.ttl_days.').optional(),
  max_source_lag_days: z.number().int().nonnegative().optional().describe('Overrides defaults.max_source_lag_days.'),
  permissions: z.record(z.string(), PermissionRule).default({}).describe('Per-permission rules, keyed by permission name.'),
};

const Defaults = z.strictObject({
  ttl_days: days('A grant unused for more than this many days is stale.').default(90),
  max_source_lag_days: z
    .number()
    .int()
    .nonnegative()
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
  max_revoke_count: z.number().int().nonnegative().default(500).describe('…or more than this many grants.'),
});

const Engine = z.strictObject({
  threads: z.number().int().positive().optional().describe('DuckDB worker threads (default: all cores).'),
  memory_limit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size like 1GB or 512MiB')
    .optional()
    .describe('DuckDB memory limit; beyond it, work spills to a temp directory (default: 80% of RAM).'),
});

const ColdStart = z.strictObject({
  min_team_size: z
    .number()
    .int()
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
  grace_days: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('Notify first: a stale or never-used finding goes on a revocation list only once flagged this many days.'),
});

/** Builds the config schema around the given system and action schemas. */
export function configSchema<S extends z.ZodType, A extends z.ZodType>(system: S, action: A) {
  return z.strictObject({
    store: z.string().default('./lapse-data').describe('The lake: a local directory or s3://bucket/prefix.'),
    directory: z
      .strictObject({ path: z.string().min(1).describe('People: CSV or JSONL (id, email, team, manager, status, aliases?, start_date?).') })
      .describe('The directory: joins identities across systems; gives teams and managers.'),
    defaults: Defaults.default({ ttl_days: 90, max_source_lag_days: 2 }).describe('Applies to every system unless it overrides.'),
    systems: z.record(SystemName, system).describe('Access-controlled systems, keyed by a name you choose.'),
    protected_principals: z
      .array(z.string().min(1))
      .default([])
      .describe('Principals, emails or person ids never flagged (break-glass and service accounts).'),
    mode: z.enum(['report', 'enforce']).default('report').describe('report: tickets only; enforce: revocation lists too.'),
    guards: Guards.default({ max_revoke_fraction: 0.2, max_revoke_count: 500 }).describe('Blast radius: per system, per run.'),
    cold_start: ColdStart.default({ min_team_size: 5, anomaly_threshold: 0.9 }).describe(
      'Grants too new to judge by TTL are scored against the team and the company.',
    ),
    lifecycle: Lifecycle.default({ grace_days: 0 }).describe('How findings move from notice to revocation.'),
    actions: z.array(action).default([]).describe('What to do with findings; see the action types below.'),
    engine: Engine.default({}).describe('Resources for the DuckDB engine (size the container to match).'),
  });
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
  const result = schema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${file}: invalid config\n${formatIssues(result.error.issues)}`);
  return { ...(result.data as Omit<Config, 'base_dir'>), base_dir: dirname(resolve(file)) };
}

/** One line per problem: `systems.aws.ttl_days: expected number, received string`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => `  ${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`)
    .join('\n');
}
