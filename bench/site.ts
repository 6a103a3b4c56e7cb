import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AS_OF, generateCompany } from './company.js';

/**
 * The expiring-access site for a simulated company (bench/company.ts, cached in .bench/): ingest and
 * detect once, then `lapse report --site` through the CLI as a user runs it, timed (wall clock, the
 * whole process), with the files and bytes it wrote.
 *
 *   npm run bench -- site [--people 10000]
 */
export async function benchSite(args: string[]): Promise<void> {
  const people = Number(args[args.indexOf('--people') + 1] ?? NaN) || 10_000;
  const dir = resolve('.bench', `site-${people}`);
  if (!existsSync(join(dir, 'lake', 'runs'))) {
    await rm(dir, { recursive: true, force: true });
    process.stdout.write(`generating a company of ${people.toLocaleString('en-US')} people and running ingest and detect (cached in .bench/)…\n`);
    const company = await generateCompany(dir, { people });
    process.stdout.write(`  ${company.grants.length.toLocaleString('en-US')} grants, ${company.events.toLocaleString('en-US')} uses\n`);
    for (const command of ['ingest', 'detect']) lapse(dir, [command, '--config', 'lapse.yaml', '--as-of', AS_OF]);
  }
  const started = performance.now();
  const out = lapse(dir, ['report', '--config', 'lapse.yaml', '--site', 'site']);
  const seconds = (performance.now() - started) / 1000;
  const { files, bytes } = await sizeOf(join(dir, 'site'));
  process.stdout.write(`  lapse report --site, ${people.toLocaleString('en-US')} people: ${seconds.toFixed(1)} s (whole process), `
    + `${files.toLocaleString('en-US')} files, ${(bytes / 1e6).toFixed(0)} MB\n  ${out.trim()}\n`);
}

function lapse(cwd: string, args: string[]): string {
  const bin = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..', 'bin/lapse.js');
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' } });
  if (r.status !== 0 && r.status !== 3) throw new Error(`lapse ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function sizeOf(root: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const f of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    files++;
    bytes += (await stat(join(f.parentPath, f.name))).size;
  }
  return { files, bytes };
}
