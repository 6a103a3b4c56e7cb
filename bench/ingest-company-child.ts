/**
 * One measured run on the ingest company (bench/ingest-company.ts), in its own process so its time and
 * peak RSS are its own. Prints one JSON line: `seconds` (since the process started), `lapse_seconds`
 * (since this script's first line: lapse's own time, without Node's start), `max_rss_mb`, and what it found.
 *
 *   node ingest-company-child.js lapse <config> <as-of>      `lapse run` as the CLI runs it
 *   node ingest-company-child.js plain <company dir> <as-of> [<logs dir>]  the plain script doing the whole job
 */
import module from 'node:module';

const boot = performance.now();

async function lapse(config: string, asOf: string): Promise<Record<string, unknown>> {
  // As bin/lapse.js starts the CLI.
  module.enableCompileCache?.();
  const { main } = await import('../cli/main.js');
  const code = await main(['node', 'lapse', 'run', '--config', config, '--as-of', asOf]);
  // 0, or 3 when a guard held a list back (core/errors.ts EXIT). Anything else is a failed run.
  if (code !== 0 && code !== 3) throw new Error(`lapse run exited ${code}`);
  return { exit: code };
}

async function plain(dir: string, asOf: string, logs?: string): Promise<Record<string, unknown>> {
  const { plainCompany } = await import('./ingest-company-plain.js');
  const findings = await plainCompany(dir, asOf, logs);
  return { findings: findings.length };
}

const [, , which, a, b, c] = process.argv;
const modes: Record<string, (a: string, b: string, c?: string) => Promise<Record<string, unknown>>> = { lapse, plain };
const mode = modes[which!];
if (!mode || !a || !b) throw new Error(`usage: ingest-company-child.js <${Object.keys(modes).join('|')}> <config or dir> <as-of>`);
const found = await mode(a, b, c);
const end = performance.now();
process.stdout.write(
  `${JSON.stringify({ seconds: end / 1000, lapse_seconds: (end - boot) / 1000, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), ...found })}\n`,
);
