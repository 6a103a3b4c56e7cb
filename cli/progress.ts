import type { Progress } from '../core/context.js';

/**
 * A one-line progress bar on a terminal (stderr), redrawn in place; nothing at all when stderr is not
 * a TTY, so scheduled runs and pipes get only the JSON logs.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): ((p: Progress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let started = Date.now();
  let current = '';
  return (p) => {
    const key = `${p.stage}:${p.label}`;
    if (key !== current) {
      current = key;
      started = Date.now();
    }
    const width = 30;
    const share = p.total === 0 ? 1 : p.done / p.total;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? ` ${Math.round(p.done / seconds)} ${p.unit}/s` : '';
    stream.write(`\r${p.stage} ${p.label} ${bar} ${p.done}/${p.total} ${p.unit}${rate}\u001b[K`);
    if (p.done >= p.total) stream.write('\n');
  };
}
