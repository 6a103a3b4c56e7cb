import { expect, test } from 'vitest';
import { rightsizePage, type RightsizeView } from './rightsize.js';

const unit = (over: Partial<RightsizeView['units'][number]>): RightsizeView['units'][number] => ({
  system: 'aws', unit: '123456789012/Developer', role: null, label: 'corp-prod/Developer', status: 'shrink', reason: 'grants 900 actions',
  holders: 8, users: 2, granted: { actions: 900 }, used: [{}, {}], unused: { count: 2, items: ['iam', 'kms'] },
  unobservable: { count: 40, services: ['s3'] }, recommendation: { text: 'remove 2 unused services: iam, kms' }, pruning: { text: 'used by 2 of 8 holders in 90 days: a, b' },
  ...over,
});

test('the right-sizing page: a section per system, each unit with its recommendation, what is kept unseen, and who to prune', () => {
  const view: RightsizeView = {
    as_of: '2026-06-30', window: { from: '2026-04-02', to: '2026-06-30', days: 90 }, granularity: 'service',
    systems: [{ system: 'aws', connector: 'aws_cloudtrail', logged: ['management_write'], actions_from: '2026-03-01', note: null },
      { system: 'github', connector: 'github_audit', logged: ['management_write'], actions_from: null, note: 'no action-level summaries <yet>' }],
    units: [unit({}), unit({ system: 'github', unit: 'repo/corp/api', label: null, status: 'too_new', recommendation: null, pruning: null, unobservable: { count: 0, services: [] } })],
    github_holders: [{ system: 'github', text: 'ann: admin on 14 repositories, used write at most: grant write', grant: 'write', granted: 'admin' }],
  };
  const page = rightsizePage(view);
  expect(page).toContain('<section id="rs-aws"');
  expect(page).toContain('remove 2 unused services: iam, kms');
  expect(page).toContain('40 in s3');
  expect(page).toContain('used by 2 of 8 holders in 90 days: a, b');
  expect(page).toContain('ann: admin on 14 repositories, used write at most: grant write');
  expect(page).toContain('no action-level summaries &lt;yet&gt;');
  expect(page).not.toContain('<yet>');
});
