import type { SQSClient } from '@aws-sdk/client-sqs';
import { awsMessage, sqsSdk } from '../../core/aws.js';
import type { Logger } from '../../core/log.js';

/**
 * Keeps received messages invisible while their objects are processed: every third of the visibility
 * timeout it extends every held message by the full timeout (ChangeMessageVisibilityBatch). A message
 * released (deleted, or left as poison) is no longer extended, so a poison one reappears on time.
 * If the worker dies, the beats stop and the messages reappear for another worker.
 */
export class Heartbeat {
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  beats = 0;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilitySecs: number,
    private readonly log: Logger,
  ) {}

  hold(messageId: string, receiptHandle: string): void {
    this.held.set(messageId, receiptHandle);
    if (!this.timer) {
      this.timer = setInterval(() => (this.beating = this.beating.then(() => this.beat())), Math.max(250, (this.visibilitySecs * 1000) / 3));
      this.timer.unref();
    }
  }

  release(messageId: string): void {
    this.held.delete(messageId);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    await this.beating;
  }

  private async beat(): Promise<void> {
    const { ChangeMessageVisibilityBatchCommand } = await sqsSdk();
    const entries = [...this.held.entries()];
    for (let i = 0; i < entries.length; i += 10) {
      const chunk = entries.slice(i, i + 10);
      try {
        const res = await this.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map(([, handle], j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: this.visibilitySecs })),
          }),
        );
        for (const f of res.Failed ?? []) {
          this.log.warn({ queue: this.queueUrl, message_id: chunk[Number(f.Id)]?.[0], code: f.Code }, 'visibility not extended');
        }
      } catch (err) {
        // A missed beat is not fatal: the message may reappear and be processed twice, which the ledger absorbs.
        this.log.warn({ queue: this.queueUrl, error: awsMessage(err) }, 'visibility not extended');
      }
    }
    this.beats += 1;
  }
}
