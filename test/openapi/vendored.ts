import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { sha256 } from '../../core/hash.js';
import type { Obj } from './subset.js';

/**
 * The tests every vendored subset of an OpenAPI description passes: each `$ref` in it resolves inside
 * it, and it is exactly what its vendoring script makes from the full description. The full description
 * lives outside the repository (see ../shared/contracts/README.md); where it is absent, that test skips.
 */

/** A JSON file, e.g. a committed subset. */
export const loadJson = (file: URL): Obj => JSON.parse(readFileSync(file, 'utf8')) as Obj;

/** Every `$ref` in a description. */
export function refsIn(node: unknown, refs = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) refsIn(n, refs);
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (k === '$ref' ? refs.add(String(v)) : refsIn(v, refs));
  return refs;
}

/** What a local `$ref` (`#/components/schemas/Name`) points to in `spec`, or undefined. */
export function resolveRef(spec: unknown, ref: string): unknown {
  const steps = ref.replace(/^#\//, '').split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  return steps.reduce<unknown>((node, step) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[step] : undefined), spec);
}

/** Registers the two tests; `make` is the vendoring script's subset of the full description (its text's sha256 given). */
export function vendoredSubsetTests(o: { spec: Obj; full: URL; minRefs: number; make: (whole: Obj, sha256: string) => Obj }): void {
  test('every $ref resolves inside the subset', () => {
    const refs = refsIn(o.spec);
    expect(refs.size).toBeGreaterThan(o.minRefs);
    for (const ref of refs) expect(resolveRef(o.spec, ref), ref).toBeDefined();
  });

  test.skipIf(!existsSync(o.full))('is what the vendoring script makes from the full description', () => {
    const text = readFileSync(o.full, 'utf8');
    expect(o.make(JSON.parse(text) as Obj, sha256(text))).toEqual(o.spec);
  });
}
