import { createReadStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { createGunzip, gunzipSync } from 'node:zlib';

/** zlib inflates on libuv's thread pool (4 threads by default): more checks at once only queue. */
const CONCURRENCY = 4;
/**
 * Files up to this size are inflated in one call on the main thread: a stream costs about 1 ms a file
 * beyond the inflating (1,000 CloudTrail files of ~4 KB: 1.0 s streamed, 0.08 s inflated in one call each).
 */
const SYNC_BYTES = 1 * 2 ** 20;
/** Small files inflated between two turns of the event loop. */
const SYNC_CHUNK = 64;

/**
 * The `.gz` files among `files` whose gzip stream is broken (not gzip, cut short, bad checksum), with
 * the error. DuckDB reads a truncated gzip as the records before the cut without a word, so every `.gz`
 * is inflated to its end here first; a broken one is quarantined whole, never half-read.
 */
export async function brokenGzip(files: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const gz: string[] = [];
  let small = 0;
  for (const file of files) {
    if (!file.toLowerCase().endsWith('.gz')) continue;
    if (sizeOf(file) > SYNC_BYTES) gz.push(file);
    else {
      if (++small % SYNC_CHUNK === 0) await setImmediate();
      const error = gzipErrorSync(file);
      if (error !== undefined) out.set(file, error);
    }
  }
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

/** A file's size; 0 when it cannot be stat'ed (its read then names the error). */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function gzipErrorSync(file: string): string | undefined {
  try {
    gunzipSync(readFileSync(file));
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}

function errorText(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  return code?.startsWith('Z_') ? `corrupt gzip: ${message}` : message;
}

async function gzipError(file: string): Promise<string | undefined> {
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  try {
    await pipeline(createReadStream(file), createGunzip(), discard);
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
