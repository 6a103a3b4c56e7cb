import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FindingsDocument } from '../core/model.js';
import {
  AS_OF, confusion, FEATURES, generateCompany, guardsCheck, LANDED, score, truthSizes, wronglyFlagged,
  type Feature, type Features, type Reported, type Score, type Wrong,
} from './company.js';

/**
 * Detection quality: precision and recall per finding kind on a simulated company with known ground
 * truth (bench/company.ts), through the CLI as a user runs it; grants lapse must never act on that it
 * would; the guards it must and must not raise.
 *
 *   npm run bench -- quality [--people 2000] [--seed 7] [--features current|all|history,leave,…]
 *
 * Features default to those landed (bench/company.ts LANDED).
 */
export async function benchQuality(args: string[]): Promise<void> {
  const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const arg = (name: string, fallback: number) => Number(value(name) ?? NaN) || fallback;
  const dir = await mkdtemp(join(tmpdir(), 'lapse-quality-'));
  try {
    const started = Date.now();
    const company = await generateCompany(dir, { people: arg('--people', 2000), seed: arg('--seed', 7), features: features(value('--features')) });
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`simulated company: ${company.people} people, ${company.grants.length} grants, ${company.events} log records (drawn in ${Date.now() - started} ms); features: ${company.features.join(', ') || 'none (today\'s world)'}`);
    out(`ground truth: ${Object.entries(truthSizes(company.grants)).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    const run = detectRun(dir);
    out(`\n${table(score(company.grants, run.findings))}\n`);
    out(wrongTable(wronglyFlagged(company.grants, run.findings)));
    const g = guardsCheck(company, run.guards);
    out(`\nguards: expected ${g.expected.join(', ')}; got ${g.got.join(', ') || 'none'}\n\nwhat lapse reported, by latent need:`);
    for (const [need, got] of Object.entries(confusion(company.grants, run.findings))) {
      out(`  ${need.padEnd(28)} ${Object.entries(got).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function features(text: string | undefined): Features {
  if (text === undefined) return LANDED;
  if (text === 'all' || text === 'current') return text;
  const list = text.split(',').filter(Boolean);
  const unknown = list.filter((f) => !(FEATURES as readonly string[]).includes(f));
  if (unknown.length) throw new Error(`--features: unknown ${unknown.join(', ')}; known: current, all, ${FEATURES.join(', ')}`);
  return list as Feature[];
}

/** `lapse ingest` then `lapse detect --json` on the company, through the built CLI. */
export function detectRun(dir: string): { findings: Reported[]; guards: FindingsDocument['guards'] } {
  const bin = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..', 'bin/lapse.js');
  for (const command of ['ingest', 'detect']) {
    const r = spawnSync(process.execPath, [bin, command, '--config', 'lapse.yaml', '--as-of', AS_OF, ...(command === 'detect' ? ['--json'] : [])], {
      cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' },
    });
    if (r.status !== 0 && r.status !== 3) throw new Error(`lapse ${command} failed (${r.status}): ${r.stderr}`);
    if (command === 'detect') {
      const doc = JSON.parse(r.stdout) as FindingsDocument;
      return { findings: doc.findings, guards: doc.guards };
    }
  }
  throw new Error('unreachable');
}

/** Per kind: precision and recall of what lapse reports; then what it would revoke without review, and how much of that is right. */
export function table(scores: Score[]): string {
  const rows = scores.map((s) =>
    `| ${s.kind} | ${s.truth} | ${s.found} | ${s.right} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} | ${s.found - s.automatic} | ${s.automatic ? `${(s.automatic_right / s.automatic).toFixed(3)} of ${s.automatic}` : '–'} |`);
  return [
    '| kind | truly | reported | right | precision | recall | for review | revoked unreviewed: precision |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function wrongTable(wrong: Wrong[]): string {
  const rows = wrong.map((w) => `| ${w.group} | ${w.grants} | ${w.flagged} |${w.examples.length ? ` e.g. ${w.examples.slice(0, 2).join('; ')}` : ''}`);
  return ['| never act on | grants | wrongly flagged |', '|---|---|---|', ...rows].join('\n');
}
