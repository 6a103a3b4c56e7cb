import { existsSync, readFileSync } from 'node:fs';

/** lapse's version from its package.json (beside core/ in the source tree, two levels up in dist/). */
export function lapseVersion(): string {
  const file = ['../package.json', '../../package.json'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'unknown';
}
