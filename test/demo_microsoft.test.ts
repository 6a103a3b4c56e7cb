import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FindingsDocument } from '../core/model.js';
import { lapse, tempDir } from './helpers.js';

/**
 * fixtures/demo-microsoft end to end through the built CLI: an Entra-signed-in system and a Google
 * Workspace system, read from the vendors' delivery formats with native grants. The expected findings
 * are the table in its README.md.
 */
const FIXTURE = new URL('../fixtures/demo-microsoft/', import.meta.url).pathname;

// [system, principal, permission, kind]
const EXPECTED = [
  ['entra', 'bob.jones@corp.example', 'app/9d8e7f60-2222-4333-8444-ba9876543210', 'stale'],
  ['entra', 'carol.white@corp.example', 'app/9d8e7f60-2222-4333-8444-ba9876543210', 'never_used'],
  ['entra', 'dave.lee@corp.example', 'app/4f5a1c2e-1111-4222-8333-0123456789ab', 'stale'],
  ['entra', 'erin.black@corp.example', 'app/4f5a1c2e-1111-4222-8333-0123456789ab', 'terminated'],
  ['workspace', 'bob.jones@corp.example', 'saml/Jira Cloud', 'stale'],
  ['workspace', 'carol.white@corp.example', 'saml/Jira Cloud', 'never_used'],
  ['workspace', 'erin.black@corp.example', 'oauth/7382910465-k2j3h4g5f6d7s8a9.apps.googleusercontent.com', 'terminated'],
];

describe('the Microsoft and Google demo', () => {
  let dir: string;
  let run: ReturnType<typeof lapse>;
  beforeAll(async () => {
    dir = join(await tempDir('lapse-demo-microsoft-'), 'demo');
    await cp(FIXTURE, dir, { recursive: true });
    run = lapse(['run', '--config', join(dir, 'lapse.yaml'), '--as-of', '2026-06-30'], dir);
  }, 120_000);

  test('lapse run ingests both systems and exits 0', () => {
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/entra +4 files \(0 already in the lake\): 141 records → 135 uses; skipped 6 \(denied 6\); quarantined 0/);
    expect(run.out).toMatch(/workspace +4 files \(0 already in the lake\): 275 records → 141 uses; skipped 134 \(not_a_use 133, denied 1\); quarantined 0/);
    expect(run.out).toMatch(/entra grants +6 rows/);
    expect(run.out).toMatch(/workspace grants +6 rows/);
  });

  test('the findings are the README table, every holder resolved to a person', () => {
    const detect = lapse(['detect', '--config', join(dir, 'lapse.yaml'), '--as-of', '2026-06-30', '--json'], dir);
    expect(detect.code, detect.err).toBe(0);
    const doc = FindingsDocument.parse(JSON.parse(detect.out));
    const found = doc.findings.map((f) => [f.system, f.principal, f.permission, f.kind]).sort();
    expect(found).toEqual(EXPECTED);
    expect(doc.findings.every((f) => f.excluded_by === null && f.person !== null)).toBe(true);
    expect(doc.guards).toEqual([]);
    expect(doc.sources.map((s) => [s.system, s.grants, s.newest_day])).toEqual([
      ['entra', 6, '2026-06-29'],
      ['workspace', 6, '2026-06-29'],
    ]);
  });

  test('one ticket preview per (person, system) group', async () => {
    const pages = (await readdir(join(dir, 'lapse-out/tickets'), { recursive: true })).filter((f) => String(f).endsWith('.md') && !String(f).endsWith('index.md'));
    expect(pages.length).toBe(7);
  });
});
