import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildConfigSchema } from '../cli/config.js';
import { parseConfig } from './config.js';
import { ConfigError } from './errors.js';

/** The config schema as `lapse` loads it: core's keys plus every connector's and action's. */
const BASE = '/srv/lapse';

function app(more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connector: 'jsonl',
    logs: [{ path: 'logs/' }],
    grants: { path: 'grants.jsonl' },
    mapping: { time: 'ts', principal: 'user', permission: 'perm' },
    ...more,
  };
}

function raw(more: Record<string, unknown> = {}): Record<string, unknown> {
  return { store: './lake', directory: { path: 'people.csv' }, systems: { app: app() }, ...more };
}

/** The message of the ConfigError the config raises, or '' when it is valid. */
function problems(config: Record<string, unknown>): string {
  try {
    parseConfig(JSON.stringify(config), join(BASE, 'lapse.json'), buildConfigSchema());
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

const preview = (dir: string) => ({ type: 'ticket_preview', dir });
/** The revocation_list action, writing to `target` (the top-level revocations key), after the other actions. */
const lists = (target: string, ...actions: Record<string, unknown>[]) => ({ actions: [...actions, { type: 'revocation_list' }], revocations: { target } });

describe('outputs that overlap are refused, naming both fields', () => {
  test.each([
    ['a list inside the ticket directory', raw(lists('./out/revocations', preview('./out'))), 'actions[0].dir', 'revocations.target'],
    ['a list and the tickets in one directory', raw(lists('./out/', preview('./out'))), 'actions[0].dir', 'revocations.target'],
    ['an absolute path and a relative one', raw(lists(`${BASE}/out`, preview('out/tickets'))), 'revocations.target', 'actions[0].dir'],
    ['the lake inside a list target', raw({ store: './out/lake', ...lists('./out') }), 'store', 'revocations.target'],
    ['the tickets inside the lake', raw({ actions: [preview('./lake/tickets')] }), 'store', 'actions[0].dir'],
    ['the lists and the lake on one S3 prefix', raw({ store: 's3://corp-lapse/lists', ...lists('s3://corp-lapse/lists/') }), 'store', 'revocations.target'],
    ['a list under the S3 lake', raw({ store: 's3://corp-lapse/lake', ...lists('s3://corp-lapse/lake/revocations') }), 'store', 'revocations.target'],
    ['a list at the root of the lake\'s bucket', raw({ store: 's3://corp-lapse/lake', ...lists('s3://corp-lapse') }), 'store', 'revocations.target'],
    ['a log directory inside the lake', raw({ systems: { app: app({ logs: [{ path: 'lake/exports/' }] }) } }), 'store', 'systems.app.logs[0].path'],
    ['a log glob under the tickets', raw({ systems: { app: app({ logs: [{ path: 'out/**/*.jsonl' }] }) }, actions: [preview('./out')] }), 'systems.app.logs[0].path', 'actions[0].dir'],
    ['a log directory holding the lists', raw({ systems: { app: app({ logs: [{ path: './' }] }) }, store: '/var/lake', ...lists('./revocations') }), 'systems.app.logs[0].path', 'revocations.target'],
    ['an S3 log prefix inside the lake', raw({ store: 's3://corp-lapse/lake', systems: { app: app({ logs: [{ s3: 's3://corp-lapse/lake/raw/' }] }) } }), 'store', 'systems.app.logs[0].s3'],
    ['the directory file inside the lake', raw({ directory: { path: 'lake/people.csv' } }), 'store', 'directory.path'],
    ['a grants file inside the tickets', raw({ systems: { app: app({ grants: { path: 'out/grants.jsonl' } }) }, actions: [preview('out')] }), 'systems.app.grants.path', 'actions[0].dir'],
  ])('%s', (_, config, first, second) => {
    const message = problems(config);
    expect(message).toContain(first);
    expect(message).toContain(second);
  });

  test.each([
    ['siblings under one directory', raw(lists('./out/revocations', preview('./out/tickets')))],
    ['a prefix that only shares a name start', raw({ store: 's3://corp-lapse/lake', ...lists('s3://corp-lapse/lake2') })],
    ['a directory that only shares a name start', raw({ store: './out', actions: [preview('./out2')] })],
    ['local and S3 with the same words', raw({ store: 's3://out/lake', actions: [preview('/out/lake')] })],
    ['inputs beside the outputs', raw(lists('./lapse-out/revocations', preview('./lapse-out/tickets')))],
  ])('%s is accepted', (_, config) => {
    expect(problems(config)).toBe('');
  });
});

describe('numbers are bounded to what makes sense and what the engine holds', () => {
  const big = 2_147_483_648;
  test.each([
    ['defaults.ttl_days', raw({ defaults: { ttl_days: big } }), /defaults\.ttl_days: .*3650.*typo/],
    ['systems.app.ttl_days', raw({ systems: { app: app({ ttl_days: 3651 }) } }), /systems\.app\.ttl_days: .*typo/],
    ['a permission ttl_days', raw({ systems: { app: app({ permissions: { db: { ttl_days: big } } }) } }), /systems\.app\.permissions\.db\.ttl_days: .*typo/],
    ['defaults.max_source_lag_days', raw({ defaults: { max_source_lag_days: big } }), /defaults\.max_source_lag_days: /],
    ['systems.app.max_source_lag_days', raw({ systems: { app: app({ max_source_lag_days: 366 }) } }), /systems\.app\.max_source_lag_days: /],
    ['lifecycle.grace_days', raw({ lifecycle: { grace_days: big } }), /lifecycle\.grace_days: /],
    ['guards.max_revoke_count', raw({ guards: { max_revoke_count: big } }), /guards\.max_revoke_count: /],
    ['cold_start.min_team_size', raw({ cold_start: { min_team_size: big } }), /cold_start\.min_team_size: /],
    ['engine.threads', raw({ engine: { threads: big } }), /engine\.threads: /],
    ['an sqs max_messages', raw({ systems: { app: app({ logs: [{ sqs: 'https://sqs.us-east-1.amazonaws.com/1/q', max_messages: 1e12 }] }) } }), /systems\.app\.logs\[0\]\.max_messages: /],
    ['an sqs max_seconds', raw({ systems: { app: app({ logs: [{ sqs: 'https://sqs.us-east-1.amazonaws.com/1/q', max_seconds: big }] }) } }), /systems\.app\.logs\[0\]\.max_seconds: /],
    ['jira retry.base_delay_ms', raw({ actions: [{ type: 'jira', url: 'https://corp.atlassian.net', project: 'SEC', retry: { base_delay_ms: 1e12 } }] }), /actions\[0\]\.retry\.base_delay_ms: /],
    ['jira retry.max_delay_secs', raw({ actions: [{ type: 'jira', url: 'https://corp.atlassian.net', project: 'SEC', retry: { max_delay_secs: 1e12 } }] }), /actions\[0\]\.retry\.max_delay_secs: /],
  ])('%s too large is refused, naming the field', (_, config, expected) => {
    expect(problems(config)).toMatch(expected);
  });

  test('a number that is not a whole number of days is refused', () => {
    expect(problems(raw({ defaults: { ttl_days: 1.5 } }))).toMatch(/defaults\.ttl_days: /);
  });

  test('the largest sensible values are accepted', () => {
    expect(problems(raw({ defaults: { ttl_days: 3650, max_source_lag_days: 365 }, lifecycle: { grace_days: 365 } }))).toBe('');
  });
});

describe('names are bounded: they become lake folders, partition values and file names', () => {
  test.each([
    ['a 300-character system name', raw({ systems: { ['a'.repeat(300)]: app() } }), /systems\.a{300}: .*64 characters/],
    ['a system name with a slash', raw({ systems: { 'a/b': app() } }), /systems\.a\/b: .*lower-case/],
    ['a 5,000-character permission key', raw({ systems: { app: app({ permissions: { ['p'.repeat(5000)]: { ttl_days: 30 } } }) } }), /systems\.app\.permissions\.p+: .*1024 characters/],
    ['a 5,000-character protected principal', raw({ protected_principals: ['x'.repeat(5000)] }), /protected_principals\[0\]: .*1024 characters/],
    ['a protected principal with a line break', raw({ protected_principals: ['ann@corp.example\nben'] }), /protected_principals\[0\]: .*control characters/],
    ['a blank protected principal', raw({ protected_principals: ['  '] }), /protected_principals\[0\]: /],
  ])('%s is refused', (_, config, expected) => {
    expect(problems(config)).toMatch(expected);
  });

  test('a 64-character system name is accepted', () => {
    expect(problems(raw({ systems: { ['a'.repeat(64)]: app() } }))).toBe('');
  });
});

describe('paths and URIs are checked where they are configured', () => {
  test.each([
    ['an empty store', raw({ store: '' }), /store: .*empty/],
    ['a blank store', raw({ store: '   ' }), /store: .*empty/],
    ['an http store', raw({ store: 'http://x/y' }), /store: .*http:\/\/.*s3:\/\/bucket/],
    ['a file: URL store', raw({ store: 'file:///var/lake' }), /store: .*file:\/\//],
    ['a malformed s3 store', raw({ store: 's3://' }), /store: .*s3:\/\/bucket/],
    ['an empty log path', raw({ systems: { app: app({ logs: [{ path: '' }] }) } }), /systems\.app\.logs\[0\]\.path: .*empty/],
    ['an S3 URI as a log path', raw({ systems: { app: app({ logs: [{ path: 's3://corp/logs/' }] }) } }), /systems\.app\.logs\[0\]\.path: .*s3:/],
    ['an http log path', raw({ systems: { app: app({ logs: [{ path: 'https://corp/logs' }] }) } }), /systems\.app\.logs\[0\]\.path: .*https:\/\//],
    ['an empty grants path', raw({ systems: { app: app({ grants: { path: '' } }) } }), /systems\.app\.grants\.path: .*empty/],
    ['an http grants path', raw({ systems: { app: app({ grants: { path: 'http://corp/grants.csv' } }) } }), /systems\.app\.grants\.path: .*http:\/\//],
    ['an empty directory path', raw({ directory: { path: ' ' } }), /directory\.path: .*empty/],
    ['an S3 directory path', raw({ directory: { path: 's3://corp/people.csv' } }), /directory\.path: .*local/],
    ['an empty list target', raw(lists('')), /revocations\.target: .*empty/],
    ['an http list target', raw(lists('http://x/y')), /revocations\.target: .*http:\/\//],
    ['an empty ticket directory', raw({ actions: [preview('')] }), /actions\[0\]\.dir: .*empty/],
    ['an S3 ticket directory', raw({ actions: [preview('s3://corp/tickets')] }), /actions\[0\]\.dir: .*local/],
    ['a path with a NUL byte', raw({ directory: { path: 'people\u0000.csv' } }), /directory\.path: .*control characters/],
  ])('%s is refused, naming the field', (_, config, expected) => {
    expect(problems(config)).toMatch(expected);
  });
});
