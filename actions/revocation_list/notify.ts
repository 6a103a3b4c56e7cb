import { awsMessage, sqsClient, sqsSdk } from '../../core/aws.js';
import { ActionError } from '../../core/errors.js';
import { sha256 } from '../../core/hash.js';
import type { Lake } from '../../core/store.js';
import { latestKey, MANIFEST_FILE, readLatest, readManifest, type RevokerMessage } from '../../lists/index.js';
import type { ActionContext } from '../_shared/define.js';

/**
 * Sends the system's revoker queue a message naming the manifest `latest.json` points to, after it is
 * written. Sent on every apply while latest.json points to this run (a re-run after a crash between the
 * write and the send must still tell the revoker); revokers apply lists idempotently by contract, so a
 * repeated message is harmless. A FIFO queue gets the system as group and the manifest as dedup id.
 * When an older day is re-run, latest.json stays on the newer list and nothing is sent.
 */
export async function notifyRevoker(
  ctx: ActionContext,
  target: Lake,
  queue: string,
  list: { system: string; dir: string },
): Promise<string> {
  const latest = await readLatest(target, list.system);
  if (latest !== `${list.dir}${MANIFEST_FILE}`) return `revoker not notified: latest.json points to a newer list`;
  const manifest = await readManifest(target, latest);
  if (!manifest) throw new ActionError(`${target.uri}/${latest}: manifest missing after it was written`);
  const message: RevokerMessage = {
    schema_version: 1,
    type: 'revocation_list',
    system: manifest.system,
    as_of: manifest.as_of,
    run_id: manifest.run_id,
    manifest: `${target.uri}/${latest}`,
    latest: `${target.uri}/${latestKey(list.system)}`,
    count: manifest.count,
    held: manifest.held,
    sha256: manifest.sha256,
  };
  const fifo = queue.endsWith('.fifo');
  try {
    const { SendMessageCommand } = await sqsSdk();
    await (await sqsClient(ctx.config.aws, queue, ctx.log)).send(
      new SendMessageCommand({
        QueueUrl: queue,
        MessageBody: JSON.stringify(message),
        ...(fifo && { MessageGroupId: manifest.system, MessageDeduplicationId: sha256(`${message.manifest}\u001f${manifest.sha256}`).slice(0, 64) }),
      }),
    );
  } catch (err) {
    throw new ActionError(`${list.system}: list written, but the revoker queue ${queue} was not notified: ${awsMessage(err)}`, { cause: err });
  }
  ctx.log.info({ system: list.system, queue, manifest: message.manifest }, 'revoker notified');
  return `revoker notified: ${queue}`;
}
