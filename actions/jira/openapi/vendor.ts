import { vendor } from '../../../test/openapi/vendor.js';
import { subsetSpec } from './subset.js';

/**
 * Regenerates `actions/jira/openapi/jira-v3.subset.json` from Atlassian's full description:
 *
 *   npm run build && node dist/actions/jira/openapi/vendor.js [FULL_SPEC] [SOURCE_NOTE]
 *
 * FULL_SPEC defaults to ../shared/contracts/jira-platform-v3.openapi.json (see that folder's README).
 */
const [
  input = '../shared/contracts/jira-platform-v3.openapi.json',
  source = "Atlassian's swagger-v3.v3.json (Jira Cloud platform REST API v3), as stored in silasvasconcelos/atlassian-mcp@b1ba78d445c9cd591c922b207ce661ada51bad87 openapi/swagger-v3.v3.json",
] = process.argv.slice(2);
vendor(input, 'actions/jira/openapi/jira-v3.subset.json', (whole, sha256) => subsetSpec(whole, { source, sha256 }));
