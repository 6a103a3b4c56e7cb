import { EXIT, UsageError } from '../core/errors.js';
import { openLists } from '../lists/index.js';
import { runRevoker, splitCommand, type ListReport, type RevokerReport } from '../revoker/index.js';
import type { Io } from './commands.js';
import { readConfig } from './config.js';

export interface RevokerCommandOptions {
  config: string;
  system: string;
  exec: string;
  /** Seconds one entry may take (default 60). */
  timeout?: string;
  /** Entries run at once (default 1). */
  concurrency?: string;
  /** Rewrite ack.jsonl after this many entries (default 1). */
  ackEvery?: string;
}

/**
 * `lapse revoker`: the reference revoker worker. Applies the system's pending lists from the config's
 * `revocations.target` with `--exec CMD` (see docs/revoker.md). Exit 1 when an entry failed,
 * a list was refused, or a signal stopped it before the end.
 */
export async function revokerCommand(io: Io, o: RevokerCommandOptions): Promise<number> {
  const argv = splitCommand(o.exec);
  const timeoutSecs = positiveInt('--timeout', o.timeout, 60);
  const concurrency = positiveInt('--concurrency', o.concurrency, 1);
  const ackEvery = positiveInt('--ack-every', o.ackEvery, 1);
  const config = await readConfig(o.config);
  if (!Object.hasOwn(config.systems, o.system)) {
    throw new UsageError(`--system ${o.system}: not configured in ${o.config}; configured: ${Object.keys(config.systems).join(', ')}`);
  }
  const target = openLists(config);
  if (!target) throw new UsageError(`${o.config}: no revocations.target; the revoker reads the lists there`);
  // A container being stopped gets SIGTERM: start no new entry, let running ones finish and ack them.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    io.log.warn({ signal }, 'stopping: no new entries');
    stop.abort(signal);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    io.out(`lapse revoker · system ${o.system} · lists ${target.uri} · exec ${argv.join(' ')}\n`);
    const report = await runRevoker(target, {
      system: o.system, argv, timeoutMs: timeoutSecs * 1000, concurrency, ackEvery, log: io.log, signal: stop.signal,
    });
    io.out(`${summary(report).join('\n')}\n`);
    const failed = report.stopped || report.lists.some((l) => l.failed > 0 || l.state === 'refused');
    return failed ? EXIT.failed : EXIT.ok;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await target.cleanup();
  }
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${value}: expected a whole number ≥ 1`);
  return n;
}

export function summary(r: RevokerReport): string[] {
  const lines = r.lists.map(describe);
  if (r.acknowledged) lines.push(`${r.acknowledged} list${r.acknowledged === 1 ? '' : 's'} already acknowledged`);
  if (r.lists.length === 0 && !r.stopped) lines.push('nothing to do');
  if (r.stopped) lines.push('stopped by a signal: what was not run waits for the next start');
  if (r.gave_up) {
    lines.push(
      `gave up: the first ${r.gave_up.entries} entries all failed the same way (${clip(r.gave_up.reason)}); ` +
        'the rest were not run and are not acked, so the next run retries them',
    );
  }
  lines.push(...failureReasons(r));
  const failed = r.lists.reduce((n, l) => n + l.failed, 0);
  const refused = r.lists.filter((l) => l.state === 'refused').length;
  if (failed || refused || r.stopped || r.gave_up) {
    const why = `${r.stopped ? ', stopped' : ''}${r.gave_up ? ', gave up' : ''}`;
    lines.push(`exit 1: ${failed} entr${failed === 1 ? 'y' : 'ies'} failed, ${refused} list${refused === 1 ? '' : 's'} refused${why}`);
  }
  return lines;
}

/** How many distinct failure reasons the summary shows; the ack files and the JSON log have them all. */
const SHOWN_REASONS = 3;

/** The most frequent failure reasons across the lists, with counts: why entries failed, on stdout. */
function failureReasons(r: RevokerReport): string[] {
  const counts = new Map<string, number>();
  for (const l of r.lists) for (const [reason, n] of Object.entries(l.failures)) counts.set(reason, (counts.get(reason) ?? 0) + n);
  if (counts.size === 0) return [];
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, SHOWN_REASONS);
  const more = counts.size - top.length;
  return [
    `failed entries by reason${more ? ` (the ${top.length} most frequent of ${counts.size}; all are in ack.jsonl)` : ''}:`,
    ...top.map(([reason, n]) => `${String(n).padStart(6)}  ${clip(reason)}`),
  ];
}

/** A failure detail on one summary line, its end kept as in the ack (ack.jsonl keeps up to 1000 characters). */
function clip(text: string, max = 200): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

function describe(l: ListReport): string {
  const what = `${l.dir} ${l.kind ?? ''}`.trimEnd();
  const before = `${l.done_before ? `, ${l.done_before} done before` : ''}${l.left ? `, ${l.left} left` : ''}`;
  switch (l.state) {
    case 'applied': {
      const already = l.kind === 'restores' ? 'already present' : 'already absent';
      return `${what}: ${l.applied} applied, ${l.already} ${already}, ${l.failed} failed${before}`;
    }
    case 'superseded':
      return `${what}: ${l.detail} (${l.skipped} skipped${before})`;
    case 'held':
      return `${what}: HELD — ${l.detail}`;
    case 'refused':
      return `${what}: REFUSED — ${l.detail}`;
    case 'unpublished':
      return `${what}: waiting — ${l.detail}`;
  }
}
