import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AS_OF, confusion, generateCompany, score, type Reported, type Score } from './company.js';

/**
 * Detection quality: precision and recall per finding kind on a simulated company with known ground
 * truth (bench/company.ts), through the CLI as a user runs it.
 *
 *   npm run bench -- quality [--people 2000] [--seed 7]
 */
export async function benchQuality(args: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => Number(args[args.indexOf(name) + 1] ?? NaN) || fallback;
  const dir = await mkdtemp(join(tmpdir(), 'lapse-quality-'));
  try {
    const company = await generateCompany(dir, { people: arg('--people', 2000), seed: arg('--seed', 7) });
    process.stdout.write(`simulated company: ${company.people} people, ${company.grants.length} grants, ${company.events} uses\n`);
    const findings = detectJson(dir);
    process.stdout.write(`${table(score(company.grants, findings))}\n\nwhat lapse reported, by latent need:\n`);
    for (const [need, got] of Object.entries(confusion(company.grants, findings))) {
      process.stdout.write(`  ${need.padEnd(24)} ${Object.entries(got).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `lapse detect --json` on the company, through the built CLI. */
export function detectJson(dir: string): Reported[] {
  const bin = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..', 'bin/lapse.js');
  for (const command of ['ingest', 'detect']) {
    const r = spawnSync(process.execPath, [bin, command, '--config', 'lapse.yaml', '--as-of', AS_OF, ...(command === 'detect' ? ['--json'] : [])], {
      cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' },
    });
    if (r.status !== 0 && r.status !== 3) throw new Error(`lapse ${command} failed (${r.status}): ${r.stderr}`);
    if (command === 'detect') return JSON.parse(r.stdout).findings;
  }
  return [];
}

export function table(scores: Score[]): string {
  const rows = scores.map((s) =>
    `| ${s.kind} | ${s.truth} | ${s.found} | ${s.right} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} |`);
  return ['| kind | truly | reported | right | precision | recall |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
