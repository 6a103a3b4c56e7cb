import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '../../../core/hash.js';
import { subsetSpec } from './subset.js';

/**
 * Regenerates `actions/notify/openapi/slack-web.subset.json` from Slack's full description:
 *
 *   npm run build && node dist/actions/notify/openapi/vendor.js [FULL_SPEC] [SOURCE_NOTE]
 *
 * FULL_SPEC defaults to ../shared/contracts/slack/slack_web_openapi_v2_without_examples.json (see that folder's README).
 */
const input = process.argv[2] ?? '../shared/contracts/slack/slack_web_openapi_v2_without_examples.json';
const source =
  process.argv[3] ??
  'slackapi/slack-api-specs@bc08db49625630e3585bf2f1322128ea04f2a7f3 web-api/slack_web_openapi_v2_without_examples.json (MIT)';
const text = readFileSync(input, 'utf8');
const subset = subsetSpec(JSON.parse(text) as Parameters<typeof subsetSpec>[0], { source, sha256: sha256(text) });
writeFileSync('actions/notify/openapi/slack-web.subset.json', `${JSON.stringify(subset, null, 1)}\n`);
process.stdout.write(`wrote actions/notify/openapi/slack-web.subset.json (${Object.keys(subset['paths'] as object).length} paths)\n`);
