import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '../../../core/hash.js';
import { subsetSpec } from './subset.js';

/**
 * Regenerates `actions/jira/openapi/jira-v3.subset.json` from Atlassian's full description:
 *
 *   npm run build && node dist/actions/jira/openapi/vendor.js [FULL_SPEC] [SOURCE_NOTE]
 *
 * FULL_SPEC defaults to ../shared/contracts/jira-platform-v3.openapi.json (see that folder's README).
 */
const input = process.argv[2] ?? '../shared/contracts/jira-platform-v3.openapi.json';
const source =
  process.argv[3] ??
  "Atlassian's swagger-v3.v3.json (Jira Cloud platform REST API v3), as stored in silasvasconcelos/atlassian-mcp@b1ba78d445c9cd591c922b207ce661ada51bad87 openapi/swagger-v3.v3.json";
const text = readFileSync(input, 'utf8');
const subset = subsetSpec(JSON.parse(text) as Parameters<typeof subsetSpec>[0], { source, sha256: sha256(text) });
writeFileSync('actions/jira/openapi/jira-v3.subset.json', `${JSON.stringify(subset, null, 1)}\n`);
process.stdout.write(`wrote actions/jira/openapi/jira-v3.subset.json (${Object.keys(subset['paths'] as object).length} paths)\n`);
