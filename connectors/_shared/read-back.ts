import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/** Opens a file as text lines, un-gzipping `.gz`. */
export function lines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  return createInterface({ input, crlfDelay: Infinity });
}

/**
 * The given non-blank lines of a JSONL file, by number (DuckDB's reader skips blank lines when
 * numbering). Only called for malformed records, so its cost is paid per bad file, not per event.
 */
export async function readJsonLines(file: string, recs: number[]): Promise<Map<number, string>> {
  const wanted = new Set(recs);
  const out = new Map<number, string>();
  let n = 0;
  for await (const line of lines(file)) {
    if (line.trim() === '') continue;
    if (wanted.has(++n)) out.set(n, line);
    if (out.size === wanted.size) break;
  }
  return out;
}
