import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlFile } from '../../core/db.js';
import { writeFiles } from '../../test/helpers.js';
import { connectorKit, reasons } from '../_shared/testkit.js';
import { oktaSystemLog } from './connector.js';

/** Real vendor events collected for parser tests (not in the repo: licences); absent in CI. */
const SAMPLES = '/work/shared/samples/okta-system-log';
const GRANTS_SQL = sqlFile(new URL('../../ingest/', import.meta.url).href, 'grants.sql');

const kit = connectorKit(oktaSystemLog, 'okta');
const { parse } = kit;

describe.skipIf(!existsSync(SAMPLES))(`real samples in ${SAMPLES} (skipped when the directory is absent)`, () => {
  // Every file is JSON Lines: one record per line, each accounted for as a use or a counted drop.
  test.each([
    ['cribl-okta-rest-I4942I.ndjson', { not_a_use: 100 }],
    ['elastic-okta-test-no-flattened-events.excerpt.log', { not_a_use: 2, use: 2 }],
    ['panther-okta-systemlog-tests.jsonl', { not_a_use: 58, missing_time: 12, bad_time: 3 }],
    ['panther-test-scenarios-okta.jsonl', { not_a_use: 20 }],
  ])('%s', async (name, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file]);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    expect(rows.map((r) => r.record)).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
    for (const r of rows) expect(r.quarantine).toBe(['missing_time', 'bad_time'].includes(r.drop_reason ?? ''));
  });

  test('the complete SSO events are uses of the AppInstance, by the lower-cased login', async () => {
    const rows = await parse([join(SAMPLES, 'elastic-okta-test-no-flattened-events.excerpt.log')]);
    const uses = rows.filter((r) => r.drop_reason === null);
    expect(uses.map((r) => [r.record, r.time, r.principal, r.permission, r.resource])).toEqual([
      [3, '2023-05-23T19:39:49.513Z', 'test.user@test.com', 'app/0o123456abcdef1t7', 'An App Server'],
      [4, '2023-05-23T19:39:49.513Z', 'test.user@test.com', 'app/0o123456abcdef1t7', 'An App Server'],
    ]);
    expect(uses[0]!.event_id).toBe('2D6FC3CC-3BFB-4AC1-8259-016CF6A5976C');
  });

  test('trimmed Panther SSO events without a time are quarantined, not counted as uses', async () => {
    const rows = await parse([join(SAMPLES, 'panther-okta-systemlog-tests.jsonl')]);
    // Lines 44, 45 and 69 are user.authentication.sso events with no `published`.
    expect([44, 45, 69].map((n) => rows[n - 1]!.drop_reason)).toEqual(['missing_time', 'missing_time', 'missing_time']);
    // `redacted` timestamps.
    expect([37, 38, 39].map((n) => rows[n - 1]!.drop_reason)).toEqual(['bad_time', 'bad_time', 'bad_time']);
  });

  test('with more event types, the real denials and system actors are told apart', async () => {
    const options = { use_event_types: ['user.authentication.sso', 'policy.evaluate_sign_on', 'application.lifecycle.update'] };
    const rows = await parse([join(SAMPLES, 'cribl-okta-rest-I4942I.ndjson')], options);
    // Line 79: jdoe@acme.com's sign-on policy evaluation ended in CHALLENGE; the app updates are by
    // freetrialorgcreator@okta.com (lines 2, 3) or the Okta system principal.
    expect(rows[78]!.drop_reason).toBe('denied');
    expect(rows.filter((r) => r.drop_reason === null).map((r) => [r.record, r.principal, r.action])).toEqual([
      [2, 'freetrialorgcreator@okta.com', 'application.lifecycle.update'],
      [3, 'freetrialorgcreator@okta.com', 'application.lifecycle.update'],
    ]);
    expect(reasons(rows)['service_principal']).toBe(15);
  });
});

describe('JSON shapes', () => {
  const sso = (n: number) => ({
    actor: { id: `00u${n}EXAMPLE`, type: 'User', alternateId: `user${n}@corp.example` },
    eventType: 'user.authentication.sso',
    outcome: { result: 'SUCCESS' },
    published: `2026-04-0${n}T10:00:00.000Z`,
    target: [{ id: '0oa9wikiEXAMPLE697', type: 'AppInstance', displayName: 'Wiki' }],
    uuid: `uuid-${n}`,
  });

  test('a pretty-printed page inside .gz is one document, its events numbered by sub', async () => {
    await writeFiles(kit.dir, { 'page.json.gz': JSON.stringify([sso(1), sso(2)], null, 2) });
    const rows = await parse([join(kit.dir, 'page.json.gz')]);
    expect(rows.map((r) => [r.record, r.sub, r.principal, r.permission])).toEqual([
      [1, 1, 'user1@corp.example', 'app/0oa9wikiEXAMPLE697'],
      [1, 2, 'user2@corp.example', 'app/0oa9wikiEXAMPLE697'],
    ]);
  });

  test('a first line longer than the peek is read as a document', async () => {
    const big = { ...sso(3), debugContext: { debugData: { padding: 'x'.repeat(1_100_000) } } };
    await writeFiles(kit.dir, { 'big.json': JSON.stringify([big, sso(4)]) });
    const rows = await parse([join(kit.dir, 'big.json')]);
    expect(rows.map((r) => [r.record, r.sub, r.principal])).toEqual([
      [1, 1, 'user3@corp.example'],
      [1, 2, 'user4@corp.example'],
    ]);
  });

  test('a byte-order mark (Windows tools) does not cost the first record', async () => {
    await writeFiles(kit.dir, {
      'bom.jsonl': `\uFEFF${JSON.stringify(sso(7))}\n${JSON.stringify(sso(8))}\n`,
      'bom-page.json': `\uFEFF${JSON.stringify([sso(9)], null, 2)}\n`,
    });
    const rows = await parse([join(kit.dir, 'bom-page.json'), join(kit.dir, 'bom.jsonl')]);
    expect(rows.map((r) => [r.record, r.sub, r.principal])).toEqual([
      [1, 1, 'user9@corp.example'],
      [1, null, 'user7@corp.example'],
      [2, null, 'user8@corp.example'],
    ]);
  });

  test('several files keep their own record numbers', async () => {
    await writeFiles(kit.dir, {
      'a.ndjson': `${JSON.stringify(sso(5))}\nnot json\n`,
      'b.json': `${JSON.stringify([sso(6)])}\n`,
    });
    const rows = await parse([join(kit.dir, 'a.ndjson'), join(kit.dir, 'b.json')]);
    expect(rows.map((r) => [r.file.split('/').pop(), r.record, r.sub, r.drop_reason, r.raw])).toEqual([
      ['a.ndjson', 1, null, null, JSON.stringify(sso(5))],
      ['a.ndjson', 2, null, 'malformed_json', 'not json'],
      ['b.json', 1, 1, null, JSON.stringify(sso(6))],
    ]);
  });
});

describe('native grants reader', () => {
  const appUser = (over: Record<string, unknown>) => ({
    id: '00u1aliceEXAMPLE697',
    externalId: null,
    created: '2025-11-03T17:20:11.000Z',
    lastUpdated: '2025-11-03T17:20:11.000Z',
    scope: 'USER',
    status: 'ACTIVE',
    syncState: 'DISABLED',
    credentials: { userName: 'alice.smith@corp.example' },
    profile: {},
    _links: {
      app: { href: 'https://corp-example.okta.com/api/v1/apps/0oa1awsssoEXAMPLE697' },
      user: { href: 'https://corp-example.okta.com/api/v1/users/00u1aliceEXAMPLE697' },
    },
    _embedded: { user: { id: '00u1aliceEXAMPLE697', status: 'ACTIVE', profile: { login: 'Alice.Smith@corp.example' } } },
    ...over,
  });

  async function grants(text: string, name = 'grants.jsonl') {
    await writeFiles(kit.dir, { [name]: text });
    const query = await oktaSystemLog.grants!.query({ system: 'okta', options: oktaSystemLog.options.parse({}), files: [join(kit.dir, name)], db: kit.db });
    try {
      await kit.db.run(`CREATE OR REPLACE TEMP TABLE lapse_grants_raw AS ${query.sql}`, query.params);
    } finally {
      await query.cleanup?.();
    }
    return kit.db.all(`SELECT ord, bad, principal, permission, granted_at::VARCHAR AS granted_at, via FROM (${GRANTS_SQL}) ORDER BY ord`);
  }

  test('API objects (expand=user), API pages and the simple form give the log side\'s names', async () => {
    const page = [
      appUser({ id: '00u2bobEXAMPLE697', scope: 'GROUP', _embedded: { user: { profile: { login: 'bob' } } },
        _links: { app: { href: 'https://corp-example.okta.com/api/v1/apps/0oa2slackEXAMPLE697' },
          group: { name: 'Engineering', href: 'https://corp-example.okta.com/api/v1/groups/00g1engEXAMPLE697' } } }),
      appUser({ scope: 'GROUP', created: '2026-01-20T08:00:00.000Z',
        _links: { app: { href: 'https://corp-example.okta.com/api/v1/apps/0oa2slackEXAMPLE697' },
          group: { href: 'https://corp-example.okta.com/api/v1/groups/00g2allEXAMPLE697' } } }),
    ];
    const rows = await grants(
      [
        JSON.stringify(appUser({})),
        JSON.stringify(page),
        JSON.stringify({ appId: '0oa3jiraEXAMPLE697', login: 'Carol.Jones@corp.example', created: '2026-02-01', scope: 'USER' }),
        JSON.stringify({ appId: '0oa3jiraEXAMPLE697', login: 'dave.lee@corp.example', scope: 'GROUP', group: 'Contractors' }),
        JSON.stringify(appUser({ _embedded: undefined })),
        JSON.stringify(appUser({ _links: {} })),
        JSON.stringify(appUser({ created: 'yesterday' })),
        '{"appId": "0oa3jiraEXAMPLE697", "login": ',
        '[]',
      ].join('\n'),
    );
    expect(rows).toEqual([
      { ord: 1, bad: null, principal: 'alice.smith@corp.example', permission: 'app/0oa1awsssoEXAMPLE697', granted_at: '2025-11-03', via: 'direct' },
      { ord: 2, bad: null, principal: 'bob', permission: 'app/0oa2slackEXAMPLE697', granted_at: '2025-11-03', via: 'group:Engineering' },
      { ord: 2, bad: null, principal: 'alice.smith@corp.example', permission: 'app/0oa2slackEXAMPLE697', granted_at: '2026-01-20', via: 'group:00g2allEXAMPLE697' },
      { ord: 3, bad: null, principal: 'carol.jones@corp.example', permission: 'app/0oa3jiraEXAMPLE697', granted_at: '2026-02-01', via: 'direct' },
      { ord: 4, bad: null, principal: 'dave.lee@corp.example', permission: 'app/0oa3jiraEXAMPLE697', granted_at: null, via: 'group:Contractors' },
      { ord: 5, bad: 'missing_principal', principal: null, permission: 'app/0oa1awsssoEXAMPLE697', granted_at: '2025-11-03', via: 'direct' },
      { ord: 6, bad: 'missing_permission', principal: 'alice.smith@corp.example', permission: null, granted_at: '2025-11-03', via: 'direct' },
      { ord: 7, bad: 'bad_granted_at', principal: 'alice.smith@corp.example', permission: 'app/0oa1awsssoEXAMPLE697', granted_at: null, via: 'direct' },
      { ord: 8, bad: 'malformed_json', principal: null, permission: null, granted_at: null, via: null },
    ]);
  });

  test('a pretty-printed API page is read whole', async () => {
    const rows = await grants(JSON.stringify([appUser({})], null, 2), 'page.json');
    expect(rows).toEqual([
      { ord: 1, bad: null, principal: 'alice.smith@corp.example', permission: 'app/0oa1awsssoEXAMPLE697', granted_at: '2025-11-03', via: 'direct' },
    ]);
  });
});
