import { ACK_FILE, ackKey, type Ack } from '../lists/index.js';
import type { Lake } from '../core/store.js';

/**
 * Writing `<system>/<as-of>/<run id>/ack.jsonl` (lists/, docs/revoker.md, Acknowledgements): one line
 * per entry a revoker has dealt with, holding its newest outcome. Object stores cannot append, so the
 * file is rewritten whole every `ackEvery` outcomes (and at the end of the list); a crash loses at most
 * the outcomes since the last write, and those entries are simply run again (commands are idempotent:
 * exit 3 = already done).
 */

/**
 * Keeps a list's acks and rewrites `ack.jsonl` whole, in list order, every `every` new outcomes.
 * Writes are chained, so two never overlap and the newest state is written last.
 */
export class AckWriter {
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: Lake,
    private readonly dir: string,
    private readonly order: string[],
    private readonly acks: Map<string, Ack>,
    private readonly every: number,
  ) {}

  previous(key: string): Ack | undefined {
    return this.acks.get(key);
  }

  async record(ack: Ack): Promise<void> {
    this.acks.set(ackKey(ack), ack);
    if (++this.pending >= this.every) await this.flush();
  }

  flush(): Promise<void> {
    if (this.pending === 0) return this.chain;
    this.pending = 0;
    this.chain = this.chain.then(() => this.write());
    return this.chain;
  }

  private async write(): Promise<void> {
    const lines: string[] = [];
    for (const key of this.order) {
      const a = this.acks.get(key);
      if (a) lines.push(JSON.stringify(a));
    }
    await this.target.writeText(`${this.dir}${ACK_FILE}`, `${lines.join('\n')}\n`);
  }
}
