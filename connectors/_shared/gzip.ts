import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** zlib inflates on libuv's thread pool (4 threads by default): more checks at once only queue. */
const CONCURRENCY = 4;

/**
 * The `.gz` files among `files` whose gzip stream is broken (not gzip, cut short, bad checksum), with
 * the error. DuckDB reads a truncated gzip as the records before the cut without a word, so every `.gz`
 * is inflated to its end here first; a broken one is quarantined whole, never half-read.
 */
export async function brokenGzip(files: string[]): Promise<Map<string, string>> {
  const gz = files.filter((f) => f.toLowerCase().endsWith('.gz'));
  const out = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < gz.length) {
      const file = gz[next++]!;
      const error = await gzipError(file);
      if (error !== undefined) out.set(file, error);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, gz.length) }, worker));
  return out;
}

async function gzipError(file: string): Promise<string | undefined> {
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  try {
    await pipeline(createReadStream(file), createGunzip(), discard);
    return undefined;
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    return code?.startsWith('Z_') ? `corrupt gzip: ${message}` : message;
  }
}
