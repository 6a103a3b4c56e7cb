import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { vendoredSubsetTests } from '../../test/openapi/vendored.js';
import { OPERATIONS, subsetSpec } from './openapi/subset.js';
import { loadSpec } from './testing/server.js';

/** The vendored subset of Atlassian's description: complete, self-contained, attributed, and regenerable. */

const spec = loadSpec() as unknown as Record<string, any>;
const FULL = new URL('../../../shared/contracts/jira-platform-v3.openapi.json', import.meta.url);

describe('vendored OpenAPI subset', () => {
  test('holds exactly the operations the action calls', () => {
    const ops = Object.entries(spec['paths'] as Record<string, Record<string, { operationId: string }>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(ops.sort()).toEqual(
      [
        'POST /rest/api/3/issue createIssue',
        'GET /rest/api/3/issue/{issueIdOrKey} getIssue',
        'PUT /rest/api/3/issue/{issueIdOrKey} editIssue',
        'GET /rest/api/3/issue/{issueIdOrKey}/comment getComments',
        'POST /rest/api/3/issue/{issueIdOrKey}/comment addComment',
        'GET /rest/api/3/issue/{issueIdOrKey}/changelog getChangeLogs',
        'GET /rest/api/3/issue/{issueIdOrKey}/transitions getTransitions',
        'POST /rest/api/3/issue/{issueIdOrKey}/transitions doTransition',
        'POST /rest/api/3/search/jql searchAndReconsileIssuesUsingJqlPost',
        'GET /rest/api/3/user/search findUsers',
        'GET /rest/api/3/project/{projectIdOrKey} getProject',
      ].sort(),
    );
    expect(spec['x-lapse-vendored'].operations).toEqual([...OPERATIONS]);
  });

  test("keeps Atlassian's license and says where it came from", () => {
    expect(spec['info'].license).toEqual({ name: 'Apache 2.0', url: 'http://www.apache.org/licenses/LICENSE-2.0.html' });
    expect(spec['x-lapse-vendored'].sha256).toBe('5021849ab54916b9005a44bb9931c061bd8f3c907d2bfdb00104b4bb4eb78093');
    const readme = readFileSync(new URL('./openapi/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(spec['x-lapse-vendored'].sha256);
    expect(readme).toContain('Apache License, Version 2.0');
  });

  vendoredSubsetTests({ spec, full: FULL, minRefs: 20, make: (whole, sha256) => subsetSpec(whole, { source: spec['x-lapse-vendored'].source, sha256 }) });
});
