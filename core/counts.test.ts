import { describe, expect, test } from 'vitest';
import { detectSummary } from '../cli/summary.js';
import type { Detection } from '../detect/index.js';
import { headline } from './counts.js';
import type { FindingCount, GuardEntry } from './model.js';

const cell = (system: string, status: string, n: number, more: Partial<FindingCount> = {}): FindingCount =>
  ({ system, kind: 'stale', status, excluded_by: null, revocable: false, n, ...more }) as FindingCount;

/** app: 4 revocable, but its list is held (blast radius); db: 2 revocable, 1 in its notice period, 1 silent-source hold. */
const COUNTS = [
  cell('app', 'new', 4, { revocable: true }),
  cell('app', 'exempted', 1, { excluded_by: 'exemption' }),
  cell('db', 'open', 2, { revocable: true }),
  cell('db', 'new', 1),
  cell('db', 'reappeared', 1, { excluded_by: 'source_freshness' }),
  cell('db', 'resolved', 3),
];
const GUARDS: GuardEntry[] = [{ system: 'app', guard: 'blast_radius', held: 4, detail: 'would revoke 4 of 5 grants' }];

describe('headline counts', () => {
  test('a finding on a list the blast-radius guard held is held, never also revocable', () => {
    expect(headline(COUNTS, GUARDS)).toEqual({ flagged: 8, new: 6, held: 5, revocable: 2, exempted: 1, resolved: 3 });
    expect(headline(COUNTS, [])).toMatchObject({ held: 1, revocable: 6 });
  });

  test("a leaver's grant on a silent system is held with the list source_freshness holds, not revocable", () => {
    // Source freshness never excludes a terminated person's finding, but it holds the whole list (actions/_shared/held.ts).
    const counts = [cell('db', 'new', 1, { kind: 'terminated', revocable: true }), cell('db', 'new', 2, { excluded_by: 'source_freshness' })];
    const silent: GuardEntry[] = [{ system: 'db', guard: 'source_freshness', held: 2, detail: 'source silent' }];
    expect(headline(counts, silent)).toMatchObject({ flagged: 3, held: 3, revocable: 0 });
  });

  test.each([['app'], ['db']])('held and revocable are disjoint parts of flagged on %s', (system) => {
    const h = headline(COUNTS.filter((c) => c.system === system), GUARDS);
    expect(h.held + h.revocable).toBeLessThanOrEqual(h.flagged);
  });

  test('the run summary prints the same numbers, and says "put on revocation lists" for what the records count', () => {
    const source = { system: 'db', grants: 10, unresolved_count: 0, unresolved_principals: [], revoked: 3, restored_after_revocation: 1 };
    const d = { as_of: '2026-06-30', run_id: 'r1', counts: COUNTS, guards: GUARDS, sources: [{ ...source, system: 'app', revoked: 0 }, source] };
    const lines = detectSummary(d as unknown as Detection);
    expect(lines[0]).toBe('detect      20 grants judged as of 2026-06-30: 8 flagged, 2 revocable, 5 held (run r1)');
    expect(lines).toContain('  put on revocation lists so far (restore requested after): db 3 (1)');
  });
});
