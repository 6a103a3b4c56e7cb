import { isAbsolute, resolve, sep } from 'node:path';
import { z } from 'zod';

/**
 * Paths and URIs in the config, and which of them lapse writes. A field made by `inputPath`,
 * `outputDir` or `outputLocation` is registered with its role, so the config loader finds every
 * output (core's and any plugin's) without knowing the plugins, and refuses outputs that overlap each
 * other or an input: a ticket preview replacing its directory must never reach a revocation list, and
 * an ingest must never read lapse's own output as logs.
 */

export type LocationRole = 'input' | 'output';
export const locationRoles = z.registry<{ role: LocationRole }>();

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const S3 = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/** Problems common to every path or URI: empty, blank, or holding control characters. */
function checkText(value: string, ctx: z.core.$RefinementCtx<string>): boolean {
  if (value.trim() === '') {
    ctx.addIssue({ code: 'custom', message: 'is empty: give a path (relative to the config file) or a URI' });
    return false;
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'holds control characters (a line break, a tab, a NUL byte)' });
    return false;
  }
  return true;
}

/** A local path: a file, a directory or (for logs) a glob. */
function localPath(kind: string) {
  return z.string().superRefine((value, ctx) => {
    if (!checkText(value, ctx)) return;
    const scheme = SCHEME.exec(value)?.[1];
    if (scheme) ctx.addIssue({ code: 'custom', message: `${scheme}:// is not supported here: give a local ${kind}` });
  });
}

/** A local directory or `s3://bucket/prefix`. */
function localOrS3() {
  return z.string().superRefine((value, ctx) => {
    if (!checkText(value, ctx)) return;
    const scheme = SCHEME.exec(value)?.[1];
    if (!scheme) return;
    if (scheme.toLowerCase() !== 's3') {
      ctx.addIssue({ code: 'custom', message: `${scheme}:// is not supported: give a local directory or s3://bucket/prefix` });
    } else if (!S3.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected s3://bucket/prefix (a bucket name as S3 allows it)' });
    }
  });
}

/** `s3://bucket` or `s3://bucket/prefix`: a bucket name as S3 allows it, then any key prefix. */
export const S3Uri = z.string().regex(S3, 'expected s3://bucket/prefix');

/** A local file, directory or glob lapse reads. */
export const inputPath = (what: string, kind = 'file') => localPath(kind).describe(what).register(locationRoles, { role: 'input' });

/** An S3 prefix lapse reads. */
export const inputS3 = (what: string) => S3Uri.describe(what).register(locationRoles, { role: 'input' });

/** A local directory lapse writes (and may replace). */
export const outputDir = (what: string) => localPath('directory').describe(what).register(locationRoles, { role: 'output' });

/** A local directory or S3 prefix lapse writes. */
export const outputLocation = (what: string) => localOrS3().describe(what).register(locationRoles, { role: 'output' });

export interface Location {
  path: PropertyKey[];
  role: LocationRole;
  value: string;
}

/** Every registered location in `data`, walked beside the schema that parsed it. */
export function locationsOf(schema: z.ZodType, data: unknown, path: PropertyKey[] = []): Location[] {
  const meta = locationRoles.get(schema);
  if (meta && typeof data === 'string') return [{ path, role: meta.role, value: data }];
  if (data === undefined || data === null) return [];
  const def = (schema as z.ZodType)._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'nonoptional': case 'readonly': case 'catch':
      return locationsOf(def['innerType'] as z.ZodType, data, path);
    case 'pipe':
      return locationsOf(def['in'] as z.ZodType, data, path);
    case 'object': {
      const shape = def['shape'] as Record<string, z.ZodType>;
      const obj = data as Record<string, unknown>;
      return Object.entries(shape).flatMap(([k, s]) => locationsOf(s, obj[k], [...path, k]));
    }
    case 'array':
      return (data as unknown[]).flatMap((item, i) => locationsOf(def['element'] as z.ZodType, item, [...path, i]));
    case 'record':
      return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => locationsOf(def['valueType'] as z.ZodType, v, [...path, k]));
    case 'union': {
      const option = (def['options'] as z.ZodType[]).find((o) => o.safeParse(data).success);
      return option ? locationsOf(option, data, path) : [];
    }
    default:
      return [];
  }
}

/** `actions[1].target`: how errors name a field. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

/** A location as path segments: `s3:bucket/a/b` or the resolved local directories; a glob stops at its first wildcard. */
function segments(value: string, baseDir: string): string[] {
  if (value.toLowerCase().startsWith('s3://')) {
    const [bucket, ...prefix] = value.slice(5).split('/');
    return [`s3:${bucket}`, ...prefix.filter(Boolean)];
  }
  const full = isAbsolute(value) ? resolve(value) : resolve(baseDir, value);
  const parts = full.split(sep).filter(Boolean);
  const wild = parts.findIndex((p) => /[*?[\]{}()!]/.test(p));
  return ['file:', ...(wild < 0 ? parts : parts.slice(0, wild))];
}

const within = (outer: string[], inner: string[]) => outer.length <= inner.length && outer.every((s, i) => inner[i] === s);

/** One message per pair of locations that overlap where one of them is an output; inputs may share folders. */
export function overlaps(locations: Location[], baseDir: string): { path: PropertyKey[]; message: string }[] {
  const all = locations.map((l) => ({ ...l, segs: segments(l.value, baseDir), name: fieldName(l.path) }));
  const out: { path: PropertyKey[]; message: string }[] = [];
  for (const [i, a] of all.entries()) {
    for (const b of all.slice(i + 1)) {
      if (a.role === 'input' && b.role === 'input') continue;
      const aInB = within(b.segs, a.segs);
      const bInA = within(a.segs, b.segs);
      if (!aInB && !bInA) continue;
      const how = aInB && bInA ? `is the same location as ${a.name} (${a.value})` : bInA ? `is inside ${a.name} (${a.value})` : `holds ${a.name} (${a.value})`;
      const why = a.role === 'output' && b.role === 'output'
        ? 'each output needs its own location, or one would replace or read the other\'s files'
        : 'lapse would read its own output as input';
      out.push({ path: b.path, message: `${b.value} ${how}: ${why}` });
    }
  }
  return out;
}
