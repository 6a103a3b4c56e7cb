/** Small helpers for the text people read: summaries, explanations, tickets. */

/** Human output fits this many columns (a terminal, a ticket, a code review). */
export const COLUMNS = 100;

/** `1 grant`, `2 grants`, `1,204 grants`: a count with its noun in the right number (`many` for irregular plurals). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `s` cut to `max` characters with … where the cut is, keeping more of the end (a role, a repository) than of the start. */
export function ellipsize(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  const head = Math.floor((max - 1) / 3);
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`;
}

/**
 * A line of prose broken at spaces into lines of at most `width` columns; the continuation lines are
 * indented two more than the first. A single word longer than that (a path) stays whole on its own line.
 */
export function wrap(line: string, width = COLUMNS): string[] {
  if (line.length <= width) return [line];
  const indent = ' '.repeat(line.length - line.trimStart().length + 2);
  const out: string[] = [];
  let current = line.slice(0, line.length - line.trimStart().length);
  for (const word of line.trimStart().split(' ')) {
    const blank = current.trim() === '';
    if (!blank && current.length + 1 + word.length > width) {
      out.push(current);
      current = indent + word;
    } else current = blank ? current + word : `${current} ${word}`;
  }
  out.push(current);
  return out;
}

/** Lines for a person at a terminal wrapped to COLUMNS; piped or redirected (a log, grep) each stays one line. */
export function forTerminal(lines: string[], stream: { isTTY?: boolean } = process.stdout): string[] {
  return stream.isTTY ? lines.flatMap((l) => wrap(l)) : lines;
}
