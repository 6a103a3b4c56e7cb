import type { ActionProfile } from '../_shared/define.js';
import type { ocsf } from './action.js';

/**
 * What the ocsf action says about itself: doctor checks that its out location is writable (a local directory,
 * or the Security Lake custom source's S3 location, with a probe object written and deleted).
 */
export const ocsfProfile: ActionProfile<typeof ocsf.options> = {
  async checks(options, { config, probe }) {
    await probe.location('OCSF findings', options.out, config.aws.sse);
  },
  permissions: [
    { service: 'aws', actions: ['s3:ListBucket'], on: 'the Security Lake bucket, under the custom source location (out)' },
    { service: 'aws', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], on: 'the objects under the custom source location (out)' },
  ],
  docs: 'docs/security-lake.md',
};
