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
 * or a glob. Sorted, so every run sees the same order. A file or directory that does not exist is an
 * error (a typo must not look like a quiet day); a glob matching nothing is just a day without files.
 */
export async function expandPath(path: string): Promise<LocalFile[]> {
  let paths: string[];
  if (isDynamicPattern(path)) {
    paths = await glob(path, { absolute: true, onlyFiles: true });
  } else {
    const st = await stat(path).catch(() => undefined);
    if (!st) throw new SourceError(`log path ${path} does not exist`);
    paths = st.isDirectory() ? await glob('**/*', { cwd: path, absolute: true, onlyFiles: true }) : [path];
  }
  const files = await Promise.all(
    paths.sort().map(async (p) => {
      const st = await stat(p);
      return { path: p, size: st.size, mtime_ms: Math.trunc(st.mtimeMs) };
    }),
  );
  return files;
}
