import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAwsServers, type AwsServers } from '../test/aws/servers.js';
import { tempDir } from '../test/helpers.js';
import { copyOf, stages } from './dockerfile.js';

/**
 * The image without Docker: the runtime stage's files (as infra/Dockerfile copies them) in a clean
 * directory, production dependencies installed from the lockfile by the deps stage's own `npm ci`, then
 * the whole daily job on the demo through the image's entrypoint, with HOME and TMPDIR on their own
 * directory as on the container's /tmp volume. Compared with the same run from the dev tree.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const DEMO = join(ROOT, 'fixtures/demo');
const AS_OF = '2026-06-30';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a command asynchronously (the local S3 server lives in this process and must keep answering). */
function exec(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string | undefined> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The demo with its store and outputs moved under `root` (the demo's paths climb out of its folder). */
async function demoCopy(root: string): Promise<string> {
  const dir = join(root, 'demo');
  await cp(DEMO, dir, { recursive: true });
  const text = (await readFile(join(dir, 'lapse.yaml'), 'utf8'))
    .replace('../../lapse-data', join(root, 'lake'))
    .replaceAll('../../lapse-out', join(root, 'out'));
  await writeFile(join(dir, 'lapse.yaml'), text);
  return dir;
}

/** Path, size and mtime of every file under `root`: a write anywhere changes it. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(f.parentPath, f.name);
    const s = await stat(path);
    out.push(`${path} ${s.size} ${s.mtimeMs}`);
  }
  return out.sort();
}

/** The revocation lists a run wrote: system → revocations.jsonl text (held.jsonl for a held list). */
async function lists(out: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const f of await readdir(join(out, 'revocations'), { recursive: true })) {
    if (/(^|\/)(revocations|held)\.jsonl$/.test(String(f))) found[String(f).split('/')[0]!] = await readFile(join(out, 'revocations', String(f)), 'utf8');
  }
  return found;
}

const runId = (out: string) => /\(run (\S+)\)/.exec(out)?.[1];

/** The summary's per-system ingest lines ("aws  366 files (0 already in the lake): …"). */
const ingested = (out: string) => out.split('\n').filter((l) => /^\s+\w+\s+\d+ files/.test(l));

describe('the container image, as a clean production install', () => {
  let work: string;
  let app: string;
  let volume: string;
  let env: Record<string, string | undefined>;
  let reference: { out: string; lists: Record<string, string> };

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    work = await tempDir('lapse-image-');
    app = join(work, 'app');
    volume = join(work, 'tmp');
    await mkdir(join(volume, 'home'), { recursive: true });
    const all = stages(await readFile(join(ROOT, 'infra/Dockerfile'), 'utf8'));
    const runtime = all.at(-1)!;
    for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY').map(copyOf)) {
      for (const source of copy.sources) {
        const name = source.split('/').at(-1)!;
        if (copy.from === undefined) {
          await cp(join(ROOT, source), join(app, source), { recursive: true });
        } else if (name === 'dist') {
          await cp(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
        } else if (name === 'node_modules') {
          // The deps stage's own install command, on the repository's lockfile (not its cache cleanup).
          const deps = all.find((s) => s.name === copy.from)!;
          const run = deps.instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))!;
          const install = run.args.split('&&').map((c) => c.trim()).find((c) => c.startsWith('npm ci'))!;
          await mkdir(app, { recursive: true });
          await cp(join(ROOT, 'package.json'), join(app, 'package.json'));
          await cp(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
          // npm is a node script: run it on this Node 22, the image's version, not an older system one;
          // without the npm_* variables of an enclosing `npm test`, which would configure it.
          const outer = Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'));
          const npmEnv = { ...Object.fromEntries(outer), PATH: `${dirname(process.execPath)}:${process.env['PATH']}` };
          execFileSync('sh', ['-c', `${install} --prefer-offline --loglevel=error`], { cwd: app, env: npmEnv, stdio: 'pipe', timeout: 50_000 });
          // The runtime stage copies node_modules only; the lockfile stays in the deps stage.
          await rm(join(app, 'package-lock.json'));
        } else {
          throw new Error(`Dockerfile copies ${source} from stage ${copy.from}: this test does not know how to make it`);
        }
      }
    }
    // As in the image: the Node 22 binary alone, HOME and TMPDIR on the volume, no dev tools on PATH.
    env = { PATH: '/usr/bin:/bin', HOME: join(volume, 'home'), TMPDIR: volume, NODE_ENV: 'production', LAPSE_LOG_LEVEL: 'warn' };
    const ref = await demoCopy(join(work, 'reference'));
    const r = await exec(process.execPath, [join(ROOT, 'bin/lapse.js'), 'run', '--config', join(ref, 'lapse.yaml'), '--as-of', AS_OF], { cwd: ref, env: { ...env, TMPDIR: undefined } });
    expect(r.code, r.err).toBe(3);
    reference = { out: r.out, lists: await lists(join(work, 'reference/out')) };
  }, 90_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const entrypoint = (args: string[], extra: Record<string, string> = {}) =>
    exec(process.execPath, [join(app, 'infra/entrypoint.mjs'), ...args], { cwd: app, env: { ...env, ...extra } });

  test('holds only production dependencies', async () => {
    const installed = await readdir(join(app, 'node_modules'));
    for (const dep of ['@duckdb', '@aws-sdk', 'pino', 'zod', 'yaml', 'commander']) expect(installed).toContain(dep);
    // @types/* may be there: @slack/web-api and @okta/okta-sdk-nodejs declare type packages as dependencies.
    for (const dev of ['typescript', 'vitest', 'node', 's3rver', 'fast-check', 'smtp-server', 'mailparser']) expect(installed).not.toContain(dev);
    expect((await readdir(app)).sort()).toEqual(['bin', 'dist', 'examples', 'infra', 'node_modules', 'package.json']);
  });

  test('runs the daily job on the demo, as the dev tree does, writing only to its volume and store', async () => {
    const run = join(work, 'local');
    const demo = await demoCopy(run);
    const before = await tree(app);
    const r = await entrypoint(['run', '--config', join(demo, 'lapse.yaml'), '--as-of', AS_OF]);
    expect(r.code, r.err).toBe(3);
    expect(r.out).toContain('exit 3: a safety guard held something back');
    expect(runId(r.out)).toBeDefined();
    expect(runId(r.out)).toBe(runId(reference.out));
    expect(ingested(r.out)).toHaveLength(4);
    expect(ingested(r.out)).toEqual(ingested(reference.out));
    expect(await lists(join(run, 'out'))).toEqual(reference.lists);
    expect(Object.keys(reference.lists).sort()).toEqual(['aws', 'github', 'okta', 'warehouse']);
    const stored = JSON.parse(await readFile(join(run, `lake/runs/as_of=${AS_OF}/run.json`), 'utf8')) as object;
    expect(stored).toMatchObject({ run_id: runId(r.out) });
    // Read-only root filesystem: the code is untouched, and the volume is left as it was found.
    expect(await tree(app)).toEqual(before);
    expect(await readdir(volume)).toEqual(['home']);
    expect(await readdir(join(volume, 'home'))).toEqual([]);
  });

  test('passes other commands and usage errors through with lapse exit codes', async () => {
    const help = await entrypoint(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('the daily job');
    const bad = await entrypoint(['run', '--config', join(work, 'missing.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`cannot read config file ${join(work, 'missing.yaml')}`);
  });

  describe('with the config bundle on S3', () => {
    let servers: AwsServers;
    const bucket = 'corp-lapse';
    /** How many objects the bundle holds: the demo's files (counted, so adding a fixture does not break the test). */
    const bundled = readdirSync(DEMO, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).length;

    beforeAll(async () => {
      servers = await startAwsServers();
      await servers.createBucket(bucket);
      const demo = await demoCopy(join(work, 's3'));
      const files = (await readdir(demo, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
      expect(files).toHaveLength(bundled);
      for (let i = 0; i < files.length; i += 32) {
        await Promise.all(
          files.slice(i, i + 32).map(async (f) => {
            const path = join(f.parentPath, f.name);
            await servers.put(bucket, `config/${path.slice(demo.length + 1)}`, await readFile(path));
          }),
        );
      }
      await servers.put(bucket, 'lapse.yaml', 'store: ./lake\n');
      await servers.put(bucket, 'relative/lapse.yaml', 'store: ./lake\ndirectory: { path: people.csv }\nsystems: {}\n');
    }, 60_000);

    afterAll(async () => {
      servers.deny.length = 0;
      await servers?.close();
    });

    test('fetches the config folder and runs it, relative paths and all', async () => {
      const r = await entrypoint(['run', '--config', `s3://${bucket}/config/lapse.yaml`, '--as-of', AS_OF], { ...servers.env, LAPSE_LOG_LEVEL: 'info' });
      expect(r.code, r.err).toBe(3);
      expect(runId(r.out)).toBe(runId(reference.out));
      expect(ingested(r.out)).toEqual(ingested(reference.out));
      expect(await lists(join(work, 's3/out'))).toEqual(reference.lists);
      const fetched = r.err.split('\n').filter((l) => l.includes('config bundle fetched')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(fetched).toMatchObject([{ config: `s3://${bucket}/config/lapse.yaml`, objects: bundled }]);
      expect(await readdir(volume)).toEqual(['home']);
    });

    test.each([
      ['a missing config', `s3://${bucket}/config/nope.yaml`, 2, `--config s3://${bucket}/config/nope.yaml: no such object (the folder s3://${bucket}/config/ holds ${bundled} objects)`],
      ['a config at the bucket root', `s3://${bucket}/lapse.yaml`, 2, 'put the config in a folder of its own'],
      ['a folder, not a file', `s3://${bucket}/config/`, 2, 'expected s3://bucket/prefix/<config file>'],
      ['a lake inside the bundle (removed when the command ends)', `s3://${bucket}/relative/lapse.yaml`, 2, 'store: ./lake is inside the config bundle'],
    ])('refuses %s', async (_name, uri, code, message) => {
      const r = await entrypoint(['run', '--config', uri], servers.env);
      expect(r.code).toBe(code);
      expect(r.err).toContain(message);
    });

    test('names the bucket and the failure when access is denied', async () => {
      servers.deny.push({ s3: { method: 'GET', path: `/${bucket}` } });
      const r = await entrypoint(['doctor', `--config=s3://${bucket}/config/lapse.yaml`], { ...servers.env, AWS_MAX_ATTEMPTS: '1' });
      servers.deny.length = 0;
      expect(r.code).toBe(1);
      expect(r.err).toContain(`lapse: s3://${bucket}/config/: ListObjects failed`);
      expect(r.err).toMatch(/AccessDenied|Access Denied/);
      expect(await readdir(volume)).toEqual(['home']);
    });
  });
});
