import { basename, isAbsolute, relative, resolve } from 'node:path';
import { exportOcsf, SecurityLake } from '../actions/ocsf/action.js';
import { lapseProduct, ocsfRecords } from '../actions/ocsf/record.js';
import type { SecurityLakeTarget } from '../actions/ocsf/write.js';
import { resolvePath } from '../core/config.js';
import { EXIT, StoreError, UsageError } from '../core/errors.js';
import { plural } from '../core/text.js';
import { loadFindings } from '../detect/index.js';
import { withContext, type Io } from './commands.js';
import { asOfDay } from './context.js';

export interface ExportOptions {
  config: string;
  format: string;
  out: string;
  asOf?: string;
  region?: string;
  accountId?: string;
}

const FORMATS = ['ocsf'];

/**
 * `lapse export --format ocsf`: the stored findings of a run (newest, or --as-of) as OCSF IAM Analysis
 * Findings, like the ocsf action: JSON Lines and Parquet in a local directory, or Parquet in a Security Lake
 * custom source's partitions (`--out s3://… --region R --account-id A`). The lake is opened read-only.
 */
export async function exportCommand(io: Io, o: ExportOptions): Promise<number> {
  if (!FORMATS.includes(o.format)) throw new UsageError(`--format ${o.format}: unknown format; valid: ${FORMATS.join(', ')}`);
  const securityLake = securityLakeFlags(o);
  const out = o.out.startsWith('s3://') ? o.out : resolve(o.out);
  const asOf = o.asOf === undefined ? undefined : asOfDay(o.asOf);
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    refuseInsideLake(out, resolvePath(ctx.config, ctx.config.store));
    const doc = await loadFindings(ctx, asOf);
    if (!doc) throw new StoreError(`no findings in ${ctx.lake.uri}${asOf ? ` for ${asOf}` : ''}; run lapse detect first`);
    const records = ocsfRecords(doc, lapseProduct(), basename(o.config));
    const where = await exportOcsf(ctx.config, out, records, doc.as_of, securityLake);
    io.out(`${plural(records.length, 'OCSF finding')} as of ${doc.as_of} (run ${doc.run_id}) → ${where}\n`);
    return EXIT.ok;
  });
}

/** `--region` and `--account-id` go together, and only with an s3:// --out (a Security Lake custom source). */
function securityLakeFlags(o: ExportOptions): SecurityLakeTarget | undefined {
  const s3 = o.out.startsWith('s3://');
  const given = o.region !== undefined || o.accountId !== undefined;
  if (!s3 && given) throw new UsageError('--region and --account-id are for a Security Lake custom source: give --out s3://…');
  if (!s3) return undefined;
  if (!given) throw new UsageError(`--out ${o.out}: an s3:// target is a Security Lake custom source; give its --region and --account-id`);
  const parsed = SecurityLake.safeParse({ region: o.region, account_id: o.accountId });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = issue.path[0] === 'region' ? '--region' : '--account-id';
    throw new UsageError(`${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** The export is an output of its own: it may not land inside the lake (both local, or both on S3). */
function refuseInsideLake(out: string, store: string): void {
  const inside = out.startsWith('s3://') || store.startsWith('s3://')
    ? `${out.replace(/\/+$/, '')}/`.startsWith(`${store.replace(/\/+$/, '')}/`)
    : !relative(store, out).startsWith('..') && !isAbsolute(relative(store, out));
  if (inside) throw new UsageError(`--out ${out}: inside the lake (${store}); write the export elsewhere`);
}
