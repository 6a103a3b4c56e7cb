import { vendor } from '../../../test/openapi/vendor.js';
import { subsetSpec } from './subset.js';

/**
 * Regenerates `actions/notify/openapi/slack-web.subset.json` from Slack's full description:
 *
 *   npm run build && node dist/actions/notify/openapi/vendor.js [FULL_SPEC] [SOURCE_NOTE]
 *
 * FULL_SPEC defaults to ../shared/contracts/slack/slack_web_openapi_v2_without_examples.json (see that folder's README).
 */
const [
  input = '../shared/contracts/slack/slack_web_openapi_v2_without_examples.json',
  source = 'slackapi/slack-api-specs@bc08db49625630e3585bf2f1322128ea04f2a7f3 web-api/slack_web_openapi_v2_without_examples.json (MIT)',
] = process.argv.slice(2);
vendor(input, 'actions/notify/openapi/slack-web.subset.json', (whole, sha256) => subsetSpec(whole, { source, sha256 }));
