import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { actions } from '../actions/index.js';
import { connectors } from '../connectors/index.js';
import { LAKE_PERMISSIONS, type Permission } from '../core/checks.js';
import { tempDir } from '../test/helpers.js';

/**
 * infra/terraform checked as far as a machine without AWS access allows: `terraform fmt`, then, with the
 * AWS provider from a local plugin directory (no network), `terraform validate` and `terraform test`
 * (tests/lapse.tftest.hcl: a mocked provider, assertions on the least-privilege policy, the task and the
 * bucket). Every variable is described and documented in README.md, and the task policy grants exactly
 * the actions of docs/scale.md's policy, which are exactly the IAM actions lapse declares: the lake's and
 * each connector's and action's `permissions`.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const MODULE = join(ROOT, 'infra/terraform');
const tf = (file: string) => readFileSync(join(MODULE, file), 'utf8');
const TF_FILES = readdirSync(MODULE).filter((f) => f.endsWith('.tf'));

const TERRAFORM = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0 ? 'terraform' : undefined;
/** A provider mirror (`<dir>/registry.terraform.io/hashicorp/aws/<version>/<platform>/`): TF_PLUGIN_DIR or /opt/tf-plugins. */
const PLUGIN_DIR = [process.env['TF_PLUGIN_DIR'], '/opt/tf-plugins'].find(
  (d): d is string => d !== undefined && existsSync(join(d, 'registry.terraform.io/hashicorp/aws')),
);

/** Variable names with their description (undefined when missing), from variables.tf. */
function variables(): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const block of tf('variables.tf').split(/^variable /m).slice(1)) {
    const name = /^"([^"]+)"/.exec(block)![1]!;
    out.set(name, /^\s*description\s*=\s*"(.+)"\s*$/m.exec(block)?.[1]);
  }
  return out;
}

describe('infra/terraform', () => {
  test('every variable has a description and a row in README.md, and README.md names no other', () => {
    const vars = variables();
    expect(vars.size).toBeGreaterThan(20);
    for (const [name, description] of vars) expect(description, `variable ${name}`).toBeTruthy();
    const readme = tf('README.md');
    const rows = [...readme.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(rows.sort()).toEqual([...vars.keys()].sort());
    // Every variable the configuration uses is declared (terraform validate says so too, when it can run).
    const used = new Set(TF_FILES.flatMap((f) => [...tf(f).matchAll(/\bvar\.([a-z0-9_]+)/g)].map((m) => m[1]!)));
    for (const name of used) expect(vars.has(name), `var.${name}`).toBe(true);
    for (const name of vars.keys()) expect(used.has(name), `variable ${name} is never used`).toBe(true);
    const example = [...tf('example.tfvars').matchAll(/^([a-z0-9_]+)\s*=/gm)].map((m) => m[1]!);
    expect(example.length).toBeGreaterThan(5);
    for (const name of example) expect(vars.has(name), `example.tfvars: ${name}`).toBe(true);
  });

  test("the task policy grants exactly the actions of docs/scale.md's least-privilege policy, and lapse declares exactly those", () => {
    const scale = readFileSync(join(ROOT, 'docs/scale.md'), 'utf8');
    const json = /### Permissions[\s\S]*?```json\n([\s\S]*?)```/.exec(scale)?.[1];
    expect(json, 'docs/scale.md: the policy under ### Permissions').toBeDefined();
    const documented = (JSON.parse(json!) as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => s.Action);
    const iam = tf('iam.tf');
    const block = iam.slice(iam.indexOf('task_policy = {'), iam.indexOf('resource "aws_iam_role_policy" "task"'));
    const granted = [...block.matchAll(/Action\s*=\s*\[([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/"([^"]+)"/g)].map((a) => a[1]!));
    expect(new Set(granted)).toEqual(new Set(documented));
    const plugins: readonly Permission[] = [...LAKE_PERMISSIONS, ...[...connectors.values(), ...actions.values()].flatMap((p) => p.permissions)];
    const declared = plugins.filter((p) => p.service === 'aws').flatMap((p) => p.actions);
    expect(new Set(documented), 'docs/scale.md against the declared permissions (core/checks.ts, each plugin)').toEqual(new Set(declared));
  });

  describe.skipIf(!TERRAFORM)(`with the terraform CLI${TERRAFORM ? '' : ' (skipped: terraform is not on PATH)'}`, () => {
    let work: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      work = await tempDir('lapse-terraform-');
      // A copy, so init's .terraform/ and lock file never land in the repository; no user CLI config.
      await cp(MODULE, join(work, 'module'), { recursive: true, filter: (src) => !src.includes('.terraform') });
      await writeFile(join(work, 'terraformrc'), '');
      env = { ...process.env, TF_CLI_CONFIG_FILE: join(work, 'terraformrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
    });

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    const terraform = (args: string[]) => spawnSync('terraform', args, { cwd: join(work, 'module'), env, encoding: 'utf8', timeout: 120_000 });

    test('is formatted (terraform fmt -check -recursive)', () => {
      const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-no-color', MODULE], { env, encoding: 'utf8' });
      expect(r.stdout, 'files terraform fmt would change').toBe('');
      expect(r.status).toBe(0);
    });

    test.skipIf(!PLUGIN_DIR)(
      `validates and passes terraform test${PLUGIN_DIR ? '' : ' (skipped: no AWS provider in TF_PLUGIN_DIR or /opt/tf-plugins, and no network to download it)'}`,
      () => {
        const init = terraform(['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${PLUGIN_DIR}`]);
        expect(init.status, init.stderr).toBe(0);
        const validate = terraform(['validate', '-no-color']);
        expect(validate.status, validate.stderr).toBe(0);
        expect(validate.stdout).toContain('Success! The configuration is valid.');
        const run = terraform(['test', '-no-color']);
        expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout).toMatch(/Success! 5 passed, 0 failed\./);
      },
      120_000,
    );
  });
});
