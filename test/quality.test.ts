import { describe, expect, test } from 'vitest';
import { confusion, generateCompany, score } from '../bench/company.js';
import { detectJson } from '../bench/quality.js';
import { tempDir } from './helpers.js';

/**
 * Detection quality on a simulated company with known ground truth (bench/company.ts), through the
 * built CLI. Floors catch a regression; the structural checks say where each error may come from.
 */
describe('detection quality', () => {
  test('precision and recall per kind, and where the errors come from', async () => {
    const company = await generateCompany(await tempDir('lapse-quality-'), { people: 300 });
    const findings = detectJson(company.dir);
    const by = Object.fromEntries(score(company.grants, findings).map((s) => [s.kind, s]));
    expect(by['terminated']).toMatchObject({ precision: 1, recall: 1 });
    expect(by['never_used']).toMatchObject({ precision: 1, recall: 1 });
    expect(by['stale']!.precision).toBeGreaterThanOrEqual(0.8);
    expect(by['stale']!.recall).toBeGreaterThanOrEqual(0.8);
    expect(by['cold_start_anomaly']!.precision).toBe(1);
    expect(by['cold_start_anomaly']!.recall).toBeGreaterThanOrEqual(0.4);

    const got = confusion(company.grants, findings);
    // Needed access is never reported, except where the logs alone cannot tell: rare use, and quarterly use nobody configured.
    for (const need of ['active', 'quarterly_configured', 'emergency', 'new_typical']) expect(Object.keys(got[need]!)).toEqual(['none']);
    expect(got['quarterly_unconfigured']).toEqual({ stale: expect.any(Number) });
    expect(got['new_atypical_unused']).toEqual({ cold_start_anomaly: expect.any(Number) });
    expect(got['never']).toEqual({ never_used: expect.any(Number) });
  });
});
