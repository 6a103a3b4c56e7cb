import { z } from 'zod';
import { outputLocation, resolvePath, type Config } from '../../core/config.js';
import { openStore } from '../../core/store.js';
import { plural } from '../../core/text.js';
import { defineAction } from '../_shared/define.js';
import { lapseProduct, ocsfRecords } from './record.js';
import { ocsfKeys, writeOcsf, type SecurityLakeTarget } from './write.js';

/** An AWS Region code as Security Lake's partitions name it (`us-east-1`, `eu-central-1`, `us-gov-west-1`). */
const Region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS Region code such as us-east-1');

export const SecurityLake = z.strictObject({
  region: Region.describe('The Region partition (region=…) the findings go in: the Region of the Security Lake bucket.'),
  account_id: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id').describe('The account partition (accountId=…): the account the custom source was registered for.'),
});

/**
 * Writes every finding of the run as an OCSF 1.6 IAM Analysis Finding (class 2008): JSON Lines and Parquet
 * in a local directory, one pair per as-of day; or, with `security_lake`, Parquet under an AWS Security Lake
 * custom source's location, partitioned by region, account and event day (docs/security-lake.md). The finding
 * id is `finding_info.uid`, so exporting a finding again updates it. `lapse export --format ocsf` writes the same.
 *
 * @example
 * actions:
 *   - { type: ocsf, out: ./lapse-out/ocsf }
 *   - type: ocsf
 *     out: s3://aws-security-data-lake-us-east-1-abc123/ext/lapse/1.0
 *     security_lake: { region: us-east-1, account_id: "123456789012" }
 */
export const ocsf = defineAction({
  id: 'ocsf',
  title: 'OCSF findings (JSON Lines, Parquet, Security Lake)',
  effect: 'report',
  options: z
    .object({
      out: outputLocation('A local directory (JSON Lines and Parquet), or with security_lake the s3:// location of the Security Lake custom source (Parquet).'),
      security_lake: SecurityLake.optional().describe('Write to an AWS Security Lake custom source: the partition values of its objects (docs/security-lake.md).'),
    })
    .superRefine((o, ctx) => {
      const s3 = o.out.startsWith('s3://');
      if (s3 && !o.security_lake) ctx.addIssue({ code: 'custom', path: ['security_lake'], message: 'required with an s3:// out: { region, account_id } of the Security Lake custom source' });
      if (!s3 && o.security_lake) ctx.addIssue({ code: 'custom', path: ['out'], message: 'security_lake needs out to be the custom source s3:// location' });
    }),
  async plan(_ctx, doc, options) {
    const records = ocsfRecords(doc, lapseProduct());
    return { as_of: doc.as_of, records, keys: Object.values(ocsfKeys(doc.as_of, options.security_lake)).filter((k) => k !== null) };
  },
  describe(plan) {
    return { lines: [`${plural(plan.records.length, 'OCSF finding')} → ${plan.keys.join(', ')}`] };
  },
  async apply(ctx, plan, options) {
    const out = await exportOcsf(ctx.config, options.out, plan.records, plan.as_of, options.security_lake);
    return { lines: [`${plural(plan.records.length, 'OCSF finding')} → ${out}`] };
  },
});

/** Writes the records to a local directory or S3 location of the config; returns where. */
export async function exportOcsf(config: Config, out: string, records: object[], asOf: string, securityLake?: SecurityLakeTarget): Promise<string> {
  const target = openStore(resolvePath(config, out), { aws: config.aws });
  try {
    const keys = await writeOcsf(target, records, asOf, securityLake);
    return keys.map((k) => `${target.uri}/${k}`).join(', ');
  } finally {
    await target.cleanup();
  }
}
