import { afterEach } from 'vitest';
import { loadAsOf } from '../aggregate/index.js';
import { addDays } from '../core/days.js';
import type { Finding, FindingsDocument } from '../core/model.js';
import { detect } from '../detect/index.js';
import { ingest } from '../ingest/index.js';
import { appSystem, config, jsonl, stageContext, tempDir, writeFiles } from './helpers.js';

/**
 * A small company for detect tests: five people in two teams, one `app` system whose logs have a
 * daily heartbeat (so the source is fresh), plus the uses and grants a test gives.
 */

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

export const AS_OF = '2026-06-30';
const START = '2026-01-01'; // logs cover 180 days

export interface Use {
  day: string;
  who: string;
  perm: string;
  ok?: boolean;
}

const PEOPLE = [
  'id,email,team,manager,status,aliases,start_date,leave_until',
  'boss,boss@corp.example,eng,,active,,,',
  'ann,ann@corp.example,eng,boss,active,,,',
  'ben,ben@corp.example,eng,boss,active,app:benny,,',
  'cat,cat@corp.example,eng,boss@corp.example,terminated,,,',
  'dan,dan@corp.example,ops,boss,active,,,',
].join('\n');

/** A small world: one `app` system with daily heartbeat uses so its source is fresh, plus `uses`. */
export async function world(opts: {
  uses: Use[]; grants: object[]; lastLogDay?: string; firstLogDay?: string; snapshotDay?: string; extra?: Record<string, unknown>;
  /** Extra directory rows (CSV lines after the header), and files beside the config (leave, schedules, history). */
  people?: string[]; files?: Record<string, string>; permissions?: Record<string, unknown>;
}) {
  const dir = await tempDir();
  const heartbeat: Use[] = [];
  for (let d = opts.firstLogDay ?? START; d <= (opts.lastLogDay ?? AS_OF); d = addDays(d, 1)) {
    heartbeat.push({ day: d, who: 'boss@corp.example', perm: 'heartbeat' });
  }
  const events = [...heartbeat, ...opts.uses].map((u) => ({
    ts: `${u.day}T12:00:00Z`, user: u.who, perm: u.perm, result: u.ok === false ? 'denied' : 'ok',
  }));
  await writeFiles(dir, {
    'people.csv': [PEOPLE, ...(opts.people ?? [])].join('\n'),
    ...opts.files,
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([{ principal: 'boss@corp.example', permission: 'heartbeat' }, ...opts.grants]),
  });
  const cfg = config(dir, {
    directory: { path: 'people.csv' },
    defaults: { ttl_days: 90, max_source_lag_days: 2 },
    systems: {
      app: appSystem({ permissions: { quarterly: { ttl_days: 120 }, breakglass: { emergency_only: true }, ...opts.permissions } }),
    },
    protected_principals: ['svc-backup'],
    guards: { max_revoke_fraction: 1, max_revoke_count: 500 },
    ...opts.extra,
  });
  const ctx = await stageContext(cfg);
  closers.push(() => ctx.close());
  await ingest(ctx, opts.snapshotDay ?? AS_OF);
  return ctx;
}


export async function run(ctx: Awaited<ReturnType<typeof world>>, asOf = AS_OF): Promise<FindingsDocument> {
  return (await detect(ctx, await loadAsOf(ctx, asOf))).load();
}

export const one = (doc: FindingsDocument, principal: string, permission: string): Finding | undefined =>
  doc.findings.find((f) => f.principal === principal && f.permission === permission);
