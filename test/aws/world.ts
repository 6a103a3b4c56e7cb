import { gzipSync } from 'node:zlib';
import { Db } from '../../core/db.js';
import type { Lake } from '../../core/store.js';
import { jsonl, writeFiles } from '../helpers.js';

/** A small company for the cloud tests: log objects (JSONL, some gzipped), grants and people. */

export const MAPPING = { time: 'ts', principal: 'user', permission: 'perm', outcome: { field: 'result', success: ['ok'] } };

const PEOPLE = ['ann', 'ben', 'cat', 'dan', 'eve'];

/** `n` log objects, each a few days of events; keys include a space and a plus, as real ones may. */
export function logObjects(n: number, prefix = 'logs/'): { key: string; body: Buffer }[] {
  return Array.from({ length: n }, (_, i) => {
    const events: object[] = [];
    for (let e = 0; e < 20; e++) {
      const day = new Date(Date.UTC(2026, 5, 1) + ((i * 3 + e) % 29) * 86_400_000).toISOString().slice(0, 10);
      const who = PEOPLE[(i + e) % PEOPLE.length]!;
      events.push({ ts: `${day}T${String(8 + (e % 10)).padStart(2, '0')}:00:00Z`, user: `${who}@corp.example`, perm: `db/${e % 3}`, result: e % 7 === 0 ? 'denied' : 'ok' });
    }
    const text = jsonl(events);
    const gz = i % 3 === 0;
    const key = `${prefix}2026/06/part ${i}+x.jsonl${gz ? '.gz' : ''}`;
    return { key, body: gz ? gzipSync(text) : Buffer.from(text) };
  });
}

/** Grants, people and a config (YAML) under `dir`; `logs` is the YAML of the system's log sources. */
export async function writeWorld(dir: string, opts: { store: string; logs: string; aws: string; actions?: string[]; revocations?: string; mode?: string }): Promise<void> {
  const grants = PEOPLE.flatMap((p) => [0, 1, 2, 3].map((k) => ({ principal: `${p}@corp.example`, permission: `db/${k}`, granted_at: '2025-01-01' })));
  await writeFiles(dir, {
    'grants.jsonl': jsonl(grants),
    'people.csv': `id,email,team,manager,status\n${PEOPLE.map((p) => `${p},${p}@corp.example,eng,ann,active`).join('\n')}\n`,
    'lapse.yaml': [
      `store: ${opts.store}`,
      'directory: { path: people.csv }',
      'defaults: { ttl_days: 7, max_source_lag_days: 2 }',
      'systems:',
      '  app:',
      '    connector: jsonl',
      `    logs: ${opts.logs}`,
      '    grants: { path: grants.jsonl }',
      `    mapping: ${JSON.stringify(MAPPING)}`,
      `aws: ${opts.aws}`,
      `mode: ${opts.mode ?? 'report'}`,
      // Five hold `admin` and nobody has used it: the test wants it revoked, not held as probably unlogged.
      'guards: { max_revoke_fraction: 1, max_revoke_count: 1000, unobserved_permission: { min_holders: 100 } }',
      ...(opts.actions ? ['actions:', ...opts.actions.map((a) => `  - ${a}`)] : []),
      ...(opts.revocations ? [`revocations: ${opts.revocations}`] : []),
      '',
    ].join('\n'),
  });
}

export interface LakeSummary {
  /** Visible daily summaries (source object in the ledger), one copy each. */
  usage: string[];
  /** Distinct object ids in the ledger. */
  objects: string[];
}

/**
 * What a lake says, as detect reads it: usage rows whose source object is in the ledger, duplicates
 * collapsed. Two lakes with equal summaries give the same findings and the same daily counts.
 */
export async function summarize(lake: Lake): Promise<LakeSummary> {
  const usage = (await lake.list('usage_daily/')).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  const ledger = (await lake.list('objects/')).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  if (ledger.length === 0) return { usage: [], objects: [] };
  const db = await Db.open({ threads: 1 });
  try {
    const objects = await db.all<{ object_id: string }>('SELECT DISTINCT object_id FROM read_parquet($f) ORDER BY 1', { f: await lake.localPaths(ledger) });
    const rows = usage.length
      ? await db.all<{ r: string }>(
          `SELECT DISTINCT concat_ws('|', u.system, u.day, u.principal, u.permission, u.source, u.uses, u.first_seen, u.last_seen) AS r
           FROM read_parquet($u, hive_partitioning = true) u SEMI JOIN read_parquet($o) o ON o.object_id = u.source ORDER BY 1`,
          { u: await lake.localPaths(usage), o: await lake.localPaths(ledger) },
        )
      : [];
    return { usage: rows.map((r) => r.r), objects: objects.map((o) => o.object_id) };
  } finally {
    db.close();
  }
}
