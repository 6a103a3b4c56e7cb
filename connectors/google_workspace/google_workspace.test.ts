import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlFile } from '../../core/db.js';
import { writeFiles } from '../../test/helpers.js';
import type { ParsedRecord } from '../_shared/parse.js';
import { RETRY_AS_TEXT } from '../_shared/retry.js';
import { connectorKit, handedBack, reasons, textOnly } from '../_shared/testkit.js';
import { googleWorkspace } from './connector.js';

/** Real vendor events collected for parser tests (not in the repo: licences); absent in CI. */
const SAMPLES = '/work/shared/samples/google-workspace';
const GRANTS_SQL = sqlFile(new URL('../../ingest/', import.meta.url).href, 'grants.sql');

const kit = connectorKit(googleWorkspace, 'workspace');
const { parse } = kit;

describe.skipIf(!existsSync(SAMPLES))(`real samples in ${SAMPLES} (skipped when the directory is absent)`, () => {
  // Every line is one record, each accounted for as a use or a counted drop.
  test.each([
    ['panther-gsuite-activityevent-tests.jsonl', {}, { not_a_use: 123, use: 4, missing_application: 2 }],
    // With Google sign-ins counted, the trimmed Panther login events without id.time are quarantined.
    ['panther-gsuite-activityevent-tests.jsonl', { count_google_login: true }, { not_a_use: 114, use: 4, missing_time: 8, missing_event: 1, missing_application: 2 }],
    ['elastic-google_workspace-login-test-login.log', {}, { not_a_use: 17 }],
    ['elastic-google_workspace-login-test-login.log', { count_google_login: true }, { not_a_use: 14, use: 2, denied: 1 }],
  ])('%s %j', async (name, options, expected) => {
    const file = join(SAMPLES, name);
    const rows = await parse([file], options);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    expect(rows.map((r) => r.record)).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
    expect(reasons(rows)).toEqual(expected);
  });

  test('Panther-flattened SAML and token events: top-level name and a parameters object', async () => {
    const rows = await parse([join(SAMPLES, 'panther-gsuite-activityevent-tests.jsonl')]);
    expect(rows.filter((r) => r.drop_reason === null).map((r) => [r.record, r.principal, r.permission, r.resource])).toEqual([
      [49, 'some.user@somedomain.com', 'saml/Some SAML Application', 'Some SAML Application'],
      [68, 'user@example.com', 'oauth/123456789012-abcdefghijklmnopqrstuvwxyz123456.apps.googleusercontent.com', 'SuspiciousThirdPartyApp'],
      [69, 'user@example.com', 'oauth/123456789012-abcdefghijklmnopqrstuvwxyz123456.apps.googleusercontent.com', 'LegitimateCalendarApp'],
      [71, 'admin@example.com', 'oauth/123456789012-abcdefghijklmnopqrstuvwxyz123456.apps.googleusercontent.com', 'AdminToolApp'],
    ]);
    expect(rows[48]!.time).toBe('2022-05-26T15:26:09.421Z');
  });

  test("Elastic's one-event documents: events is an object; the last line's ids are strings", async () => {
    const rows = await parse([join(SAMPLES, 'elastic-google_workspace-login-test-login.log')], { count_google_login: true });
    expect(rows.filter((r) => r.drop_reason !== 'not_a_use').map((r) => [r.record, r.drop_reason, r.principal, r.permission])).toEqual([
      [10, 'denied', 'foo@bar.com', 'workspace/login'],
      [14, null, 'foo@bar.com', 'workspace/login'],
      [15, null, 'foo@bar.com', 'workspace/login'],
    ]);
  });
});

describe('native grants reader', () => {
  async function grants(files: Record<string, string>) {
    await writeFiles(kit.dir, files);
    const query = await googleWorkspace.grants!.query({
      system: 'workspace', options: googleWorkspace.options.parse({}), files: Object.keys(files).map((f) => join(kit.dir, f)), db: kit.db,
    });
    try {
      await kit.db.run(`CREATE OR REPLACE TEMP TABLE lapse_grants_raw AS ${query.sql}`, query.params);
    } finally {
      await query.cleanup?.();
    }
    return kit.db.all(`SELECT regexp_extract(file, '[^/]+$') AS file, bad, principal, permission, via FROM (${GRANTS_SQL}) ORDER BY file, ord, principal NULLS LAST, via`);
  }
  const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

  test('tokens per user, SAML apps by user, org unit (and below) and group', async () => {
    const rows = await grants({
      'tokens.jsonl': jsonl([
        { kind: 'admin#directory#token', clientId: 'cal.apps.googleusercontent.com', displayText: 'Calendly', anonymous: false, nativeApp: false, userKey: '1044', user: 'Alice.Smith@corp.example', scopes: ['x'] },
        { kind: 'admin#directory#token', clientId: 'cal.apps.googleusercontent.com', displayText: 'Calendly', userKey: 'bob.jones@corp.example' },
        { kind: 'admin#directory#token', clientId: 'cal.apps.googleusercontent.com', userKey: '1046' },
      ]),
      'saml.jsonl': jsonl([
        { application_name: 'Jira Cloud', org_unit: '/Engineering' },
        { application_name: 'Slack', group: 'All@corp.example' },
        { application_name: 'Payroll', user: 'carol.white@corp.example' },
        { application_name: 'Wiki', org_unit: '/Nobody' },
        { application_name: 'Wiki', group: 'ghosts@corp.example' },
        { application_name: 'Wiki' },
      ]),
      // users.list pages as the API returns them.
      'users.json': JSON.stringify({ kind: 'admin#directory#users', users: [
        { primaryEmail: 'alice.smith@corp.example', orgUnitPath: '/Engineering' },
        { primaryEmail: 'dave.lee@corp.example', orgUnitPath: '/Engineering/Platform' },
        { primaryEmail: 'erin.black@corp.example', orgUnitPath: '/Engineering-Old' },
      ] }, null, 2),
      'groups.jsonl': jsonl([{ group: 'all@corp.example', members: ['erin.black@corp.example', 'Dave.Lee@corp.example'] }, { something: 'else' }]),
    });
    expect(rows).toEqual([
      { file: 'groups.jsonl', bad: 'not_a_grant', principal: null, permission: null, via: null },
      { file: 'saml.jsonl', bad: null, principal: 'alice.smith@corp.example', permission: 'saml/Jira Cloud', via: 'org_unit:/Engineering' },
      { file: 'saml.jsonl', bad: null, principal: 'dave.lee@corp.example', permission: 'saml/Jira Cloud', via: 'org_unit:/Engineering' },
      { file: 'saml.jsonl', bad: null, principal: 'dave.lee@corp.example', permission: 'saml/Slack', via: 'group:all@corp.example' },
      { file: 'saml.jsonl', bad: null, principal: 'erin.black@corp.example', permission: 'saml/Slack', via: 'group:all@corp.example' },
      { file: 'saml.jsonl', bad: null, principal: 'carol.white@corp.example', permission: 'saml/Payroll', via: 'direct' },
      { file: 'saml.jsonl', bad: 'unexpanded_org_unit', principal: null, permission: null, via: null },
      { file: 'saml.jsonl', bad: 'unexpanded_group', principal: null, permission: null, via: null },
      { file: 'saml.jsonl', bad: 'missing_principal', principal: null, permission: null, via: null },
      { file: 'tokens.jsonl', bad: null, principal: 'alice.smith@corp.example', permission: 'oauth/cal.apps.googleusercontent.com', via: 'direct' },
      { file: 'tokens.jsonl', bad: null, principal: 'bob.jones@corp.example', permission: 'oauth/cal.apps.googleusercontent.com', via: 'direct' },
      { file: 'tokens.jsonl', bad: 'missing_principal', principal: null, permission: 'oauth/cal.apps.googleusercontent.com', via: 'direct' },
    ]);
  });
});

describe('the typed path', () => {
  const text = connectorKit(textOnly(googleWorkspace), 'workspace');
  const activity = (app: string, name: string, over: Record<string, unknown> = {}) => ({
    kind: 'admin#reports#activity',
    id: { time: '2026-03-02T09:00:00.000Z', uniqueQualifier: '-42', applicationName: app },
    actor: { callerType: 'USER', email: 'Ann@Corp.Example' },
    events: [{ type: 'x', name, parameters: [{ name: 'application_name', value: 'Jira' }, { name: 'client_id', value: '123.apps' }] }],
    ...over,
  });
  const lines = (...records: object[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
  // The API's shape, with values of other types where the text path reads only strings (or numbers for the id).
  const files = {
    'api.jsonl': lines(
      activity('saml', 'login_success'), activity('saml', 'login_failure'), activity('token', 'authorize'),
      activity('drive', 'view'), activity('login', 'login_success'),
      activity('token', 'activity', { id: { time: '2026-03-02T10:00:00Z', uniqueQualifier: 7, applicationName: 'token' } }),
      activity('saml', 'login_success', { actor: { email: 42 } }), activity('SAML', 'login_success'),
      // The parameter named third; named first without a text value, then with one.
      activity('token', 'authorize', { events: [{ name: 'authorize', parameters: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }, { name: 'client_id', value: 'third.apps' }] }] }),
      activity('saml', 'login_success', { events: [{ name: 'login_success', parameters: [{ name: 'application_name', value: { o: 1 } }, { name: 'application_name', value: 'Second' }] }] }),
      activity('saml', 'x', { events: [{ name: 'other' }, { name: 'login_success', parameters: [{ name: 'application_name', intValue: '9' }] }] }),
    ) +
      // A parameter name spelled with an escape is the same name.
      lines(activity('saml', 'login_success', { events: [{ name: 'login_success', parameters: [{ name: 'application_name', value: 'Escaped' }] }] }))
        .replace('"application_name"', '"application\\u005fname"'),
    // Panther's flattening and an activities.list page: read as text.
    'flat.jsonl': lines({ id: { time: '2026-03-02T09:00:00Z', applicationName: 'saml' }, actor: { email: 'bo@corp.example' }, name: 'login_success', parameters: { application_name: 'Jira' } }),
    'page.jsonl': lines({ kind: 'admin#reports#activities', items: [activity('saml', 'login_success')] }),
    // Activities to quarantine (no time, a time of another type, no events): their file is read as text, for their text.
    'no-time.jsonl': lines(
      activity('saml', 'login_success'), activity('saml', 'login_success', { id: { applicationName: 'saml' } }),
      activity('token', 'activity', { id: { time: 1772442000, applicationName: 'token' } }), activity('token', 'authorize', { events: [] }),
    ),
  };

  test('takes activities of the API shape, and hands other shapes and activities to quarantine to the text path', async () => {
    await writeFiles(kit.dir, files);
    const at = (n: string) => join(kit.dir, n);
    expect(await handedBack(kit.db, googleWorkspace, { count_google_login: true }, [at('api.jsonl')])).toEqual([]);
    const permissions = (await parse([at('api.jsonl')])).map((r) => r.permission);
    expect(permissions).toContain('oauth/third.apps');
    expect(permissions).toContain('saml/Second');
    expect(permissions).toContain('saml/Escaped');
    expect(await handedBack(kit.db, googleWorkspace, { count_google_login: true }, Object.keys(files).map(at))).toEqual(['flat.jsonl', 'no-time.jsonl', 'page.jsonl'].map(at));
  });

  test('reads every file as the text path does, whatever the batch holds', async () => {
    await writeFiles(kit.dir, files);
    const cases = new URL('./cases/', import.meta.url).pathname;
    const golden = readdirSync(cases).flatMap((c) =>
      readdirSync(join(cases, c)).filter((n) => n.startsWith('input')).map((n) => join(cases, c, n)));
    const samples = existsSync(SAMPLES) ? readdirSync(SAMPLES).filter((n) => !n.endsWith('.tsv')).map((n) => join(SAMPLES, n)) : [];
    const mine = Object.keys(files).map((n) => join(kit.dir, n));
    // The typed path keeps no text for what it does not quarantine (ingest needs none).
    const judged = (rows: ParsedRecord[]) => rows.map((r) => ({ ...r, raw: r.quarantine ? r.raw : null }));
    for (const options of [{}, { count_google_login: true }]) {
      for (const batch of [mine.slice(0, 1), mine, [...mine, ...golden], [...mine, ...samples]]) {
        const rows = await parse(batch, options);
        expect(judged(rows)).toEqual(judged(await text.parse(batch, options)));
        expect(rows.some((r) => r.drop_reason === RETRY_AS_TEXT)).toBe(false);
      }
    }
  });
});
