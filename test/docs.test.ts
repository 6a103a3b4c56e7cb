import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { buildConfigSchema } from '../cli/config.js';
import { buildProgram } from '../cli/main.js';
import { silentLogger } from '../core/log.js';

/**
 * The docs may only name what exists: files, `lapse` flags and config keys. Each test lists every
 * offender, so a renamed flag or a moved file fails here rather than in a reader's terminal.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'lapse-data', 'lapse-out']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(relative(ROOT, path));
  }
  return out;
}

const FILES = walk(ROOT);
/** Connector golden cases (`connectors/<id>/cases/`): inputs as the systems write them, not docs or code. */
const CASES = /^connectors\/[^/]+\/cases\//;
const DOCS = FILES.filter((f) => f.endsWith('.md') && !CASES.test(f) && !f.includes('/openapi/'));
const SOURCES = FILES.filter((f) => /\.(ts|mjs|js|sql|tf|yaml)$/.test(f) && !f.endsWith('.test.ts') && !CASES.test(f));
const FILE_EXT = /\.(ts|js|mjs|csv|md|json|jsonl|yaml|sql|gz|html|parquet)$/;
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** Code spans and fenced blocks: where docs name files, flags and keys. */
function codeOf(text: string): string[] {
  const fences = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const spans = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fences, ...spans];
}

const slug = (heading: string) =>
  heading.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-');

describe('docs name only what exists', () => {
  test('links to files and headings resolve', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const [, target] of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const file = path ? join(dirname(doc), path) : doc;
        if (!existsSync(join(ROOT, file))) broken.push(`${doc}: ${target} (no such file)`);
        else if (anchor && file.endsWith('.md')) {
          const headings = [...read(file).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!));
          if (!headings.includes(anchor)) broken.push(`${doc}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('every Markdown file named in docs or code is in the repository', () => {
    const names = new Set(FILES.map((f) => f.split('/').pop()));
    const missing: string[] = [];
    for (const f of [...DOCS, ...SOURCES]) {
      // A citation: an upper-case doc name (like a design doc) or a path (docs/ttl.md); not output names like index.md.
      for (const [name] of read(f).matchAll(/(?<![\w.-])(?:[A-Z][A-Z0-9_-]*|[\w.-]+\/[\w/.-]+)\.md\b/g)) {
        const base = name.split('/').pop()!;
        if (!names.has(base)) missing.push(`${f}: ${name}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  test('repository paths in code spans exist', () => {
    const top = new Set(readdirSync(ROOT));
    const missing: string[] = [];
    for (const doc of DOCS) {
      for (const code of codeOf(read(doc))) {
        for (const [path] of code.matchAll(/(?<![\w./<-])[a-z_]+\/[\w./-]*\.(?:ts|sql|md|mjs|tf|json|yaml)\b/g)) {
          if (!top.has(path.split('/')[0]!)) continue;
          if (!existsSync(join(ROOT, path)) && !existsSync(join(ROOT, dirname(doc), path))) missing.push(`${doc}: ${path}`);
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  test('every flag given to a lapse command exists on that command', () => {
    const program = buildProgram({ out: () => {}, log: silentLogger() }, () => {});
    const flags = new Map(program.commands.map((c) => [c.name(), new Set(c.options.flatMap((o) => [o.long, o.short]))]));
    const unknown: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const code of codeOf(read(doc))) {
        for (const [, command, rest] of code.matchAll(/\blapse ([a-z-]+)((?:[^\n|]|\\\|)*)/g)) {
          const known = flags.get(command!);
          if (!known) continue;
          for (const [flag] of rest!.matchAll(/(?<![\w-])--?[a-z][a-z-]*/g)) {
            checked++;
            if (!known.has(flag) && flag !== '--help') unknown.push(`${doc}: lapse ${command} ${flag}`);
          }
        }
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  test('every config key in a code span is in the schema', () => {
    const paths = configPaths();
    const tops = new Set([...paths].map((p) => p.split('.')[0]));
    const systemKeys = new Set([...paths].filter((p) => p.startsWith('systems.*.')).map((p) => p.split('.')[2]));
    const unknown: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const code of codeOf(read(doc))) {
        const key = code.trim().replace(/:.*$/, '');
        if (!/^[a-z_]+(\.(?:[a-z_]+|<[^>]+>|\*))+$/.test(key) || FILE_EXT.test(key)) continue;
        const parts = key.split('.').map((p) => (p.startsWith('<') ? '*' : p));
        const full = tops.has(parts[0]!) ? parts : systemKeys.has(parts[0]!) ? ['systems', '*', ...parts] : undefined;
        if (!full) continue;
        checked++;
        if (!paths.has(full.join('.'))) unknown.push(`${doc}: ${key}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});

type Schema = { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; oneOf?: Schema[]; anyOf?: Schema[] };

/** Every key path the config accepts, `*` for a map's names and a list's items. */
function configPaths(): Set<string> {
  const out = new Set<string>();
  const visit = (s: Schema, prefix: string[]) => {
    for (const v of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) visit(v, prefix);
    if (s.items) visit(s.items, prefix);
    if (typeof s.additionalProperties === 'object') {
      out.add([...prefix, '*'].join('.'));
      visit(s.additionalProperties, [...prefix, '*']);
    }
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      out.add([...prefix, key].join('.'));
      visit(prop, [...prefix, key]);
    }
  };
  visit(z.toJSONSchema(buildConfigSchema(), { io: 'input', unrepresentable: 'any' }) as Schema, []);
  return out;
}
