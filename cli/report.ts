import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EXIT, StoreError, UsageError, messageOf } from '../core/errors.js';
import { buildReport, renderReport } from '../report/index.js';
import { withContext, type Io } from './commands.js';
import { asOfDay } from './context.js';

export interface ReportOptions {
  config: string;
  out: string;
  asOf?: string;
}

/**
 * `lapse report --out report.html`: the report for people, one self-contained HTML file (no network).
 * Without `--as-of` it shows every run and the newest; with it, the runs up to that day.
 */
export async function reportCommand(io: Io, o: ReportOptions): Promise<number> {
  if (!o.out || o.out.trim() === '') throw new UsageError('--out: give the HTML file to write, e.g. --out report.html');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(o.out)) {
    throw new UsageError(`--out ${o.out}: expected a local file path (copy the file elsewhere afterwards, e.g. with aws s3 cp)`);
  }
  const asOf = o.asOf === undefined ? undefined : asOfDay(o.asOf);
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    const data = await buildReport(ctx, asOf);
    const page = renderReport(data);
    const out = resolve(o.out);
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
    return EXIT.ok;
  });
}
