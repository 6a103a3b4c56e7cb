import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expandIamActions } from '@cloud-copilot/iam-expand';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { config, stageContext, tempDir } from '../test/helpers.js';
import { rightsizeCompany, type RightsizeCompany } from '../bench/rightsize-company.js';
import { awsCategory, observable, type LogCategory } from './observe.js';
import { rightsize } from './rightsize.js';
import { loadWorld } from './testing.js';
import type { RightsizeDocument } from './model.js';

/** §3: a generated company where each role's true used set is known, judged with each kind of log. */

const ALL: LogCategory[] = ['management_write', 'management_read', 'data_write', 'data_read'];
let company: RightsizeCompany;
let ctx: Awaited<ReturnType<typeof stageContext>>;
let dir: string;

beforeAll(async () => {
  company = await rightsizeCompany({ roles: 60, holders: 4 });
  dir = await tempDir();
  await writeFile(join(dir, 'policies.jsonl'), company.policies);
});
afterAll(() => ctx?.close());

async function judge(logged: LogCategory[]): Promise<RightsizeDocument> {
  ctx?.close();
  const cfg = config(dir, { store: './lake', directory: { path: 'p.csv' }, systems: { aws: { connector: 'aws_cloudtrail', grants: { path: 'g.jsonl' }, rightsize: { policies: { path: 'policies.jsonl' }, logged } } } });
  ctx = await stageContext(cfg);
  await loadWorld(ctx.db, company.grants, company.uses);
  return rightsize(ctx, { asOf: '2026-06-30', from: '2026-04-02', to: '2026-06-30', days: 90, granularity: 'action', systems: ['aws'], coverage: new Map([['aws', { first_day: '2025-06-30', last_day: '2026-06-30' }]]) });
}

/** Every action the recommended document allows, lower case (its patterns expanded by iam-expand). */
async function allowed(doc: RightsizeDocument['units'][number]['recommendation']): Promise<Set<string>> {
  const policy = loadPolicy(doc!.policy!);
  const patterns = policy.statements().flatMap((s) => (s.isAllow() && s.isActionStatement() ? s.actions().map((a) => a.value()) : []));
  return new Set((await expandIamActions(patterns, { expandAsterisk: true })).map((a) => a.toLowerCase()));
}

async function granted(unit: string): Promise<Set<string>> {
  const line = company.policies.split('\n').find((l) => l.includes(`"PermissionSetName":"${unit.split('/')[1]}"`))!;
  const patterns = (JSON.parse(line) as { InlinePolicy: { Statement: { Action: string | string[] }[] } }).InlinePolicy.Statement.flatMap((s) => [s.Action].flat());
  return new Set((await expandIamActions(patterns)).map((a) => a.toLowerCase()));
}

describe.each([
  ['every category logged', ALL],
  ['writes only (the default)', ['management_write'] as LogCategory[]],
])('a generated company, %s', (_, logged) => {
  test('each recommendation keeps every used action and drops every unused observable one', async () => {
    const doc = await judge(logged);
    expect(doc.units).toHaveLength(company.used.size);
    let dropped = 0;
    for (const u of doc.units) {
      const used = new Set([...company.used.get(u.unit)!].map((a) => a.toLowerCase()));
      const grant = await granted(u.unit);
      const kept = u.recommendation ? await allowed(u.recommendation) : grant;
      for (const a of used) expect(kept.has(a), `${u.unit} keeps ${a}`).toBe(true);
      for (const a of grant) {
        if (used.has(a)) continue;
        const seen = observable(await awsCategory(a), logged);
        expect(kept.has(a), `${u.unit}: ${a} is ${seen ? 'observable and unused: dropped' : 'unobservable: kept'}`).toBe(!seen);
        if (seen) dropped++;
      }
      for (const a of kept) expect(grant.has(a), `${u.unit} grants nothing new: ${a}`).toBe(true);
    }
    expect(dropped).toBeGreaterThan(0);
  });
});
