import { createHash } from 'node:crypto';
import { cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FindingsDocument } from '../core/model.js';
import { Manifest } from '../lists/index.js';
import { hashes, lapse, tempDir } from './helpers.js';

/**
 * The README's demo, end to end through the built CLI, on a copy of fixtures/demo. The expected
 * findings are the complete list in fixtures/demo/README.md.
 */
const DEMO = new URL('../fixtures/demo/', import.meta.url).pathname;

// [system, principal, permission, kind, excluded_by]
const EXPECTED: [string, string, string, string, string | null][] = [
  ['aws', 'amara.diallo@corp.example', '123456789012/BreakGlassAdmin', 'never_used', 'emergency_only'],
  ['aws', 'breakglass@corp.example', '123456789012/BreakGlassAdmin', 'never_used', 'protected_principal'],
  ['aws', 'breakglass@corp.example', '210987654321/BreakGlassAdmin', 'never_used', 'protected_principal'],
  ['aws', 'ethan.brooks@corp.example', '123456789012/Developer', 'stale', null],
  ['aws', 'gina.moretti@corp.example', '123456789012/DataEngineer', 'never_used', null],
  ['aws', 'henrik.berg@corp.example', '210987654321/Developer', 'stale', null],
  ['aws', 'olivia.grant@corp.example', '123456789012/DataEngineer', 'terminated', null],
  ['aws', 'olivia.grant@corp.example', '123456789012/ReadOnly', 'terminated', null],
  ['aws', 'olivia.grant@corp.example', '210987654321/DataEngineer', 'terminated', null],
  ['aws', 'ravi.menon@corp.example', '123456789012/Developer', 'terminated', null],
  ['aws', 'ravi.menon@corp.example', '123456789012/ReadOnly', 'terminated', null],
  ['aws', 'ravi.menon@corp.example', '210987654321/Developer', 'terminated', null],
  ['aws', 'samuel.ito@corp.example', '210987654321/DataEngineer', 'never_used', null],
  ['aws', 'victor.huang@corp.example', '123456789012/BreakGlassAdmin', 'stale', 'emergency_only'],
  ['aws', 'wendy.park@corp.example', '210987654321/ReadOnly', 'never_used', null],
  ['github', 'mchen-data', 'repo/corp-example/airflow-dags', 'stale', null],
  ['github', 'mrossi-ce', 'repo/corp-example/ledger-service', 'stale', null],
  ['github', 'ogrant-data', 'repo/corp-example/airflow-dags', 'terminated', null],
  ['github', 'ogrant-data', 'repo/corp-example/dbt-models', 'terminated', null],
  ['github', 'rmenon', 'repo/corp-example/ci-pipelines', 'terminated', null],
  ['github', 'rmenon', 'repo/corp-example/infra-terraform', 'terminated', null],
  ['github', 'rmenon', 'repo/corp-example/k8s-manifests', 'terminated', null],
  ['github', 'rvance-ext', 'repo/corp-example/payments-api', 'stale', null],
  ['github', 'xdubois-sec', 'repo/corp-example/infra-terraform', 'never_used', null],
  ['okta', 'bella.rodriguez@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'stale', 'source_freshness'],
  ['okta', 'carlos.mendes@corp.example', 'app/0oa7k2rt5Hn9Bx4gD5d7', 'stale', 'source_freshness'],
  ['okta', 'gina.moretti@corp.example', 'app/0oa7k2m9xq4TzR1aB5d7', 'never_used', 'source_freshness'],
  ['okta', 'grace.liu@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'stale', 'source_freshness'],
  ['okta', 'hannah.kim@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'stale', 'source_freshness'],
  ['okta', 'kevin.osei@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'stale', 'source_freshness'],
  ['okta', 'marco.rossi@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'never_used', 'source_freshness'],
  ['okta', 'omar.haddad@corp.example', 'app/0oa7k2qe8Fv3Ws2mK5d7', 'never_used', 'source_freshness'],
  ['okta', 'wendy.park@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'never_used', 'source_freshness'],
  ['okta', 'zane.mitchell@corp.example', 'app/0oa7k2ndw3LpQe8sV5d7', 'never_used', 'source_freshness'],
  ['warehouse', 'BELLA_R', 'ANALYST', 'stale', null],
  ['warehouse', 'GRACE_L', 'SYSADMIN', 'stale', null],
  ['warehouse', 'HANNAH_K', 'FINANCE_READ', 'stale', null],
  ['warehouse', 'KEVIN_O', 'FINANCE_READ', 'stale', null],
  ['warehouse', 'LUCAS_M', 'PII_READ', 'stale', null],
  ['warehouse', 'MARCO_R', 'ANALYST', 'never_used', null],
  ['warehouse', 'NOAH_J', 'PII_READ', 'stale', null],
  ['warehouse', 'OLIVIA_G', 'ANALYST', 'terminated', null],
  ['warehouse', 'OLIVIA_G', 'PII_READ', 'terminated', null],
  ['warehouse', 'PABLO_A', 'TRANSFORMER', 'stale', null],
  ['warehouse', 'ROSA_L', 'PII_READ', 'never_used', null],
  ['warehouse', 'WENDY_P', 'PII_READ', 'never_used', null],
  ['warehouse', 'ZANE_M', 'SYSADMIN', 'never_used', null],
];

let root: string;
let first: ReturnType<typeof lapse>;
beforeAll(async () => {
  root = await tempDir('lapse-demo-');
  await cp(DEMO, join(root, 'fixtures/demo'), { recursive: true });
  first = lapse(['run', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'], root);
}, 120_000);

describe('the demo (npm run demo)', () => {
  test('runs the whole daily job and exits 3 because two guards held', () => {
    expect(first.err).toBe('');
    expect(first.code).toBe(3);
    expect(first.out).toMatch(/okta\s+source_freshness: newest event 2026-06-20 is 10 days old/);
    expect(first.out).toMatch(/warehouse\s+blast_radius: would revoke 13 of 35 grants/);
    expect(first.out).toMatch(/quarantined 2 \(bad_time 1, malformed_csv 1\)/);
    expect(first.out).toMatch(/exit 3: a safety guard held something back/);
  });

  test('finds exactly the findings the fixture README lists', () => {
    const r = lapse(['detect', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30', '--json'], root);
    const doc = FindingsDocument.parse(JSON.parse(r.out));
    const got = doc.findings
      .map((f) => [f.system, f.principal, f.permission, f.kind, f.excluded_by] as const)
      .sort((a, b) => a.join('|').localeCompare(b.join('|')));
    expect(got).toEqual([...EXPECTED].sort((a, b) => a.join('|').localeCompare(b.join('|'))));
    expect(doc.sources.find((s) => s.system === 'github')?.unresolved_principals).toEqual(['rvance-ext']);
  });

  test('writes verifiable lists for aws and github, held lists for okta and warehouse', async () => {
    const lists = join(root, 'lapse-out/revocations');
    const counts: Record<string, [number, boolean]> = {};
    for (const system of await readdir(lists)) {
      const latest = JSON.parse(await readFile(join(lists, system, 'latest.json'), 'utf8')) as { manifest: string };
      const manifest = Manifest.parse(JSON.parse(await readFile(join(lists, latest.manifest), 'utf8')));
      const body = await readFile(join(lists, latest.manifest.replace('manifest.json', manifest.file)));
      expect(createHash('sha256').update(body).digest('hex')).toBe(manifest.sha256);
      counts[system] = [manifest.count, manifest.held];
    }
    expect(counts).toEqual({ aws: [11, false], github: [9, false], okta: [0, true], warehouse: [13, true] }); // held entries are written for review
  });

  test('a second run changes nothing: same findings, same lake, same outputs', async () => {
    const lake = await hashes(join(root, 'lapse-data'));
    const out = await hashes(join(root, 'lapse-out'));
    const again = lapse(['run', '--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'], root);
    expect(again.code).toBe(3);
    expect(again.out).toMatch(/aws\s+\d+ files \((\d+) already in the lake\)/);
    expect(await hashes(join(root, 'lapse-data'))).toEqual(lake);
    expect(await hashes(join(root, 'lapse-out'))).toEqual(out);
  });
});
