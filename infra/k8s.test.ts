import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildConfigSchema } from '../cli/config.js';
import { parseConfig } from '../core/config.js';
import { envOf, last, stages } from './dockerfile.js';

/**
 * infra/k8s without a cluster: every manifest parses, the CronJob has the fields lapse's operation relies
 * on, it agrees with the image (uid, writable /tmp, config path) and its resources agree with the
 * example config's engine.memory_limit, which lapse's own schema accepts.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const K8S = join(ROOT, 'infra/k8s');

/** Manifests are untyped YAML, checked field by field. */
type Obj = Record<string, any>;

function manifests(): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(K8S, 'cronjob.yaml'), 'utf8'));
  for (const d of docs) expect(d.errors, 'cronjob.yaml YAML errors').toEqual([]);
  return docs.map((d) => d.toJS() as Obj);
}

const byKind = (kind: string) => manifests().find((m) => m['kind'] === kind)!;

/** Kubernetes quantities (`8Gi`, `512Mi`) and DuckDB sizes (`6GB`, `512MB`, `6GiB`) in bytes. */
function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?|)$/i.exec(q.trim());
  if (!m) throw new Error(`not a size: ${q}`);
  const unit = m[2]!.toUpperCase().replace(/B$/, '');
  const powers: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, KI: 2 ** 10, MI: 2 ** 20, GI: 2 ** 30, TI: 2 ** 40 };
  return Number(m[1]) * powers[unit]!;
}

describe('infra/k8s', () => {
  const cron = byKind('CronJob');
  const job = cron['spec']['jobTemplate']['spec'];
  const pod = job['template']['spec'];
  const container = pod['containers'].find((c: Obj) => c['name'] === 'lapse');
  const dockerfile = readFileSync(join(ROOT, 'infra/Dockerfile'), 'utf8');
  const runtime = stages(dockerfile).at(-1)!;

  test('holds a ServiceAccount with an IRSA role and a CronJob that uses it', () => {
    expect(manifests().map((m) => `${m['apiVersion']} ${m['kind']}`)).toEqual(['v1 ServiceAccount', 'batch/v1 CronJob']);
    const sa = byKind('ServiceAccount');
    expect(sa['metadata']['annotations']['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\/\S+$/);
    expect(pod['serviceAccountName']).toBe(sa['metadata']['name']);
  });

  test('runs once a day, never two at once, and fails at once on exit 2 and 3', () => {
    const fields = String(cron['spec']['schedule']).split(' ');
    expect(fields).toHaveLength(5);
    expect(fields[0]).toMatch(/^\d+$/);
    expect(fields[1]).toMatch(/^\d+$/);
    expect(fields.slice(2)).toEqual(['*', '*', '*']);
    expect(cron['spec']['timeZone']).toBeTruthy();
    expect(cron['spec']['concurrencyPolicy']).toBe('Forbid');
    expect(pod['restartPolicy']).toBe('Never');
    const failJob = job['podFailurePolicy']['rules'].find((r: Obj) => r['action'] === 'FailJob');
    expect(failJob['onExitCodes']).toEqual({ containerName: 'lapse', operator: 'In', values: [2, 3] });
    expect(job['backoffLimit']).toBeGreaterThan(0);
  });

  test('runs as the image user, non-root, on a read-only root filesystem with /tmp writable', () => {
    const [uid, gid] = last(runtime, 'USER')!.args.split(':').map(Number);
    expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
    expect(container['securityContext']).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const env = envOf(runtime);
    const mounts = container['volumeMounts'] as Obj[];
    for (const key of ['TMPDIR', 'HOME']) {
      const mount = mounts.find((m) => env.get(key) === m['mountPath'] || env.get(key)!.startsWith(`${m['mountPath']}/`));
      expect(mount, `${key}=${env.get(key)} is on a mounted volume`).toBeDefined();
      expect(mount!['readOnly']).not.toBe(true);
      expect(pod['volumes'].find((v: Obj) => v['name'] === mount!['name'])['emptyDir']).toBeDefined();
    }
    expect(pod['automountServiceAccountToken'] ?? byKind('ServiceAccount')['automountServiceAccountToken']).toBe(false);
  });

  test('reads its config from the ConfigMap, a valid lapse config sized to the container', () => {
    const args = container['args'] as string[];
    expect(args[0]).toBe('run');
    const path = args[args.indexOf('--config') + 1]!;
    const mount = (container['volumeMounts'] as Obj[]).find((m) => path.startsWith(`${m['mountPath']}/`))!;
    expect(mount['readOnly']).toBe(true);
    const volume = pod['volumes'].find((v: Obj) => v['name'] === mount['name']);
    expect(volume['configMap']['name']).toBe('lapse-config');
    const file = path.slice(mount['mountPath'].length + 1);
    const text = readFileSync(join(K8S, 'config', file), 'utf8');
    const config = parseConfig(text, join(mount['mountPath'], file), buildConfigSchema());
    expect(config.mode).toBe('report');
    expect(config.directory.path).toBe('people.csv');
    // DuckDB's limit leaves room for Node and the SDK, and is enough for detect on 10M grants (~3.5 GB).
    const limit = bytes(container['resources']['limits']['memory']);
    const duckdb = bytes(config.engine.memory_limit!);
    expect(duckdb).toBeLessThanOrEqual(0.8 * limit);
    expect(duckdb).toBeGreaterThanOrEqual(3.5e9);
    expect(container['resources']['requests']['memory']).toBe(container['resources']['limits']['memory']);
    expect(config.engine.threads).toBe(Number(container['resources']['requests']['cpu']));
    expect(bytes(container['resources']['limits']['ephemeral-storage'])).toBeLessThanOrEqual(
      bytes(pod['volumes'].find((v: Obj) => v['name'] === 'tmp')['emptyDir']['sizeLimit']),
    );
  });

  test.each([
    ['6GB', 6e9],
    ['8Gi', 8 * 2 ** 30],
    ['512MiB', 512 * 2 ** 20],
    ['3.5GB', 3.5e9],
  ])('reads the size %s', (q, n) => {
    expect(bytes(q)).toBe(n);
  });
});
