import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SourceError } from '../core/errors.js';

/**
 * The AWS policy export (connectors/aws_cloudtrail/export-assignments.sh --policies): one JSON object a
 * line, a permission set's or an IAM role's policy documents. What a unit grants is read from here.
 */

const Document = z.looseObject({ Statement: z.unknown() });

const Named = z.looseObject({
  Name: z.string().min(1),
  Arn: z.string().optional(),
  /** Absent when the exporter could not read it (a customer managed policy lives in each member account). */
  Document: Document.optional(),
});

const PermissionSet = z.looseObject({
  PermissionSetName: z.string().min(1),
  InlinePolicy: Document.nullable().optional(),
  AwsManagedPolicies: z.array(Named).default([]),
  CustomerManagedPolicies: z.array(Named).default([]),
});

const Role = z.looseObject({
  AccountId: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  RoleName: z.string().min(1),
  InlinePolicies: z.array(Named).default([]),
  AttachedPolicies: z.array(Named).default([]),
});

/** One policy document a unit holds, named for people (`inline`, `aws:ReadOnlyAccess`, `customer:deploy`). */
export interface HeldPolicy {
  name: string;
  /** null: the export names the policy but has no document for it; its grants are unknown. */
  document: { Statement: unknown } | null;
}

/** Policies by unit: a permission set (by name: the same in every account) or a role (`<account>/role/<name>`, as the log side names it). */
export interface PolicyIndex {
  permissionSets: Map<string, HeldPolicy[]>;
  roles: Map<string, HeldPolicy[]>;
}

/** Reads the export; a record that is neither shape is an error naming the file and line. */
export async function readPolicies(file: string): Promise<PolicyIndex> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SourceError(`policies ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  const index: PolicyIndex = { permissionSets: new Map(), roles: new Map() };
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    addRecord(index, parseLine(file, i + 1, line));
  }
  return index;
}

type PolicyRecord = { kind: 'set'; rec: z.infer<typeof PermissionSet> } | { kind: 'role'; rec: z.infer<typeof Role> };

function parseLine(file: string, line: number, text: string): PolicyRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SourceError(`policies ${file} line ${line}: not JSON: ${(err as Error).message}`);
  }
  const isRole = typeof raw === 'object' && raw !== null && 'RoleName' in raw;
  const parsed = isRole ? Role.safeParse(raw) : PermissionSet.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(record)';
    const what = isRole ? 'an IAM role record' : 'a permission set record (or a role record with RoleName)';
    throw new SourceError(`policies ${file} line ${line}: ${what}: ${field}: ${issue.message}`);
  }
  return isRole ? { kind: 'role', rec: parsed.data as z.infer<typeof Role> } : { kind: 'set', rec: parsed.data as z.infer<typeof PermissionSet> };
}

function addRecord(index: PolicyIndex, r: PolicyRecord): void {
  if (r.kind === 'set') {
    const { rec } = r;
    index.permissionSets.set(rec.PermissionSetName, [
      ...(rec.InlinePolicy ? [{ name: 'inline', document: rec.InlinePolicy }] : []),
      ...rec.AwsManagedPolicies.map((p) => ({ name: `aws:${p.Name}`, document: p.Document ?? null })),
      ...rec.CustomerManagedPolicies.map((p) => ({ name: `customer:${p.Name}`, document: p.Document ?? null })),
    ]);
    return;
  }
  const { rec } = r;
  index.roles.set(`${rec.AccountId}/role/${rec.RoleName}`, [
    ...rec.InlinePolicies.map((p) => ({ name: `inline:${p.Name}`, document: p.Document ?? null })),
    ...rec.AttachedPolicies.map((p) => ({ name: p.Arn?.includes(':aws:policy/') ? `aws:${p.Name}` : `customer:${p.Name}`, document: p.Document ?? null })),
  ]);
}

/** The policies a unit holds: `<account>/role/<name>` a role's, `<account>/<name>` a permission set's; undefined when the export lacks it. */
export function policiesOf(index: PolicyIndex, unit: string): HeldPolicy[] | undefined {
  if (/^[^/]+\/role\//.test(unit)) return index.roles.get(unit);
  const slash = unit.indexOf('/');
  return slash > 0 ? index.permissionSets.get(unit.slice(slash + 1)) : undefined;
}
