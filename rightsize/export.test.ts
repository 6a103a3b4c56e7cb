import { spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../test/helpers.js';
import { policiesOf, readPolicies } from './policies.js';

const SCRIPT = new URL('../connectors/aws_cloudtrail/export-assignments.sh', import.meta.url).pathname;

/**
 * A stand-in `aws` that answers the calls export-assignments.sh --policies/--roles makes, as AWS CLI v2
 * prints them with the script's --query and --output (text: tab-separated; json: the value).
 */
const STUB = String.raw`#!/usr/bin/env bash
args="$*"
case "$args" in
  *"sso-admin list-instances"*) echo "arn:aws:sso:::instance/ssoins-1" ;;
  *"sso-admin list-permission-sets"*) printf 'arn:ps-1\tarn:ps-2\n' ;;
  *"describe-permission-set"*"arn:ps-1"*) echo Developer ;;
  *"describe-permission-set"*"arn:ps-2"*) echo ReadOnly ;;
  *"get-inline-policy-for-permission-set"*"arn:ps-1"*) echo '"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"' ;;
  *"get-inline-policy-for-permission-set"*) echo '""' ;;
  *"list-managed-policies-in-permission-set"*"arn:ps-2"*) printf 'ReadOnlyAccess\tarn:aws:iam::aws:policy/ReadOnlyAccess\n' ;;
  *"list-managed-policies-in-permission-set"*) ;;
  *"list-customer-managed-policy-references-in-permission-set"*"arn:ps-1"*) echo '[{"Name":"deploy","Path":"/"}]' ;;
  *"list-customer-managed-policy-references-in-permission-set"*) echo '[]' ;;
  *"iam get-policy-version"*) echo '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","s3:Get*"],"Resource":"*"}]}' ;;
  *"iam get-policy "*) echo v3 ;;
  *"sts get-caller-identity"*) echo 111122223333 ;;
  *"iam list-roles"*) echo deploy ;;
  *"iam list-role-policies"*) echo inline-1 ;;
  *"iam get-role-policy"*) echo '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:UpdateFunctionCode","Resource":"*"}}' ;;
  *"iam list-attached-role-policies"*) printf 'ReadOnlyAccess\tarn:aws:iam::aws:policy/ReadOnlyAccess\n' ;;
  *) echo "stub aws: unexpected call: $args" >&2; exit 1 ;;
esac
`;

test('export-assignments.sh --policies and --roles write what lapse rightsize reads', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'aws'), STUB);
  await chmod(join(dir, 'aws'), 0o755);
  const env = { ...process.env, PATH: `${dir}:${process.env['PATH']}` };
  const sets = spawnSync('bash', [SCRIPT, '--policies'], { env, encoding: 'utf8' });
  expect(sets.stderr).toBe('');
  expect(sets.status).toBe(0);
  const roles = spawnSync('bash', [SCRIPT, '--roles'], { env, encoding: 'utf8' });
  expect(roles.status).toBe(0);
  await writeFile(join(dir, 'policies.jsonl'), sets.stdout + roles.stdout);
  const index = await readPolicies(join(dir, 'policies.jsonl'));
  expect(policiesOf(index, '999999999999/Developer')).toEqual([
    { name: 'inline', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } },
    { name: 'customer:deploy', document: null },
  ]);
  expect(policiesOf(index, '999999999999/ReadOnly')!.map((p) => p.name)).toEqual(['aws:ReadOnlyAccess']);
  expect(policiesOf(index, '111122223333/role/deploy')!.map((p) => p.name)).toEqual(['inline:inline-1', 'aws:ReadOnlyAccess']);
  expect(spawnSync('bash', [SCRIPT, '--nope'], { env, encoding: 'utf8' }).status).toBe(2);
});
