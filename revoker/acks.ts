import { z } from 'zod';
import { StoreError } from '../core/errors.js';
import { AckEntry } from '../core/model.js';
import type { Lake } from '../core/store.js';
import { findLists } from './lists.js';

/**
 * `<system>/<as-of>/<run id>/ack.jsonl`: one line per entry a revoker has dealt with (docs/revoker.md, Acknowledgements),
 * holding its newest outcome. Object stores cannot append, so the file is rewritten whole every
 * `ackEvery` outcomes (and at the end of the list); a crash loses at most the outcomes since the last
 * write, and those entries are simply run again (commands are idempotent: exit 3 = already done).
 */
export const Ack = AckEntry.extend({
  /** Restores are keyed by their request: several requests may concern one finding. */
  restore_id: z.string().optional(),
  attempts: z.number().int().positive(),
  at: z.string(),
});
export type Ack = z.infer<typeof Ack>;

/** Statuses that end an entry: a restart does not run it again. `failed` is tried again. */
export const FINAL = new Set<Ack['status']>(['applied', 'already_absent', 'skipped']);

export const ackKey = (a: Ack): string => a.restore_id ?? a.finding_id;

export async function readAcks(target: Lake, dir: string): Promise<Map<string, Ack>> {
  const text = await target.readText(`${dir}ack.jsonl`);
  const acks = new Map<string, Ack>();
  for (const [i, line] of (text ?? '').split('\n').entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      json = undefined;
    }
    const a = Ack.safeParse(json);
    if (!a.success) throw new StoreError(`${target.uri}/${dir}ack.jsonl line ${i + 1}: not an ack line: ${z.prettifyError(a.error).replace(/\n/g, ' ')}`);
    acks.set(ackKey(a.data), a.data);
  }
  return acks;
}

/** True when every one of the list's `count` entries has a final ack. */
export function complete(acks: Map<string, Ack>, count: number): boolean {
  let n = 0;
  for (const a of acks.values()) if (FINAL.has(a.status)) n++;
  return n >= count;
}

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
    await this.target.writeText(`${this.dir}ack.jsonl`, `${lines.join('\n')}\n`);
  }
}

/** Grants of one system a revoker acknowledged as changed: revocations and restores applied (by finding id). */
export interface Applied {
  revoked: Set<string>;
  restored: Set<string>;
}

/**
 * What the revokers of a system acknowledged as applied (status `applied`), from every list's
 * `ack.jsonl` under `<system>/` in the lists' target; with `until`, only acks made on or before that
 * day. A held list is never applied, and `already_absent` is not a revocation lapse made.
 */
export async function appliedAcks(target: Lake, system: string, until?: string): Promise<Applied> {
  const out: Applied = { revoked: new Set(), restored: new Set() };
  for (const list of (await findLists(target, system)).lists) {
    const man = list.manifest;
    if (!man || list.error || man.held) continue;
    for (const a of (await readAcks(target, list.dir)).values()) {
      if (a.status !== 'applied' || (until !== undefined && a.at.slice(0, 10) > until)) continue;
      (man.kind === 'revocations' ? out.revoked : out.restored).add(a.finding_id);
    }
  }
  return out;
}
