/**
 * Taking the part of a vendor's published OpenAPI description that a client uses: the operations it
 * calls, and everything they reference through `$ref`, transitively. Pure, so a vendoring script
 * (vendor.ts) and the test that the committed subset is current share it. Each vendored description
 * (actions/jira/openapi/, actions/notify/openapi/) builds its subset from these pieces.
 *
 * The vendoring scripts are built (`node dist/...`): importing this module compiles it too.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

/** Where a subset came from: the source, and the sha256 of the full description's text. */
export interface Provenance {
  source: string;
  sha256: string;
}

/** The `x-lapse-vendored` block a subset carries: a note, its provenance, and what it keeps (e.g. `operations`). */
export function vendoredBlock(note: string, provenance: Provenance, kept: Record<string, readonly string[]>): Obj {
  return { note, source: provenance.source, sha256: provenance.sha256, ...Object.fromEntries(Object.entries(kept).map(([k, v]) => [k, [...v]])) };
}

/** The path items holding just the named operations (`METHOD /path`), with their path's shared parameters. */
export function pickOperations(paths: Record<string, Obj>, operations: readonly string[]): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const op of operations) {
    const [method, path] = op.split(' ') as [string, string];
    const item = paths[path]?.[method.toLowerCase()];
    if (!item) throw new Error(`${op}: not in the OpenAPI description`);
    // Path-level parameters apply to every method of the path.
    const shared = paths[path]?.['parameters'];
    out[path] = { ...(out[path] ?? {}), ...(shared ? { parameters: shared } : {}), [method.toLowerCase()]: item };
  }
  return out;
}

/**
 * The names of everything `roots` reach through `$ref`s into `table`, transitively; every `$ref` met
 * must be `${prefix}<name>` (e.g. `#/definitions/`), and every name must be in `table`. A name with a
 * slash is a path: with the prefix `#/components/`, `schemas/Error` is `table.schemas.Error`.
 */
export function referenced(roots: Json[], table: Obj, prefix: string): Set<string> {
  const names = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const node = queue.pop();
    if (Array.isArray(node)) queue.push(...node);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k !== '$ref' || typeof v !== 'string') queue.push(v);
        else if (!v.startsWith(prefix)) throw new Error(`unexpected $ref ${v}`);
        else if (!names.has(v.slice(prefix.length))) {
          const name = v.slice(prefix.length);
          const target = name.split('/').reduce<Json | undefined>((node, step) => (node && typeof node === 'object' && !Array.isArray(node) ? node[step] : undefined), table);
          if (target === undefined) throw new Error(`${v}: not in the OpenAPI description`);
          names.add(name);
          queue.push(target);
        }
      }
    }
  }
  return names;
}

/** `$ref`s to each of `names` under `prefix`, as roots for `referenced` (schemas kept besides the referenced ones). */
export const refsTo = (prefix: string, names: readonly string[]): Json[] => names.map((n) => ({ $ref: `${prefix}${n}` }));

/** The entries of `table` named, in name order. */
export const pick = (table: Obj, names: Iterable<string>): Obj => Object.fromEntries([...names].sort().map((n) => [n, table[n]!]));
