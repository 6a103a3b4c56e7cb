import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { actions } from '../actions/index.js';
import { connectors } from '../connectors/index.js';
import { systemBaseShape } from '../core/config.js';

/**
 * One test over both registries (like Cloud Custodian's PolicyMetaLint): every connector and action
 * describes itself — golden cases (connectors), a docs page, an `@example` in the doc comment of its
 * definition that parses against its schema, its permissions declared and listed where an operator reads
 * them (IAM actions in docs/scale.md's policy, a vendor's in the plugin's page), and its doctor checks.
 * It lists every offender at once.
 */

const ROOT = new URL('..', import.meta.url).pathname;

/** What the lint reads of one plugin. */
export interface PluginFacts {
  kind: 'connector' | 'action';
  id: string;
  /** Source file of its definition, from the repository root. */
  source: string;
  /** Its docs page, from the repository root, optionally `#heading`. */
  docs: string | undefined;
  /** Its cases folder (connectors), from the repository root. */
  cases?: string;
  /** The strict schema of one config entry of it (a `systems.<name>` block, an `actions[]` entry). */
  entry: z.ZodType;
  checks: unknown;
  permissions: unknown;
}

const connectorFacts = (): PluginFacts[] =>
  [...connectors.values()].map((c) => ({
    kind: 'connector',
    id: c.id,
    source: `connectors/${c.id}/connector.ts`,
    docs: `connectors/${c.id}/README.md`,
    cases: `connectors/${c.id}/cases`,
    entry: z.strictObject({ ...systemBaseShape, ...c.options.shape, connector: z.literal(c.id) }),
    checks: c.checks,
    permissions: c.permissions,
  }));

const actionFacts = (): PluginFacts[] =>
  [...actions.values()].map((a) => ({
    kind: 'action',
    id: a.id,
    source: `actions/${a.id}/action.ts`,
    docs: a.docs,
    entry: z.strictObject({ ...a.options.shape, type: z.literal(a.id) }),
    checks: a.checks,
    permissions: a.permissions,
  }));

const read = (file: string) => (existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), 'utf8') : undefined);
const slug = (heading: string) =>
  heading.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-');

/** The IAM actions of docs/scale.md's least-privilege policy. */
export function documentedIam(): Set<string> {
  const json = /### Permissions[\s\S]*?```json\n([\s\S]*?)```/.exec(read('docs/scale.md') ?? '')?.[1] ?? '{"Statement":[]}';
  return new Set((JSON.parse(json) as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => s.Action));
}

/** The `@example` YAML of the doc comment right before `export const … = define…({ id: '<id>'`. */
function exampleOf(source: string, id: string): string | undefined {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const definition = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export const \\w+ = define\\w+\\(\\{\\s*id: '${escaped}'`).exec(source);
  const tail = definition?.[1]?.split(/^\s*\* @example\s*$/m)[1];
  return tail?.split(/^\s*\* @\w+/m)[0]!.replace(/^\s*\* ?/gm, '');
}

/** The config entries of `p` an example holds: systems with its connector, actions of its type. */
function entriesOf(p: PluginFacts, example: unknown): unknown[] {
  const doc = (example ?? {}) as { systems?: Record<string, { connector?: unknown }>; actions?: { type?: unknown }[] };
  if (p.kind === 'connector') return Object.values(doc.systems ?? {}).filter((s) => s?.connector === p.id);
  return (doc.actions ?? []).filter((a) => a?.type === p.id);
}

/** Everything `p` lacks, one line each (empty when it describes itself fully). */
export function lint(p: PluginFacts, iam: Set<string> = documentedIam()): string[] {
  const out: string[] = [];
  const at = `${p.kind} ${p.id}`;
  if (p.cases !== undefined) {
    const dir = join(ROOT, p.cases);
    if (!existsSync(dir) || readdirSync(dir).length === 0) out.push(`${at}: no golden cases in ${p.cases}/`);
  }
  const [page, anchor] = (p.docs ?? '').split('#');
  const text = page ? read(page) : undefined;
  if (text === undefined) out.push(`${at}: no docs page${p.docs ? ` (${p.docs} does not exist)` : ''}`);
  else if (anchor && ![...text.matchAll(/^#+ (.+)$/gm)].some((m) => slug(m[1]!) === anchor)) out.push(`${at}: ${p.docs}: no such heading`);
  const source = read(p.source);
  const example = source === undefined ? undefined : exampleOf(source, p.id);
  if (example === undefined) out.push(`${at}: no @example in the doc comment of its definition in ${p.source}`);
  else {
    let entries: unknown[] = [];
    try {
      entries = entriesOf(p, parseYaml(example));
    } catch (err) {
      out.push(`${at}: @example is not YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (entries.length === 0) out.push(`${at}: @example configures no ${p.kind === 'connector' ? `system with connector: ${p.id}` : `action of type ${p.id}`}`);
    for (const entry of entries) {
      const parsed = p.entry.safeParse(entry);
      if (!parsed.success) out.push(`${at}: @example does not parse: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
    }
  }
  if (typeof p.checks !== 'function') out.push(`${at}: no checks (what lapse doctor runs for it)`);
  if (!Array.isArray(p.permissions)) out.push(`${at}: no permissions declared`);
  for (const perm of (Array.isArray(p.permissions) ? p.permissions : []) as { service: string; actions: string[] }[]) {
    for (const action of perm.actions) {
      if (perm.service === 'aws' && !iam.has(action)) out.push(`${at}: ${action} is not in docs/scale.md's policy`);
      if (perm.service !== 'aws' && text !== undefined && !text.includes(action)) out.push(`${at}: ${perm.service} permission "${action}" is not named in ${page}`);
    }
  }
  return out;
}

describe('every plugin describes itself', () => {
  test('both registries are read', () => {
    expect(connectorFacts().map((p) => p.id)).toContain('aws_cloudtrail');
    expect(actionFacts().map((p) => p.id)).toContain('jira');
  });

  test('connectors and actions: cases, docs page, @example, permissions, checks', () => {
    const iam = documentedIam();
    expect(iam.size).toBeGreaterThan(5);
    expect([...connectorFacts(), ...actionFacts()].flatMap((p) => lint(p, iam))).toEqual([]);
  });

  test('lapse doctor knows plugins only through the registries', () => {
    const doctor = read('cli/doctor.ts')!;
    const imports = [...doctor.matchAll(/from '(\.\.\/(?:actions|connectors)\/[^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['../actions/index.js', '../connectors/index.js']);
    const ids = [...connectors.keys(), ...actions.keys()].filter((id) => new RegExp(`\\b${id}\\b`).test(doctor));
    expect(ids, 'plugin ids named in cli/doctor.ts').toEqual([]);
  });

  test('a plugin lacking every part is named once per missing part', () => {
    const fake: PluginFacts = {
      kind: 'connector',
      id: 'made_up',
      source: 'connectors/made_up/connector.ts',
      docs: 'connectors/made_up/README.md',
      cases: 'connectors/made_up/cases',
      entry: z.strictObject({}),
      checks: undefined,
      permissions: undefined,
    };
    expect(lint(fake)).toEqual([
      'connector made_up: no golden cases in connectors/made_up/cases/',
      'connector made_up: no docs page (connectors/made_up/README.md does not exist)',
      'connector made_up: no @example in the doc comment of its definition in connectors/made_up/connector.ts',
      'connector made_up: no checks (what lapse doctor runs for it)',
      'connector made_up: no permissions declared',
    ]);
  });

  test('an example that does not parse, a permission nobody documents, a missing heading', () => {
    const jira = actionFacts().find((p) => p.id === 'jira')!;
    const wrong: PluginFacts = {
      ...jira,
      docs: 'docs/jira.md#no-such-heading',
      entry: z.strictObject({ type: z.literal('jira') }),
      permissions: [{ service: 'aws', actions: ['s3:GetBucketAcl'], on: 'x' }, { service: 'jira', actions: ['Administer Jira'], on: 'x' }],
    };
    const problems = lint(wrong);
    expect(problems).toContain('action jira: docs/jira.md#no-such-heading: no such heading');
    expect(problems).toContainEqual(expect.stringMatching(/^action jira: @example does not parse: .*Unrecognized key/));
    expect(problems).toContain("action jira: s3:GetBucketAcl is not in docs/scale.md's policy");
    expect(problems).toContain('action jira: jira permission "Administer Jira" is not named in docs/jira.md');
  });
});
