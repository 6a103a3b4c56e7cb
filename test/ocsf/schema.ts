import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A validator for OCSF records, resolved from the schema *source* (../shared/contracts/ocsf-schema-1.6.0/):
 * a class extends its parents up to base_event, `$include`s profiles, takes each attribute's type and enum
 * from dictionary.json; objects (objects/<name>.json) may extend objects. A record is checked for required
 * attributes, types (and the regex, range or length a derived type sets), enums, sibling captions,
 * `at_least_one`/`just_one` constraints, and attributes the class or object does not define. Profile
 * attributes count only when `metadata.profiles` names the profile. Test code: the shipped mapper never reads it.
 */

export const OCSF_DIR = new URL('../../../shared/contracts/ocsf-schema-1.6.0/', import.meta.url).pathname;
export const hasOcsf = existsSync(join(OCSF_DIR, 'dictionary.json'));

type Json = Record<string, unknown>;

interface Attr {
  type: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, { caption?: string }>;
  sibling?: string;
  /** The profile this attribute comes from (null or absent: always allowed). */
  profile?: string | null;
}

interface Shape {
  name: string;
  attributes: Record<string, Attr>;
  constraints: { at_least_one?: string[]; just_one?: string[] };
}

interface TypeDef {
  type?: string;
  regex?: string;
  max_len?: number;
  range?: [number, number];
  values?: unknown[];
}

export interface ResolvedClass extends Shape {
  class_uid: number;
  category_uid: number;
  caption: string;
  category_caption: string;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: `over` wins, objects merge key by key (so enums union, as the OCSF compiler does). */
function merge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

export class OcsfSchema {
  private readonly dictionary: Record<string, Json>;
  private readonly types: Record<string, TypeDef>;
  private readonly objects = new Map<string, Json>();
  private readonly events = new Map<string, Json>();
  private readonly categories: Record<string, { uid: number; caption: string }>;
  private readonly shapes = new Map<string, Shape>();

  constructor(private readonly root = OCSF_DIR) {
    const dict = this.json('dictionary.json');
    this.dictionary = dict['attributes'] as Record<string, Json>;
    this.types = (dict['types'] as Json)['attributes'] as Record<string, TypeDef>;
    this.categories = this.json('categories.json')['attributes'] as typeof this.categories;
    for (const f of readdirSync(join(root, 'objects'))) this.index(this.objects, this.json(`objects/${f}`));
    for (const f of readdirSync(join(root, 'events'), { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.json')) this.index(this.events, this.json(`events/${f}`));
    }
  }

  get version(): string {
    return this.json('version.json')['version'] as string;
  }

  private json(file: string): Json {
    return JSON.parse(readFileSync(join(this.root, file), 'utf8')) as Json;
  }

  private index(map: Map<string, Json>, def: Json): void {
    map.set(def['name'] as string, def);
  }

  /** A class by name (`iam_analysis_finding`), its parents, includes and dictionary types resolved. */
  resolveClass(name: string): ResolvedClass {
    const def = this.events.get(name);
    if (!def) throw new Error(`OCSF: no event class ${name}`);
    const chain = this.chain(this.events, name);
    const categoryName = chain.map((d) => d['category'] as string | undefined).find((c) => c && c !== 'other');
    const category = categoryName ? this.categories[categoryName] : undefined;
    if (!category || typeof def['uid'] !== 'number') throw new Error(`OCSF: ${name} is not a concrete class`);
    return {
      ...this.shape(this.events, name),
      class_uid: category.uid * 1000 + def['uid'],
      category_uid: category.uid,
      caption: def['caption'] as string,
      category_caption: category.caption,
    };
  }

  /** An object by name (`user`), its parents resolved. */
  resolveObject(name: string): Shape {
    if (!this.objects.has(name)) throw new Error(`OCSF: no object ${name}`);
    return this.shape(this.objects, name);
  }

  /** From the root ancestor down to `name`. */
  private chain(map: Map<string, Json>, name: string): Json[] {
    const out: Json[] = [];
    for (let n: string | undefined = name; n; n = out[0]!['extends'] as string | undefined) {
      const def = map.get(n);
      if (!def) throw new Error(`OCSF: ${name} extends unknown ${n}`);
      out.unshift(def);
    }
    return out;
  }

  private shape(map: Map<string, Json>, name: string): Shape {
    const key = `${map === this.events ? 'class' : 'object'}:${name}`;
    const cached = this.shapes.get(key);
    if (cached) return cached;
    let attrs: Json = {};
    let constraints: Shape['constraints'] = {};
    for (const def of this.chain(map, name)) {
      const own = { ...(def['attributes'] as Json | undefined) };
      for (const file of (own['$include'] as string[] | undefined) ?? []) attrs = merge(attrs, this.included(file)) as Json;
      delete own['$include'];
      attrs = merge(attrs, own) as Json;
      if (def['constraints']) constraints = def['constraints'] as Shape['constraints'];
    }
    const attributes: Record<string, Attr> = {};
    for (const [a, spec] of Object.entries(attrs)) {
      const entry = this.dictionary[a];
      if (!entry) throw new Error(`OCSF: ${name}.${a} is not in the dictionary`);
      attributes[a] = merge(entry, spec) as unknown as Attr;
    }
    const shape = { name, attributes, constraints };
    this.shapes.set(key, shape);
    return shape;
  }

  /** A profile's attributes, each marked with the profile it comes from. */
  private included(file: string): Json {
    const profile = this.json(file);
    const marked = Object.entries(profile['attributes'] as Json).map(([k, v]) => [k, merge({ profile: profile['name'] }, v)]);
    return Object.fromEntries(marked);
  }

  /** Every problem with `record` as an event of class `className`, each naming its path. */
  validate(record: unknown, className: string): string[] {
    const cls = this.resolveClass(className);
    if (!isObj(record)) return ['record: not a JSON object'];
    const profiles = new Set(isObj(record['metadata']) && Array.isArray(record['metadata']['profiles']) ? (record['metadata']['profiles'] as string[]) : []);
    const errors: string[] = [];
    const expect = (attr: string, want: unknown) => {
      if (record[attr] !== undefined && record[attr] !== want) errors.push(`${attr}: ${JSON.stringify(record[attr])}, expected ${JSON.stringify(want)}`);
    };
    expect('class_uid', cls.class_uid);
    expect('category_uid', cls.category_uid);
    expect('class_name', cls.caption);
    expect('category_name', cls.category_caption);
    if (typeof record['activity_id'] === 'number') expect('type_uid', cls.class_uid * 100 + record['activity_id']);
    const special = new Set(['class_uid', 'category_uid', 'type_uid', 'class_name', 'category_name', 'type_name']);
    this.check(cls, record, '', profiles, errors, special);
    return errors;
  }

  private check(shape: Shape, value: Json, path: string, profiles: Set<string>, errors: string[], skipEnum = new Set<string>()): void {
    const at = (a: string) => (path ? `${path}.${a}` : a);
    for (const [a, attr] of Object.entries(shape.attributes)) {
      const present = value[a] !== undefined && value[a] !== null;
      const applies = !attr.profile || profiles.has(attr.profile);
      if (attr.requirement === 'required' && applies && !present) errors.push(`${at(a)}: required by ${shape.name}, missing`);
    }
    for (const [k, v] of Object.entries(value)) {
      const attr = shape.attributes[k];
      if (!attr || (attr.profile && !profiles.has(attr.profile))) {
        errors.push(`${at(k)}: not an attribute of ${shape.name}${attr?.profile ? ` without the ${attr.profile} profile` : ''}`);
        continue;
      }
      if (v === null) {
        errors.push(`${at(k)}: null (omit an attribute that has no value)`);
        continue;
      }
      this.checkValue(attr, v, at(k), profiles, errors, skipEnum.has(k));
      this.checkSibling(attr, value, k, at(k), errors);
    }
    this.checkConstraints(shape, value, path, errors);
  }

  private checkValue(attr: Attr, v: unknown, path: string, profiles: Set<string>, errors: string[], skipEnum: boolean): void {
    if (attr.is_array) {
      if (!Array.isArray(v)) return void errors.push(`${path}: expected an array of ${attr.type}`);
      v.forEach((item, i) => this.checkValue({ ...attr, is_array: false }, item, `${path}[${i}]`, profiles, errors, skipEnum));
      return;
    }
    if (attr.enum && !skipEnum && !(String(v) in attr.enum)) {
      errors.push(`${path}: ${JSON.stringify(v)} is not one of the enum values ${Object.keys(attr.enum).join(', ')}`);
    }
    if (this.types[attr.type] || !this.objects.has(attr.type)) return this.checkScalar(attr.type, v, path, errors);
    if (!isObj(v)) return void errors.push(`${path}: expected a ${attr.type} object`);
    if (attr.type === 'object') return; // free-form (unmapped)
    this.check(this.resolveObject(attr.type), v, path, profiles, errors);
  }

  private checkScalar(type: string, v: unknown, path: string, errors: string[]): void {
    const def = this.types[type];
    if (!def) return void errors.push(`${path}: unknown type ${type}`);
    const base = this.baseType(type);
    const bad = (what: string) => errors.push(`${path}: ${JSON.stringify(v)} is not ${what} (${type})`);
    if (base === 'string_t' && typeof v !== 'string') return void bad('a string');
    if ((base === 'integer_t' || base === 'long_t') && !Number.isInteger(v)) return void bad('an integer');
    if (base === 'integer_t' && Math.abs(v as number) > 2 ** 31) return void bad('a 32-bit integer');
    if (base === 'float_t' && typeof v !== 'number') return void bad('a number');
    if (base === 'boolean_t' && typeof v !== 'boolean') return void bad('a boolean');
    if (def.regex && !new RegExp(def.regex).test(v as string)) bad(`matching ${def.regex}`);
    if (def.max_len && (v as string).length > def.max_len) bad(`at most ${def.max_len} characters`);
    if (def.range && ((v as number) < def.range[0] || (v as number) > def.range[1])) bad(`in ${def.range.join('..')}`);
  }

  private baseType(type: string): string {
    let t = type;
    while (this.types[t]?.type) t = this.types[t]!.type!;
    return t;
  }

  /** `severity` must be the caption of `severity_id` (unless the id is Other, 99). */
  private checkSibling(attr: Attr, value: Json, key: string, path: string, errors: string[]): void {
    if (!attr.sibling || !attr.enum || value[key] === 99 || value[attr.sibling] === undefined) return;
    const caption = attr.enum[String(value[key])]?.caption;
    if (caption !== undefined && value[attr.sibling] !== caption) {
      errors.push(`${path.replace(/[^.]+$/, attr.sibling)}: ${JSON.stringify(value[attr.sibling])}, expected ${JSON.stringify(caption)} (the caption of ${key} ${String(value[key])})`);
    }
  }

  private checkConstraints(shape: Shape, value: Json, path: string, errors: string[]): void {
    const here = path || shape.name;
    const count = (names: string[]) => names.filter((n) => value[n] !== undefined && value[n] !== null).length;
    const { at_least_one, just_one } = shape.constraints;
    if (at_least_one && count(at_least_one) === 0) errors.push(`${here}: needs at least one of ${at_least_one.join(', ')}`);
    if (just_one && count(just_one) !== 1) errors.push(`${here}: needs exactly one of ${just_one.join(', ')}`);
  }
}
