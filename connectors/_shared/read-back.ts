import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/** Opens a file as text lines, un-gzipping `.gz`; a read or gzip error ends the iteration with it. */
export function lines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  if (!file.endsWith('.gz')) return createInterface({ input: raw, crlfDelay: Infinity });
  const input = createGunzip();
  // pipe() does not forward errors: a file that cannot be read must fail the reader, not hang it.
  raw.on('error', (err) => input.destroy(err));
  return createInterface({ input: raw.pipe(input), crlfDelay: Infinity });
}

/**
 * The given non-blank lines of a JSONL file, by number (DuckDB's reader skips blank lines when
 * numbering). Only called for malformed records, so its cost is paid per bad file, not per event.
 */
export async function readJsonLines(file: string, recs: number[]): Promise<Map<number, string>> {
  const wanted = new Set(recs);
  const out = new Map<number, string>();
  let n = 0;
  try {
    for await (const line of lines(file)) {
      if (line.trim() === '') continue;
      if (wanted.has(++n)) out.set(n, line);
      if (out.size === wanted.size) break;
    }
  } catch {
    // The file changed or broke since the engine read it: the records not read back keep no text.
  }
  return out;
}
