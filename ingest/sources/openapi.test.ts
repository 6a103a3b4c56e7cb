import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { sha256 } from '../../core/hash.js';
import type { Obj } from '../../test/openapi/subset.js';
import { loadJson, refsIn, resolveRef, vendoredSubsetTests } from '../../test/openapi/vendored.js';
import { githubSubset, GITHUB_OPERATIONS, OKTA_OPERATIONS, oktaSubset } from './testing/vendor.js';

/** The vendored subsets of Okta's and GitHub's descriptions: complete, self-contained, and regenerable. */

const OKTA = loadJson(new URL('../../connectors/okta_system_log/openapi/okta.subset.json', import.meta.url));
const GITHUB = loadJson(new URL('../../connectors/github_audit/openapi/github.subset.json', import.meta.url));
const OKTA_FULL = new URL('../../../shared/contracts/okta/management-oneOfInheritance-noExamples.yaml', import.meta.url);

const operations = (spec: Obj) =>
  Object.entries(spec['paths'] as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.keys(item).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`),
  );

describe('Okta subset', () => {
  test('holds exactly the operations the okta: sources call', () => {
    expect(operations(OKTA).sort()).toEqual([...OKTA_OPERATIONS].sort());
  });
  test('every $ref resolves inside the subset', () => {
    const refs = refsIn(OKTA);
    expect(refs.size).toBeGreaterThan(50);
    for (const ref of refs) expect(resolveRef(OKTA, ref), ref).toBeDefined();
  });
  // Okta publishes YAML, so the shared regeneration test (JSON) is written out here.
  test.skipIf(!existsSync(OKTA_FULL))('is what the vendoring script makes from the full description', () => {
    const text = readFileSync(OKTA_FULL, 'utf8');
    expect(oktaSubset(parseYaml(text) as Obj, sha256(text))).toEqual(OKTA);
  });
});

describe('GitHub subset', () => {
  test('holds exactly the operations the github: sources call', () => {
    expect(operations(GITHUB).sort()).toEqual([...GITHUB_OPERATIONS].sort());
  });
  vendoredSubsetTests({ spec: GITHUB, full: new URL('../../node_modules/@octokit/openapi/generated/ghec.json', import.meta.url), minRefs: 20, make: githubSubset });
});
