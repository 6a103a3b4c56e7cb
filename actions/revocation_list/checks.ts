import type { ActionProfile } from '../_shared/define.js';
import type { revocationList } from './action.js';

/**
 * What the revocation_list action says about itself. doctor checks revocations.target as it checks the lake
 * (list, write, read and delete a probe), and that each revoker queue exists.
 */
export const revocationListProfile: ActionProfile<typeof revocationList.options> = {
  async checks(_options, { config, probe }) {
    // The action's entry has no keys of its own: where lists go is the top-level `revocations:` (lists/),
    // which the config loader requires with this action.
    const lists = config.revocations;
    if (!lists) return;
    await probe.location('revocation lists', lists.target, lists.sse ?? config.aws.sse);
    for (const [system, queue] of Object.entries(lists.notify?.sqs ?? {})) await probe.queue(`${system} revoker queue`, queue, 'send');
  },
  permissions: [
    { service: 'aws', actions: ['s3:ListBucket'], on: 'the revocations.target bucket, under its prefix' },
    { service: 'aws', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], on: 'the objects under revocations.target' },
    { service: 'aws', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], on: 'the KMS key of revocations.sse (aws:kms)' },
    { service: 'aws', actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], on: 'each revocations.notify.sqs queue' },
  ],
  docs: 'README.md#outputs',
};
