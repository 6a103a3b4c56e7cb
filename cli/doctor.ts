import { actions } from '../actions/index.js';
import { connectorById } from '../connectors/index.js';
import { Probes, type Check, type CheckContext } from '../core/checks.js';
import { resolvePath, type Config } from '../core/config.js';
import { daysBetween, type Day } from '../core/days.js';
import { Db } from '../core/db.js';
import { EXIT, messageOf } from '../core/errors.js';
import { layout, partition } from '../core/layout.js';
import { GuardEntry } from '../core/model.js';
import { openStore, type Lake } from '../core/store.js';
import { createLogger } from '../core/log.js';
import type { Io } from './commands.js';
import { readConfig } from './config.js';
import { asOfDay } from './context.js';
import { coverageCheck, ruleCoverage } from '../detect/rules/unmatched.js';
import { plural } from '../core/text.js';

/**
 * `lapse doctor`: checks the config, then every place lapse reads or writes, with the current
 * credentials, and says what is wrong — for AWS, which IAM permission on which resource is missing.
 * It never consumes a message or leaves an object behind. Besides its own checks (config, directory,
 * lake), it runs what each configured connector and action declares (`checks`, see core/checks.ts).
 */

export async function doctorCommand(io: Io, o: { config: string; asOf?: string }): Promise<number> {
  const asOf = asOfDay(o.asOf);
  const checks: Check[] = [];
  const say = (c: Check) => {
    checks.push(c);
    io.out(`${c.status.padEnd(4)}  ${c.what}: ${c.detail}\n`);
  };
  let config: Config;
  try {
    config = await readConfig(o.config);
  } catch (err) {
    say({ status: 'FAIL', what: 'config', detail: messageOf(err) });
    return EXIT.usage;
  }
  say({ status: 'ok', what: 'config', detail: `${o.config}: ${Object.keys(config.systems).length} systems, ${config.actions.length} actions` });
  const probe = new Probes(config, say);
  const ctx: CheckContext = { config, say, probe };
  await probe.localFile('directory', config.directory.path);
  for (const [name, system] of Object.entries(config.systems)) await connectorById(system.connector).checks({ name, system }, ctx);
  await probe.location('lake', config.store, config.aws.sse);
  await lakeState(config, asOf, say);
  for (const entry of config.actions) {
    const action = actions.get(entry.type)!;
    await action.checks(action.options.parse(entry), ctx);
  }
  const failed = checks.filter((c) => c.status === 'FAIL').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const warnings = `${plural(warned, 'warning')}: what the next run will hold or skip (see warn above)`;
  io.out(`${failed ? `${plural(failed, 'problem')}${warned ? `, ${warnings}` : ''}` : warned ? `no failures, ${warnings}` : 'no problems'}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}

/**
 * What the lake says the next run will hold, as of a day: a system whose newest ingested event is older
 * than its max_source_lag_days (source_freshness holds it), a system with no grants snapshot (nothing to
 * judge), permission rules (names or globs) that match no grant of the newest snapshot, and the guards the newest run record on or before the day held. Read-only.
 */
async function lakeState(config: Config, asOf: Day, say: (c: Check) => void): Promise<void> {
  let lake: Lake | undefined;
  let db: Db | undefined;
  try {
    lake = openStore(resolvePath(config, config.store), { aws: config.aws, log: createLogger('silent') });
    const ledger = (await lake.list(layout.objects)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
    if (ledger.length === 0) return say({ status: 'ok', what: 'lake', detail: `${lake.uri}: nothing ingested yet; source freshness is checked once lapse ingest has run` });
    db = await Db.open({ threads: 1 });
    const newest = new Map(
      (
        await db.all<{ system: string; newest: string }>(
          `SELECT system, max(last_seen)::DATE::VARCHAR AS newest FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
           WHERE first_seen IS NOT NULL AND first_seen::DATE <= $as_of::DATE GROUP BY system`,
          { files: await lake.localPaths(ledger), as_of: asOf },
        )
      ).map((r) => [r.system, r.newest]),
    );
    const snapshots = (await lake.list(layout.grants)).map((o) => o.key);
    for (const [name, sys] of Object.entries(config.systems)) {
      const lag = sys.max_source_lag_days ?? config.defaults.max_source_lag_days;
      const day = newest.get(name);
      const what = `${name} freshness`;
      if (!day) say({ status: 'warn', what, detail: `no event ingested on or before ${asOf}: source_freshness will hold ${name} (nothing can be judged unused)` });
      else if (daysBetween(day, asOf) > lag) {
        say({ status: 'warn', what, detail: `newest event ${day}, ${plural(daysBetween(day, asOf), 'day')} before ${asOf} (max_source_lag_days ${lag}): source_freshness will hold ${name}` });
      } else say({ status: 'ok', what, detail: `newest event ${day}, within ${plural(lag, 'day')} of ${asOf}` });
      const held = snapshots.some((k) => partition(k, 'system') === name && (partition(k, 'day') ?? '') <= asOf);
      if (!held) say({ status: 'warn', what: `${name} grants snapshot`, detail: `none in the lake on or before ${asOf}: no grant of ${name} is judged until lapse ingest reads one` });
    }
    for (const c of await ruleCoverage(config, lake, db, asOf)) say(coverageCheck(c));
    await lastRun(lake, asOf, say);
  } catch (err) {
    say({ status: 'warn', what: 'lake', detail: `cannot read what the lake holds: ${messageOf(err)}` });
  } finally {
    db?.close();
    await lake?.cleanup();
  }
}

/** The guards the newest run record on or before `asOf` held: the next run is likely to hold them again. */
async function lastRun(lake: Lake, asOf: Day, say: (c: Check) => void): Promise<void> {
  const days = (await lake.list(layout.runs)).map((o) => partition(o.key, 'as_of')).filter((d): d is string => !!d && d <= asOf).sort();
  const day = days.at(-1);
  if (!day) return;
  const run = JSON.parse((await lake.readText(layout.runOf(day))) ?? '{}') as { guards?: unknown[] };
  for (const g of (run.guards ?? []).flatMap((g) => GuardEntry.safeParse(g).data ?? [])) {
    say({ status: 'warn', what: `${g.system} last run`, detail: `the run as of ${day} held ${g.held} (${g.guard}): ${g.detail}` });
  }
}
