import type { ActionProfile } from '../_shared/define.js';
import type { revocationList } from './action.js';

/**
 * What the revocation_list action says about itself. doctor checks its target as it checks the lake
 * (list, write, read and delete a probe), and that each revoker queue exists.
 */
export const revocationListProfile: ActionProfile<typeof revocationList.options> = {
  async checks(options, { config, probe }) {
    await probe.location('revocation lists', options.target, options.sse ?? config.aws.sse);
    for (const [system, queue] of Object.entries(options.notify?.sqs ?? {})) await probe.queue(`${system} revoker queue`, queue, 'send');
  },
  permissions: [
    { service: 'aws', actions: ['s3:ListBucket'], on: 'the target bucket, under its prefix' },
    { service: 'aws', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], on: 'the objects under target' },
    { service: 'aws', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], on: 'the KMS key of sse (aws:kms)' },
    { service: 'aws', actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], on: 'each notify.sqs queue' },
  ],
  docs: 'README.md#outputs',
};
