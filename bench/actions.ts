import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateCloudTrail } from './cloudtrail.js';
import { generateVendor } from './vendors.js';

/**
 * What `actions: true` costs at ingest: `lapse ingest` (the built CLI, as operators run it) over the same
 * files with actions off and on, alternating, best of `--rounds` (default 2) each; a fresh lake per run.
 * Target: on ≤ 1.25× off. CloudTrail (IAM actions, --events, default 1M) and GitHub (roles, --vendor-events,
 * default 300k). Generated files are cached in .bench/.
 * `npm run bench -- actions [--events N] [--vendor-events N] [--rounds R]` (or `node dist/bench/actions.js …`).
 */

const BIN = new URL('../../bin/lapse.js', import.meta.url).pathname;

interface Case {
  system: string;
  connector: string;
  dir: string;
  events: number;
}

export async function benchActions(args: string[]): Promise<void> {
  const arg = (name: string, dflt: number) => Number(args[args.indexOf(name) + 1] ?? 0) || dflt;
  const root = resolve('.bench');
  const events = arg('--events', 1_000_000);
  const vendorEvents = arg('--vendor-events', 300_000);
  const rounds = arg('--rounds', 2);
  process.stdout.write(`generating files (cached in .bench/)…\n`);
  const cases: Case[] = [
    { system: 'aws', connector: 'aws_cloudtrail', dir: (await generateCloudTrail(root, events)).dir, events },
    { system: 'github', connector: 'github_audit', dir: await generateVendor(root, 'github_audit', vendorEvents), events: vendorEvents },
  ];
  for (const c of cases) {
    const run = join(root, 'actions-run', c.system);
    const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['off', 'on'] as const) times[mode].push(await ingestSeconds(run, c, mode === 'on'));
    }
    const off = Math.min(...times.off);
    const on = Math.min(...times.on);
    process.stdout.write(
      `  ${c.connector.padEnd(15)} ${c.events.toLocaleString('en-US')} events: actions off ${off.toFixed(2)} s, on ${on.toFixed(2)} s: ` +
        `${(on / off).toFixed(2)}× (target ≤ 1.25×)\n`,
    );
  }
}

/** Wall time of one `lapse ingest` of the case's files into a fresh lake. */
async function ingestSeconds(run: string, c: Case, actions: boolean): Promise<number> {
  await rm(run, { recursive: true, force: true });
  await mkdir(run, { recursive: true });
  await writeFile(join(run, 'people.csv'), 'id,email,team,manager,status\nu0,user0@corp.example,eng,,active\n');
  await writeFile(join(run, 'grants.jsonl'), '{"principal":"user0@corp.example","permission":"x"}\n');
  const config = [
    'store: ./lake',
    'directory: { path: people.csv }',
    'systems:',
    `  ${c.system}:`,
    `    connector: ${c.connector}`,
    `    logs: [{ path: ${JSON.stringify(c.dir)} }]`,
    '    grants: { path: grants.jsonl }',
    `    actions: ${actions}`,
    '',
  ].join('\n');
  await writeFile(join(run, 'lapse.yaml'), config);
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'ingest', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], {
    cwd: run, encoding: 'utf8', env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' },
  });
  if (r.status !== 0) throw new Error(`lapse ingest (actions ${actions}) failed (${r.status}): ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

// Run directly (`node dist/bench/actions.js`), or from bench/main.ts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchActions(process.argv.slice(2));
