import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadAsOf } from '../aggregate/index.js';
import { EXIT, StoreError, UsageError, messageOf } from '../core/errors.js';
import type { Day } from '../core/days.js';
// evaluate (detect's judgement of every grant, lapse_eval) is not yet exported by detect/index.ts.
import { evaluate } from '../detect/detect.js';
import { buildReport, buildSite, GENERATOR, MANIFEST, renderReport, renderSite, type ReportData } from '../report/index.js';
import { withContext, type Io } from './commands.js';
import { asOfDay, type CliContext } from './context.js';
import { DEFAULT_DAYS, rightsizeDocument } from './rightsize.js';

export interface ReportOptions {
  config: string;
  out?: string;
  site?: string;
  soonDays?: string;
  asOf?: string;
}

/**
 * `lapse report --out report.html`: the report for people, one self-contained HTML file (no network).
 * `--site DIR`: the expiring-access site (docs/site.md). Without `--as-of` it shows every run and the
 * newest; with it, the runs up to that day.
 */
export async function reportCommand(io: Io, o: ReportOptions): Promise<number> {
  const out = o.out === undefined ? undefined : localPath('--out', o.out, 'the HTML file to write, e.g. --out report.html');
  const site = o.site === undefined ? undefined : localPath('--site', o.site, 'the directory to write the site to, e.g. --site site/');
  if (!out && !site) throw new UsageError('give --out FILE (the report page), --site DIR (the expiring-access site), or both');
  const soonDays = soonDaysOf(o.soonDays);
  const asOf = o.asOf === undefined ? undefined : asOfDay(o.asOf);
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    const data = await buildReport(ctx, asOf);
    if (out) await writeReport(io, ctx, data, out);
    if (site) await writeSiteCommand(io, ctx, data, { dir: site, soonDays, configName: basename(o.config), ...(asOf && { asOf }) });
    return EXIT.ok;
  });
}

function localPath(flag: string, value: string, what: string): string {
  if (value.trim() === '') throw new UsageError(`${flag}: give ${what}`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const how = flag === '--out' ? 'file path (copy the file elsewhere afterwards, e.g. with aws s3 cp)' : 'directory (copy it elsewhere afterwards, e.g. with aws s3 sync)';
    throw new UsageError(`${flag} ${value}: expected a local ${how}`);
  }
  return resolve(value);
}

function soonDaysOf(value: string | undefined): number {
  if (value === undefined) return 30;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 365) throw new UsageError(`--soon-days ${value}: expected a whole number of days from 1 to 365`);
  return n;
}

async function writeReport(io: Io, ctx: CliContext, data: ReportData, out: string): Promise<void> {
  const page = renderReport(data);
  // Written beside the target and renamed: a reader (a web server, a browser) never sees half a page.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(tmp, page);
    await rename(tmp, out);
  } catch (err) {
    throw new StoreError(`cannot write the report to ${out}: ${messageOf(err)}`, { cause: err });
  }
  ctx.log.info({ stage: 'report', as_of: data.as_of, runs: data.runs.length, bytes: Buffer.byteLength(page), out }, 'report written');
  io.out(`lapse report · as of ${data.as_of} · ${data.runs.length} run${data.runs.length === 1 ? '' : 's'} · ${out}\n`);
}

/** The site: detect's judgement of every grant as of the report's run, then every page into DIR (replaced whole). */
async function writeSiteCommand(
  io: Io, ctx: CliContext, report: ReportData, o: { dir: string; soonDays: number; configName: string; asOf?: Day },
): Promise<void> {
  const started = performance.now();
  await refuseForeign(o.dir);
  const tables = await loadAsOf(ctx, report.as_of);
  await evaluate(ctx, report.as_of);
  const data = await buildSite(ctx, tables, report, o);
  const rightsize = await siteRightsize(ctx, report.as_of);
  const files = await writeSite(o.dir, renderSite({ ...data, ...(rightsize && { rightsize }) }));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  ctx.log.info({ stage: 'report', as_of: data.as_of, files, people: data.people.length, out: o.dir, seconds }, 'site written');
  io.out(`lapse report --site · as of ${data.as_of} · ${data.people.length} people · ${files} files · ${seconds} s · ${o.dir}\n`);
}

/**
 * The site's right-sizing page (as `lapse rightsize`, by service over its default window) when a system
 * keeps action summaries (`actions: true`); none otherwise. Reads the as-of tables loaded for the site.
 */
async function siteRightsize(ctx: CliContext, asOf: Day) {
  const systems = Object.keys(ctx.config.systems).filter((s) => ctx.config.systems[s]!.actions);
  if (systems.length === 0) return undefined;
  return rightsizeDocument(ctx, { asOf, days: DEFAULT_DAYS, granularity: 'service', systems });
}

/** A directory that is not empty and holds no site manifest is someone else's: never replaced. */
async function refuseForeign(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new UsageError(`--site ${dir}: not a directory lapse can read (${messageOf(err)})`);
  });
  if (entries.length === 0) return;
  const manifest = await readFile(join(dir, MANIFEST), 'utf8').catch(() => '');
  if (!manifest.includes(`"generator": "${GENERATOR}"`)) {
    throw new UsageError(`--site ${dir}: the directory is not empty and holds no ${MANIFEST} written by ${GENERATOR}; refusing to replace it`);
  }
}

/**
 * Writes the pages into a new directory beside DIR, then swaps it in: a reader sees the old site or the
 * new one, never half of one (apart from the instant between two renames). Returns the number of files.
 */
async function writeSite(dir: string, files: Iterable<[string, string]>): Promise<number> {
  const fresh = `${dir}.${process.pid}.tmp`;
  const old = `${dir}.${process.pid}.old`;
  let n = 0;
  try {
    await rm(fresh, { recursive: true, force: true });
    const made = new Set<string>();
    let batch: Promise<void>[] = [];
    for (const [path, text] of files) {
      const target = join(fresh, path);
      const parent = dirname(target);
      if (!made.has(parent)) {
        await mkdir(parent, { recursive: true });
        made.add(parent);
      }
      batch.push(writeFile(target, text));
      n++;
      if (batch.length >= 64) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    const existed = await rename(dir, old).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    });
    await rename(fresh, dir);
    if (existed) await rm(old, { recursive: true, force: true });
    return n;
  } catch (err) {
    await rm(fresh, { recursive: true, force: true });
    throw new StoreError(`cannot write the site to ${dir}: ${messageOf(err)}`, { cause: err });
  }
}
