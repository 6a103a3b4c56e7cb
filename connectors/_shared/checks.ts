import type { CheckContext, Permission } from '../../core/checks.js';
import type { SystemConfig } from '../../core/config.js';

/** What a connector's checks get: the system's name and config block. */
export interface SystemCheckInput {
  name: string;
  system: SystemConfig;
}

/**
 * The checks every connector shares: its system's grants snapshot is readable, and each log source is
 * readable (`path`), listable and readable (`s3`), or consumable without consuming anything (`sqs`).
 */
export async function sourceChecks({ name, system }: SystemCheckInput, { probe }: CheckContext): Promise<void> {
  // okta: and github: grants and log sources are checked by their connector's own checks.
  if (system.grants.path !== undefined) await probe.localFile(`${name} grants`, system.grants.path);
  for (const source of system.logs) {
    if (source.path !== undefined) await probe.localFile(`${name} logs`, source.path, true);
    if (source.s3 !== undefined) await probe.s3Source(`${name} logs`, source.s3);
    if (source.sqs !== undefined) await probe.queue(`${name} logs`, source.sqs, 'consume');
  }
}

/** What reading log sources takes: an `s3` prefix is listed and read; an `sqs` queue is consumed, and the objects it names read. */
export const SOURCE_PERMISSIONS: readonly Permission[] = [
  { service: 'aws', actions: ['s3:ListBucket'], on: 'the bucket of each logs s3: source, under its prefix' },
  { service: 'aws', actions: ['s3:GetObject'], on: 'the log objects of s3: sources and those sqs: notifications name' },
  {
    service: 'aws',
    actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
    on: 'each logs sqs: queue',
  },
  { service: 'aws', actions: ['kms:Decrypt'], on: 'the KMS key of log objects encrypted with SSE-KMS' },
];
