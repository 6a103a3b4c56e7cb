import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Db } from '../core/db.js';
import { silentLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import { buildConfigSchema } from '../cli/config.js';
import { parseConfig } from '../core/config.js';
import { rightsize } from '../rightsize/index.js';
import { loadWorld } from '../rightsize/testing.js';
import { rightsizeCompany } from './rightsize-company.js';

/**
 * `lapse rightsize` on a generated company (bench/rightsize-company.ts): N AWS permission sets with their
 * policies, a few holders each, and a year of their action uses (the window the judge reads), timed per
 * granularity. The relations are loaded first (untimed): the stage's own work is what is measured.
 *
 *   npm run bench -- rightsize [--roles 10000] [--holders 5]
 */
export async function benchRightsize(args: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => Number(args[args.indexOf(name) + 1] ?? NaN) || fallback;
  const roles = arg('--roles', 10_000);
  const holders = arg('--holders', 5);
  const dir = resolve('.bench', `rightsize-${roles}`);
  await mkdir(dir, { recursive: true });
  let t = performance.now();
  const company = await rightsizeCompany({ roles, holders, days: 365 });
  await writeFile(join(dir, 'policies.jsonl'), company.policies);
  const config = parseConfig(JSON.stringify({
    store: './lake', directory: { path: 'people.csv' },
    systems: { aws: { connector: 'aws_cloudtrail', grants: { path: 'grants.jsonl' }, rightsize: { policies: { path: 'policies.jsonl' }, logged: ['management_write', 'management_read'] } } },
  }), join(dir, 'lapse.json'), buildConfigSchema());
  const db = await Db.open();
  const ctx = { config, db, lake: new LocalLake(join(dir, 'lake')), log: silentLogger() };
  await loadWorld(db, company.grants, company.uses);
  const n = (x: number) => x.toLocaleString('en-US');
  process.stdout.write(`rightsize: ${n(roles)} permission sets, ${n(company.grants.length)} grants, ${n(company.uses.length)} (holder, action) uses over 365 days; generated and loaded in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  for (const granularity of ['service', 'action'] as const) {
    t = performance.now();
    const doc = await rightsize(ctx, {
      asOf: '2026-06-30', from: '2025-07-01', to: '2026-06-30', days: 365, granularity, systems: ['aws'],
      coverage: new Map([['aws', { first_day: '2025-07-01', last_day: '2026-06-30' }]]),
    });
    const seconds = (performance.now() - t) / 1000;
    const shrink = doc.units.filter((u) => u.status === 'shrink').length;
    process.stdout.write(`  --granularity ${granularity}: ${seconds.toFixed(1)} s, ${n(doc.units.length)} units, ${n(shrink)} to shrink, ${(JSON.stringify(doc).length / 1e6).toFixed(0)} MB of JSON\n`);
  }
  db.close();
}
