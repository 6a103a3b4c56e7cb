import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '../../core/hash.js';
import type { Obj } from './subset.js';

/**
 * The body of a vendoring script: reads a vendor's full description (`input`), writes the subset `make`
 * takes of it to `out` (the committed file, relative to the repository root) and says so.
 */
export function vendor(input: string, out: string, make: (whole: Obj, sha256: string) => Obj, parse = (text: string) => JSON.parse(text) as Obj): void {
  const text = readFileSync(input, 'utf8');
  const subset = make(parse(text), sha256(text));
  writeFileSync(out, `${JSON.stringify(subset, null, 1)}\n`);
  process.stdout.write(`wrote ${out} (${Object.keys(subset['paths'] as object).length} paths)\n`);
}
