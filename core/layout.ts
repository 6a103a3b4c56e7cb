import type { Day } from './days.js';

/**
 * Where each dataset lives in the lake. Hive-style `key=value` folders, so Athena, Trino or DuckDB
 * read the same files with the same SQL.
 */
export const layout = {
  /** Daily usage summaries: one row per (day, system, principal, permission, source object). */
  usage: 'usage_daily/',
  usageShard: (system: string, day: Day, shard: string) =>
    `usage_daily/system=${system}/day=${day}/${shard}.parquet`,
  /**
   * Daily action summaries (a system with `actions: true`): one row per (day, system, principal, permission,
   * action, source object); visible, like usage, once its object is in the ledger.
   */
  actions: 'actions_daily/',
  /** The ledger of ingested source objects; a summary row is visible only once its object is here. */
  objects: 'objects/',
  objectsBatch: (system: string, batch: string) => `objects/system=${system}/${batch}.parquet`,
  quarantine: 'quarantine/',
  quarantineBatch: (system: string, batch: string) => `quarantine/system=${system}/${batch}.jsonl`,
  grants: 'grants/',
  grantsSnapshot: (system: string, day: Day) => `grants/system=${system}/day=${day}/grants.parquet`,
  directory: 'directory/',
  directorySnapshot: (day: Day) => `directory/day=${day}/people.parquet`,
  grantsQuarantine: (system: string, day: Day) => `quarantine/system=${system}/grants-${day}.jsonl`,
  directoryQuarantine: (day: Day) => `quarantine/directory/people-${day}.jsonl`,
  /** Last use per (system, principal, permission), folded batch by batch so detect never rescans history. */
  rollup: 'rollup/last_use.parquet',
  rollupState: 'rollup/state.json',
  findings: 'findings/',
  findingsOf: (asOf: Day) => `findings/as_of=${asOf}/findings.parquet`,
  runs: 'runs/',
  runOf: (asOf: Day) => `runs/as_of=${asOf}/run.json`,
  /** What an API source fetched, as the vendor sent it, by day; its checkpoints and grants reads beside it. */
  raw: (system: string, source: string) => `raw/system=${system}/source=${source}/`,
  rawPage: (system: string, source: string, day: Day, hex: string) => `raw/system=${system}/source=${source}/day=${day}/${hex}.jsonl.gz`,
  rawGrants: (system: string, source: string, day: Day) => `raw/system=${system}/source=${source}/grants/day=${day}/grants.jsonl.gz`,
  rawCheckpoints: (system: string, source: string) => `raw/system=${system}/source=${source}/checkpoints/`,
} as const;

/** Reads `name=value` out of a Hive-style key: `partition('usage_daily/system=aws/…', 'system')`. */
export function partition(key: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|/)${name}=([^/]+)`).exec(key);
  return m?.[1];
}
