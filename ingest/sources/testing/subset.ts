/**
 * The part of a vendor's OpenAPI description that a client uses: the named operations and every
 * component they reference, transitively. Pure, so the vendoring script and a test share it.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

export function subsetSpec(whole: Obj, operations: readonly string[], note: Obj): Obj {
  const full = cleaned(whole) as Obj;
  const paths = full['paths'] as Record<string, Obj>;
  const components = (full['components'] ?? {}) as Record<string, Obj>;
  const outPaths: Record<string, Obj> = {};
  for (const op of operations) {
    const [method, path] = op.split(' ') as [string, string];
    const item = paths[path]?.[method.toLowerCase()];
    if (!item) throw new Error(`${op}: not in the OpenAPI description`);
    // Path-level parameters apply to every method of the path.
    const shared = paths[path]?.['parameters'];
    outPaths[path] = { ...(outPaths[path] ?? {}), ...(shared ? { parameters: shared } : {}), [method.toLowerCase()]: item };
  }
  const wanted = new Map<string, Set<string>>();
  const queue: Json[] = [outPaths, (components['securitySchemes'] ?? null) as Json];
  while (queue.length) {
    const node = queue.pop();
    if (Array.isArray(node)) queue.push(...node);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          const m = /^#\/components\/([^/]+)\/(.+)$/.exec(v);
          if (!m) throw new Error(`unexpected $ref ${v}`);
          const [, kind, name] = m as unknown as [string, string, string];
          const names = wanted.get(kind) ?? wanted.set(kind, new Set()).get(kind)!;
          if (!names.has(name)) {
            names.add(name);
            const target = components[kind]?.[name];
            if (target === undefined) throw new Error(`${v}: not in the OpenAPI description`);
            queue.push(target);
          }
        } else queue.push(v);
      }
    }
  }
  const outComponents: Obj = {};
  for (const [kind, names] of [...wanted].sort()) {
    outComponents[kind] = Object.fromEntries([...names].sort().map((n) => [n, components[kind]![n]!]));
  }
  if (components['securitySchemes']) outComponents['securitySchemes'] = components['securitySchemes'];
  return {
    openapi: full['openapi']!,
    info: full['info']!,
    'x-lapse-vendored': { ...note, operations: [...operations] },
    ...(full['servers'] ? { servers: full['servers'] } : {}),
    paths: outPaths,
    components: outComponents,
  };
}

/**
 * Two quirks of the vendors' descriptions that a JSON Schema validator refuses: examples are dropped (they
 * are not checked, and Okta's "noExamples" description still refers to some it left out), and an `enum`
 * listing a value twice (Okta's `encryptionAlgorithm`) keeps each value once.
 */
function cleaned(node: Json): Json {
  if (Array.isArray(node)) return node.map(cleaned);
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node['oneOf']) && isMapping(node['discriminator'])) return byDiscriminator(node);
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => k !== 'examples' && k !== 'example')
      .map(([k, v]) => [k, k === 'enum' && Array.isArray(v) ? [...new Map(v.map((x) => [JSON.stringify(x), x])).values()] : cleaned(v)]),
  );
}

type Discriminator = { propertyName: string; mapping: Record<string, string> };
const isMapping = (d: Json | undefined): d is Discriminator =>
  !!d && typeof d === 'object' && !Array.isArray(d) && typeof d['propertyName'] === 'string' && !!d['mapping'] && typeof d['mapping'] === 'object';

/**
 * A `oneOf` with a discriminator mapping, as OpenAPI means it: the tag picks the one schema to check.
 * JSON Schema's oneOf alone would refuse a value several branches accept (Okta's apps: a bookmark app
 * also passes as an auto-login app), so each mapping becomes an if/then on the tag.
 */
function byDiscriminator(node: Obj): Json {
  const { propertyName, mapping } = node['discriminator'] as Discriminator;
  const rest = Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'oneOf' && k !== 'discriminator'));
  return cleaned({
    ...rest,
    type: 'object',
    required: [propertyName],
    properties: { [propertyName]: { enum: Object.keys(mapping) } },
    allOf: Object.entries(mapping).map(([tag, ref]) => ({
      if: { properties: { [propertyName]: { const: tag } }, required: [propertyName] },
      then: { $ref: ref },
    })),
  });
}
