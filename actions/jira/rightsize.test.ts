import { afterEach, expect, test } from 'vitest';
import type { RightsizeTicket } from '../_shared/define.js';
import { adfErrors } from './testing/adf-schema.js';
import { closeHarness, ENV, harness, type Harness } from './testing/fixtures.js';
import { applyRightsize, planRightsize, rightsizeFingerprint } from './rightsize.js';

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});

const ticket = (owner: string, text: string): RightsizeTicket => ({
  system: 'aws', owner, summary: `Right-size 1 AWS unit owned by ${owner}`, units: ['123456789012/Developer'],
  paragraphs: [text, '`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`'],
});

async function run(tickets: RightsizeTicket[]): Promise<string[]> {
  const plan = planRightsize(tickets, h!.options);
  return (await applyRightsize(h!.ctx, plan, h!.options, { env: ENV })).lines;
}

test('one ticket per unit owner, deduped by its fingerprint label: opened once, then left alone or updated', async () => {
  h = await harness();
  const first = await run([ticket('platform@corp.example', 'remove iam'), ticket('data@corp.example', 'remove kms')]);
  expect(first[0]).toBe('2 tickets in SEC (rightsize): 2 opened, 0 updated, 0 unchanged');
  expect(h.stub.issues).toHaveLength(2);
  const issue = h.stub.issues.find((i) => i.fields['labels'] && (i.fields['labels'] as string[]).includes(rightsizeFingerprint('aws', 'platform@corp.example')))!;
  expect(issue.fields['labels']).toEqual(expect.arrayContaining(['lapse-rightsize', 'access-review']));
  expect(adfErrors(issue.fields['description'])).toEqual([]);
  h.stub.indexAll();
  expect((await run([ticket('platform@corp.example', 'remove iam'), ticket('data@corp.example', 'remove kms')]))[0]).toBe('2 tickets in SEC (rightsize): 0 opened, 0 updated, 2 unchanged');
  const changed = await run([ticket('platform@corp.example', 'remove iam and lambda'), ticket('data@corp.example', 'remove kms')]);
  expect(changed[0]).toBe('2 tickets in SEC (rightsize): 0 opened, 1 updated, 1 unchanged');
  expect(h.stub.issues).toHaveLength(2);
  const labels = issue.fields['labels'] as string[];
  expect(labels.filter((l) => l.startsWith('lapse-rs-'))).toHaveLength(1);
});
