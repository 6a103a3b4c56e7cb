import type { Logger } from '../core/log.js';
import type { Lake } from '../core/store.js';
import { before, complete, FINAL, findLists, latestKey, readAcks, readVerified, type Ack, type FoundList, type ListItem, type Manifest } from '../lists/index.js';
import { AckWriter } from './acks.js';
import { FailureWatch, runEntry } from './exec.js';

export interface RevokerOptions {
  system: string;
  /** The command, already split: program, then arguments. */
  argv: string[];
  timeoutMs: number;
  concurrency: number;
  /** Rewrite ack.jsonl after this many outcomes (1: after every entry). */
  ackEvery: number;
  log: Logger;
  /** Once aborted (SIGTERM), no new entry starts: running ones finish and are acked, the rest wait for the next start. */
  signal?: AbortSignal;
  /** Give up when this many entries, from the first, all failed the same way (default GIVE_UP_AFTER). */
  giveUpAfter?: number;
}

export type ListState = 'applied' | 'held' | 'refused' | 'superseded' | 'unpublished';

/** What the revoker did with one list (lists already fully acknowledged are only counted). */
export interface ListReport {
  dir: string;
  kind: Manifest['kind'] | null;
  state: ListState;
  detail: string;
  applied: number;
  already: number;
  failed: number;
  skipped: number;
  /** Entries acknowledged by an earlier run, not run again. */
  done_before: number;
  /** Entries not started because the worker was asked to stop (or gave up). */
  left: number;
  /** Failed entries by their detail (the command's exit and the end of its output). */
  failures: Record<string, number>;
}

export interface RevokerReport {
  system: string;
  lists: ListReport[];
  /** Lists whose ack.jsonl was already complete. */
  acknowledged: number;
  /** True when the worker was asked to stop (signal): what it did not reach waits for the next start. */
  stopped: boolean;
  /** Set when the first entries all failed the same way and the worker started no more (see FailureWatch). */
  gave_up?: { reason: string; entries: number };
}

/**
 * Applies every list of one system that is not fully acknowledged, oldest first: restore requests, and
 * the revocation list latest.json names (older revocation lists are superseded by it: each list holds
 * every grant revocable on its day, so only the newest one is still true). Refuses, and reports, a
 * manifest for another system, a list that does not match its manifest, and a held list.
 */
export async function runRevoker(target: Lake, o: RevokerOptions): Promise<RevokerReport> {
  const log = o.log.child({ component: 'revoker', system: o.system });
  const { latest, latestError, lists } = await findLists(target, o.system);
  const report: RevokerReport = { system: o.system, lists: [], acknowledged: 0, stopped: false };
  const watch = new FailureWatch(o.giveUpAfter);
  const run = { ...o, signal: o.signal ? AbortSignal.any([o.signal, watch.signal]) : watch.signal };
  if (latestError) report.lists.push(blank(latestKey(o.system), null, 'refused', latestError));
  const latestList = lists.find((l) => l.dir === latest);
  if (latest && !latestList) report.lists.push(blank(latestKey(o.system), null, 'refused', `names ${latest}manifest.json, which is missing`));
  for (const found of lists) {
    if (run.signal.aborted) break;
    const r = await handle(target, found, latestList, run, watch, log);
    if (r) report.lists.push(r);
    else report.acknowledged++;
  }
  report.stopped = !!o.signal?.aborted;
  const gaveUp = watch.gaveUp();
  if (gaveUp) report.gave_up = gaveUp;
  return report;
}

async function handle(
  target: Lake, found: FoundList, latest: FoundList | undefined, o: RevokerOptions, watch: FailureWatch, log: Logger,
): Promise<ListReport | null> {
  const man = found.manifest;
  if (!man || found.error) return refuse(found.dir, man?.kind ?? null, found.error ?? 'unreadable manifest', log);
  // A held list is never applied: its entries are for review only. It is reported while it is the newest word on the system.
  if (man.held) return found === latest ? blank(found.dir, man.kind, 'held', `held by lapse: ${man.held_reason ?? 'no reason given'}; ${man.count} entries for review only, none applied`) : null;
  const acks = await readAcks(target, found.dir);
  if (complete(acks, man.count)) return null;
  let superseded = false;
  if (man.kind === 'revocations' && found !== latest) {
    if (!latest || !before(found, latest)) {
      return blank(found.dir, man.kind, 'unpublished', 'latest.json does not name it yet (the run writing it has not finished)');
    }
    superseded = true;
  }
  const verified = await readVerified(target, found.dir, man);
  if ('refused' in verified) return refuse(found.dir, man.kind, verified.refused, log);
  const writer = new AckWriter(target, found.dir, verified.items.map((i) => i.key), acks, o.ackEvery);
  const r = blank(found.dir, man.kind, superseded ? 'superseded' : 'applied', superseded ? `superseded by ${latest!.dir}` : '');
  const todo = verified.items.filter((i) => {
    const prev = acks.get(i.key);
    if (prev && FINAL.has(prev.status)) r.done_before++;
    return !(prev && FINAL.has(prev.status));
  });
  r.left = todo.length;
  await pool(todo, o.concurrency, o.signal, async (item) => {
    r.left--;
    const { ack, already } = superseded ? { ack: skip(item, writer, latest!.dir), already: false } : await apply(item, man, writer, o, log);
    if (already) r.already++;
    else if (ack.status === 'applied') r.applied++;
    else if (ack.status === 'failed') r.failed++;
    else r.skipped++;
    if (ack.status === 'failed') r.failures[ack.detail] = (r.failures[ack.detail] ?? 0) + 1;
    if (!superseded) watch.record(ack.status === 'failed', ack.detail);
    await writer.record(ack);
  });
  await writer.flush();
  log.info({ list: found.dir, kind: man.kind, state: r.state, applied: r.applied, already: r.already, failed: r.failed, skipped: r.skipped }, 'list done');
  return r;
}

async function apply(item: ListItem, man: Manifest, writer: AckWriter, o: RevokerOptions, log: Logger): Promise<{ ack: Ack; already: boolean }> {
  const action = man.kind === 'revocations' ? 'revoke' : 'restore';
  const env = { LAPSE_ACTION: action, LAPSE_SYSTEM: man.system, LAPSE_RUN_ID: man.run_id, LAPSE_ENTRY_ID: item.key };
  const res = await runEntry(o.argv, `${item.line}\n`, env, o.timeoutMs);
  const status: Ack['status'] =
    res.outcome === 'failed' ? 'failed'
    : res.outcome === 'done' ? 'applied'
    : action === 'revoke' ? 'already_absent'
    : 'applied'; // the ack statuses have no "already present": a restore that found the grant there is applied
  const detail = res.outcome === 'already' && action === 'restore' ? `already present${res.detail ? `: ${res.detail}` : ''}` : res.detail;
  if (status === 'failed') log.warn({ list: man.run_id, entry: item.key, detail }, 'entry failed');
  else log.debug({ list: man.run_id, entry: item.key, status }, 'entry done');
  return { ack: ack(item, status, detail, writer), already: res.outcome === 'already' };
}

function skip(item: ListItem, writer: AckWriter, by: string): Ack {
  return ack(item, 'skipped', `superseded by ${by}: not applied`, writer);
}

function ack(item: ListItem, status: Ack['status'], detail: string, writer: AckWriter): Ack {
  const attempts = (writer.previous(item.key)?.attempts ?? 0) + 1;
  return {
    finding_id: item.finding_id,
    ...(item.restore_id !== null && { restore_id: item.restore_id }),
    status,
    detail,
    attempts,
    at: new Date().toISOString(),
  };
}

function refuse(dir: string, kind: Manifest['kind'] | null, detail: string, log: Logger): ListReport {
  log.error({ list: dir, detail }, 'list refused');
  return blank(dir, kind, 'refused', detail);
}

function blank(dir: string, kind: Manifest['kind'] | null, state: ListState, detail: string): ListReport {
  return { dir, kind, state, detail, applied: 0, already: 0, failed: 0, skipped: 0, done_before: 0, left: 0, failures: {} };
}

/** Runs `fn` over `items` with at most `n` at a time, in list order; starts none once `signal` is aborted. */
async function pool<T>(items: T[], n: number, signal: AbortSignal | undefined, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
