import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LOGS, TTL_DAYS, type System } from './ingest-company.js';
import { plainJob, type PlainFinding, type PlainVendor } from './plain.js';

/** The plain script's whole job on the ingest company: every system's logs, its grants, the TTL rule. */

/** Each company system's connector. */
export const VENDOR: Record<System, PlainVendor> = { aws: 'aws_cloudtrail', okta: 'okta_system_log', github: 'github_audit' };

/** Every file under `dir`, sorted (what `find dir -type f | sort` gives). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** `logs`: the folder holding the log folders (default: the company's own). */
export async function plainCompany(dir: string, asOf: string, logs = dir): Promise<PlainFinding[]> {
  const systems = await Promise.all(
    (Object.keys(VENDOR) as System[]).map(async (id) => ({
      id, vendor: VENDOR[id], files: await filesUnder(join(logs, LOGS[id])), grants: join(dir, `grants/${id}.jsonl`),
    })),
  );
  return plainJob(systems, asOf, TTL_DAYS);
}
