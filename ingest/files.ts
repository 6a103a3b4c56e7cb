import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isDynamicPattern, glob } from 'tinyglobby';
import { SourceError } from '../core/errors.js';

export interface LocalFile {
  path: string;
  size: number;
  mtime_ms: number;
}

/**
 * The files a `path:` log source names: a file, a directory (read recursively, hidden files skipped)
 * or a glob. A path that exists is taken as it is, even when its name holds glob characters (`star*.jsonl`
 * is that file, not every `star…`). Sorted, so every run sees the same order. A file or directory that
 * does not exist is an error (a typo must not look like a quiet day); a glob matching nothing is just a
 * day without files.
 */
export async function expandPath(path: string): Promise<LocalFile[]> {
  const st = await stat(path).catch(() => undefined);
  let paths: string[];
  if (st?.isDirectory()) paths = await glob('**/*', { cwd: path, absolute: true, onlyFiles: true });
  else if (st) paths = [path];
  else if (isDynamicPattern(path)) paths = await glob(path, { absolute: true, onlyFiles: true });
  else throw new SourceError(`log path ${path} does not exist`);
  // One synchronous stat per file: a promise each costs more than the system call (23k files: ~0.6 s vs ~0.1 s).
  return paths.sort().map((p) => {
    const st = statSync(p);
    return { path: p, size: st.size, mtime_ms: Math.trunc(st.mtimeMs) };
  });
}
