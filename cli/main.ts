import { Command, CommanderError, Option } from 'commander';
import { addSecretsFromEnv, createLogger, redactSecrets } from '../core/log.js';
import { lapseVersion } from '../core/version.js';
import { EXIT, LapseError, exitCodeOf, messageOf } from '../core/errors.js';
import { actCommand, detectCommand, explainCommand, ingestCommand, runCommand, type Io } from './commands.js';
import { doctorCommand } from './doctor.js';
import { exemptCommand } from './exempt.js';
import { exportCommand } from './export.js';
import { notifyCommand } from './notify.js';
import { parseCommand } from './parse.js';
import { reportCommand } from './report.js';
import { restoreCommand } from './restore.js';
import { revokerCommand } from './revoker.js';
import { backtestCommand, suggestTtlCommand } from './ttl.js';
import { rightsizeCommand } from './rightsize.js';

/** lapse's version, from its package.json: two folders up when built (dist/cli/), one up from the sources. */

/** The `lapse` command line: thin wiring from flags to commands (the README's Commands section). */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('lapse')
    .description('Find privileges people hold but no longer use, and take them away safely.')
    .version(`${lapseVersion()} (node ${process.version})`, '-V, --version', 'print the version of lapse and of the Node it runs on')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => process.stderr.write(s) });
  const config = () => new Option('-c, --config <file>', 'config file (YAML or JSON)').makeOptionMandatory();
  const asOf = () => new Option('--as-of <day>', 'UTC day (YYYY-MM-DD) treated as today by every rule');
  const done = (p: Promise<number>) => p.then(setExit);

  program
    .command('run')
    .description('the daily job: ingest → aggregate → detect → act')
    .addOption(config())
    .addOption(asOf())
    .option('--dry-run', 'run every stage without side effects: nothing is written')
    .option('--allow-blast-radius <system>', "let this run's list for SYSTEM through the blast-radius guard (repeatable; needs --reason; recorded)", (v: string, p: string[] = []) => [...p, v])
    .option('--reason <text>', 'why, for --allow-blast-radius: once, or once per system in order', (v: string, p: string[] = []) => [...p, v])
    .action((o) => done(runCommand(io, o)));
  program
    .command('ingest')
    .description('ingest logs, grants snapshots and the directory into the lake')
    .addOption(config())
    .addOption(asOf())
    .option('--source <system>', 'only this system')
    .option('--backfill-from <day>', 'okta: and github: log sources without a checkpoint start from this UTC day')
    .action((o) => done(ingestCommand(io, o)));
  program
    .command('detect')
    .description('findings only, no actions')
    .addOption(config())
    .addOption(asOf())
    .option('--json', 'print the findings document')
    .action((o) => done(detectCommand(io, o)));
  program
    .command('act')
    .description('run the actions on the stored findings (newest run, or --as-of)')
    .addOption(config())
    .addOption(asOf())
    .option('--dry-run', 'plan only: show what the actions would do')
    .option('--allow-blast-radius <system>', "let this run's list for SYSTEM through the blast-radius guard (repeatable; needs --reason; recorded)", (v: string, p: string[] = []) => [...p, v])
    .option('--reason <text>', 'why, for --allow-blast-radius: once, or once per system in order', (v: string, p: string[] = []) => [...p, v])
    .action((o) => done(actCommand(io, o)));
  program
    .command('explain')
    .description("why each of a person's grants is or is not flagged")
    .argument('<person-or-principal>', 'directory id, email, or a system principal')
    .addOption(config())
    .addOption(asOf())
    .option('--json', 'print JSON')
    .action((who: string, o) => done(explainCommand(io, { ...o, who })));
  program
    .command('doctor')
    .description('checks config, sources, sinks and credentials, and says what is wrong')
    .addOption(config())
    .addOption(new Option('--as-of <day>', 'UTC day (YYYY-MM-DD) source freshness and the last run are judged against (default: today)'))
    .action((o) => done(doctorCommand(io, o)));
  program
    .command('suggest-ttl')
    .description('TTL per (team, system, permission) from observed gaps between uses; flags periodic permissions')
    .addOption(config())
    .addOption(asOf())
    .option('--json', 'print the rows as JSON')
    .action((o) => done(suggestTtlCommand(io, o)));
  program
    .command('rightsize')
    .description('per permission set, role, binding or repository role: what its holders used, and the smaller grant to give (docs/rightsize.md)')
    .addOption(config())
    .addOption(asOf())
    .option('--system <name>', 'one system (default: every system with action summaries)')
    .option('--days <n>', 'the window, in days up to the as-of day', '90')
    .option('--granularity <g>', 'AWS: remove unused services, or unused actions (service | action)', 'service')
    .option('--json', 'print the rightsize document as JSON')
    .option('--tickets', 'file one ticket per unit owner through the configured actions that take them (jira)')
    .option('--dry-run', 'with --tickets: show the tickets, file none')
    .option('--html <file>', 'also write the right-sizing page (self-contained HTML)')
    .action((o) => done(rightsizeCommand(io, o)));
  program
    .command('backtest')
    .description('replay the history under candidate TTLs: revocations and regrets (revoked, then used again)')
    .addOption(config())
    .addOption(asOf())
    .requiredOption('--ttl <days>', 'TTLs to replay, comma-separated, e.g. 30,60,90,configured')
    .option('--json', 'print the rows as JSON')
    .action((o) => done(backtestCommand(io, o)));
  program
    .command('exempt')
    .description('record a time-limited exemption (owner, reason, expiry); --list shows them, --revoke withdraws one')
    .addOption(config())
    .addOption(new Option('--as-of <day>', 'UTC day (YYYY-MM-DD) the exemption starts; --until and --list are judged from it'))
    .option('--system <name>', 'the system')
    .option('--permission <name>', "the permission, or a glob ('*': every permission on the system; 'repo/corp/*')")
    .option('--principal <id>', "the system's own id of who holds it…")
    .option('--person <id>', '…or a directory person (all their ids)…')
    .option('--team <team>', "…or a directory team (every member's grants, as of each run's directory)")
    .option('--owner <who>', 'who is accountable for the exemption')
    .option('--reason <text>', 'why (recorded; also the reason for --revoke)')
    .option('--until <day>', 'last day it applies (YYYY-MM-DD, at most a year ahead)')
    .option('--requested-by <who>', 'who asked (default: the owner); who revokes, with --revoke')
    .option('--list', 'list active exemptions')
    .option('--all', 'with --list: expired and revoked ones too')
    .option('--revoke <id>', 'withdraw an exemption')
    .option('--json', 'with --list: print JSON')
    .option('--force', 'record it even if the lake has never seen this grant or person (a typo covers nothing)')
    .action((o) => done(exemptCommand(io, o)));
  program
    .command('restore')
    .description('request that a revoked grant be given back: a re-grant request for the revoker, recorded with who and why')
    .addOption(config())
    .requiredOption('--system <name>', 'the system')
    .requiredOption('--principal <id>', "the system's own id of who should get it back")
    .requiredOption('--permission <name>', 'the permission')
    .requiredOption('--reason <text>', 'why it is needed')
    .requiredOption('--requested-by <who>', 'who asks')
    .option('--person <id>', 'the directory person, for the record')
    .option('--force', 'request it even if the lake has never seen this grant (no snapshot row, use or revocation)')
    .action((o) => done(restoreCommand(io, o)));
  program
    .command('revoker')
    .description("apply a system's revocation lists and restore requests, running a command once per entry; acks make it restartable")
    .addOption(config())
    .requiredOption('--system <name>', 'the system whose lists to apply')
    .requiredOption('--exec <cmd>', 'command run once per entry: entry JSON on stdin, exit 0 applied, 3 already done (no shell; see docs/revoker.md)')
    .option('--timeout <secs>', 'seconds one entry may take (default 60)')
    .option('--concurrency <n>', 'entries run at once (default 1)')
    .option('--ack-every <n>', 'rewrite ack.jsonl after this many entries (default 1)')
    .action((o) => done(revokerCommand(io, o)));
  program
    .command('notify')
    .description("send the notify action's messages for the stored findings; --preview DIR writes them instead, one file per recipient")
    .addOption(config())
    .addOption(asOf())
    .option('--preview <dir>', 'write every message as it would be sent (one file per recipient) to this directory; send nothing')
    .option('--dry-run', 'print every message as it would be sent; send nothing')
    .action((o) => done(notifyCommand(io, o)));
  program
    .command('report')
    .description('the report for people: counts, trends and charts in one self-contained HTML page; --site: the expiring-access site')
    .addOption(config())
    .addOption(asOf())
    .option('--out <file>', 'the HTML file to write')
    .option('--site <dir>', 'write the expiring-access site (a page per person, team and manager) to this directory')
    .option('--soon-days <n>', 'with --site: "lapses soon" means within this many days (default 30)')
    .action((o) => done(reportCommand(io, o)));
  program
    .command('export')
    .description('write the stored findings of a run as OCSF IAM Analysis Findings: JSON Lines and Parquet, or a Security Lake custom source')
    .addOption(config())
    .addOption(asOf())
    .requiredOption('--format <format>', 'the format: ocsf')
    .requiredOption('--out <dir>', 'a local directory, or the s3:// location of a Security Lake custom source (with --region and --account-id)')
    .option('--region <region>', 'with an s3:// --out: the region= partition (the Security Lake Region)')
    .option('--account-id <id>', 'with an s3:// --out: the accountId= partition (12 digits)')
    .action((o) => done(exportCommand(io, o)));
  program
    .command('parse')
    .description('run a connector over log files: events as JSONL on stdout, drops by reason on stderr')
    .argument('<files...>', 'log files, directories or globs (.gz read transparently)')
    .option('--connector <id>', 'connector id, e.g. aws_cloudtrail')
    .option('-c, --config <file>', 'take the connector and its options from this config…')
    .option('--system <name>', '…for this system')
    .option('--options <json>', "connector options as JSON, e.g. '{\"cluster\":\"prod\"}'")
    .option('--drops', 'also print dropped records (with drop_reason) on stdout')
    .action((files: string[], o) => done(parseCommand(io, { ...o, files })));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  stopWhenReaderGone(process.stdout);
  addSecretsFromEnv();
  const log = createLogger();
  let code: number = EXIT.ok;
  const io: Io = { out: (t) => process.stdout.write(redactSecrets(t)), log };
  try {
    await buildProgram(io, (c) => (code = c)).parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (!(err instanceof LapseError)) log.error({ err }, 'run failed');
    process.stderr.write(`lapse: ${redactSecrets(messageOf(err))}\n`);
    return exitCodeOf(err);
  }
}

/**
 * Ends the process with `code` once stdout and stderr have handed everything written to them to their
 * readers. Writes to a pipe are asynchronous: exiting at once would drop what a slow reader has not taken
 * yet. Exiting rather than waiting for the event loop to drain keeps a request given up on (a Jira
 * timeout, whose socket jira.js cannot abort) from holding the job open after its output is out.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** `lapse … | head`: when the reader of stdout is gone, stop as a pipe's writer does (128 + SIGPIPE), without a stack trace. */
function stopWhenReaderGone(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(141);
  });
}

/** Resolves when everything written to `stream` so far is written out (or the stream failed: a reader gone). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}
