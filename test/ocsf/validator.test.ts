import { describe, expect, test } from 'vitest';
import { lapseProduct, ocsfRecord } from '../../actions/ocsf/record.js';
import type { Finding, FindingsDocument } from '../../core/model.js';
import { hasOcsf, OcsfSchema } from './schema.js';

/**
 * The validator itself: it resolves IAM Analysis Finding from the vendored OCSF 1.6.0 source and catches each
 * kind of mistake (a validator that passes everything would make the export tests worthless).
 */

const FINDING: Finding = {
  finding_id: 'f-0123456789abcdef', kind: 'stale', system: 'aws', principal: 'ann@corp.example', person: 'ann',
  email: 'ann@corp.example', team: 'eng', manager: 'boss', permission: '123456789012/Developer', via: 'direct',
  last_used: '2026-02-01', days_unused: 149, ttl_days: 90, granted_at: '2025-01-01', score: null,
  baseline: { team_size: 5, team_holders: 3, team_users: 1, org_holders: 7 }, status: 'new', first_flagged: '2026-06-30',
  revocable_from: '2026-07-14', resolved_on: null, decision: null, excluded_by: null, exempt_reason: null,
  confidence: 'high', confidence_reason: 'unused past its TTL', move: null, leave_days: 0, label: 'Prod (Developer)',
};
const DOC: FindingsDocument = { as_of: '2026-06-30', run_id: 'run-1', findings: [FINDING], guards: [], sources: [] };

const record = () => ocsfRecord(FINDING, DOC, lapseProduct(), 'lapse.yaml') as Record<string, any>;

describe.skipIf(!hasOcsf)('OCSF validator (vendored schema in ../shared/contracts/ocsf-schema-1.6.0)', () => {
  const schema = hasOcsf ? new OcsfSchema() : (undefined as never);
  const check = (r: unknown) => schema.validate(r, 'iam_analysis_finding');

  test('resolves class 2008 through finding and base_event, with dictionary types', () => {
    const cls = schema.resolveClass('iam_analysis_finding');
    expect(cls.class_uid).toBe(2008);
    expect(cls.category_uid).toBe(2);
    expect(cls.attributes['finding_info']).toMatchObject({ type: 'finding_info', requirement: 'required' });
    expect(cls.attributes['metadata']).toMatchObject({ type: 'metadata', requirement: 'required' });
    expect(cls.attributes['permission_analysis_results']).toMatchObject({ type: 'permission_analysis_result', is_array: true });
    expect(Object.keys(cls.attributes['activity_id']!.enum!)).toEqual(expect.arrayContaining(['0', '1', '2', '3', '99']));
    expect(cls.attributes['cloud']?.profile).toBe('cloud');
    // user extends _entity: name and uid come from the parent.
    expect(Object.keys(schema.resolveObject('user').attributes)).toEqual(expect.arrayContaining(['name', 'uid', 'email_addr']));
  });

  test('a mapped finding is valid', () => {
    expect(check(record())).toEqual([]);
  });

  test.each<[string, (r: Record<string, any>) => void, RegExp]>([
    ['a required attribute missing', (r) => delete r.finding_info.uid, /finding_info\.uid: required by finding_info/],
    ['a required top-level attribute missing', (r) => delete r.metadata, /metadata: required/],
    ['an attribute the class does not define', (r) => (r.lapse_days = 3), /lapse_days: not an attribute of iam_analysis_finding/],
    ['an attribute an object does not define', (r) => (r.user.team = 'eng'), /user\.team: not an attribute of user/],
    ['a wrong type', (r) => (r.time = '2026-06-30'), /time: "2026-06-30" is not an integer/],
    ['a string where an array goes', (r) => (r.finding_info.types = 'stale'), /finding_info\.types: expected an array/],
    ['a value outside the enum', (r) => (r.status_id = 7), /status_id: 7 is not one of the enum values/],
    ['a caption that is not its id\'s', (r) => (r.severity = 'High'), /severity: "High", expected "Low"/],
    ['a bad email', (r) => (r.user.email_addr = 'not an email'), /user\.email_addr: .* is not matching/],
    ['at_least_one unmet', (r) => { delete r.permission_analysis_results; delete r.identity_activity_metrics; }, /needs at least one of access_analysis_result, applications/],
    ['an object constraint unmet', (r) => (r.user = { email_addr: 'ann@corp.example' }), /user: needs at least one of account, name, uid/],
    ['a profile attribute without its profile', (r) => (r.cloud = { provider: 'AWS' }), /cloud: not an attribute of iam_analysis_finding without the cloud profile/],
    ['a wrong class', (r) => (r.class_uid = 2004), /class_uid: 2004, expected 2008/],
    ['a type_uid not class × 100 + activity', (r) => (r.type_uid = 200802), /type_uid: 200802, expected 200801/],
    ['a null (OCSF omits attributes without a value)', (r) => (r.user.uid_alt = null), /user\.uid_alt: null/],
  ])('catches %s', (_what, spoil, message) => {
    const r = record();
    spoil(r);
    const errors = check(r);
    expect(errors.join('\n')).toMatch(message);
  });

  test('a profile attribute is accepted once metadata.profiles names the profile', () => {
    const r = record();
    r.cloud = { provider: 'AWS', region: 'us-east-1' };
    r.metadata.profiles = ['cloud'];
    expect(check(r)).toEqual([]);
  });
});
