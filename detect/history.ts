import type { StageContext } from '../core/context.js';
import { listExemptions, startsOn } from '../core/exemptions.js';
import { layout } from '../core/layout.js';
import { listRestores, listRevocations } from '../core/records.js';

export interface HistoryEvent {
  day: string;
  event: 'flagged' | 'reappeared' | 'resolved' | 'exempted' | 'revoked' | 'restored' | 'exemption' | 'exemption_revoked';
  system: string;
  permission: string;
  principal: string | null;
  detail: string;
}

interface FindingRow {
  as_of: string;
  finding_id: string;
  system: string;
  principal: string;
  permission: string;
  kind: string;
  status: string;
  exempt_reason: string | null;
}

/**
 * A person's (or principal's) history across runs: what was flagged, exempted, revoked, restored
 * and resolved, when and why — from the findings of every run, the action records and exemptions.
 */
export async function history(ctx: StageContext, who: string, person: string | null): Promise<HistoryEvent[]> {
  const keys = (await ctx.lake.list(layout.findings)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  const files = await ctx.lake.localPaths(keys);
  const rows = files.length
    ? await ctx.db.all<FindingRow>(
        `SELECT regexp_extract(filename, 'as_of=([0-9-]+)', 1) AS as_of, finding_id, system, principal, permission, kind,
                status, exempt_reason
         FROM read_parquet($files, filename = true, union_by_name = true)
         WHERE lower($who) IN (lower(principal), lower(email), lower(person)) OR person = $person
         ORDER BY as_of, system, permission`,
        { files, who, person: person ?? '' },
      )
    : [];
  const events: HistoryEvent[] = [];
  const last = new Map<string, string>();
  for (const r of rows) {
    const prev = last.get(r.finding_id);
    last.set(r.finding_id, r.status);
    if (prev === r.status || (prev && r.status === 'open')) continue;
    const base = { day: r.as_of, system: r.system, permission: r.permission, principal: r.principal };
    if (r.status === 'new' || r.status === 'open') events.push({ ...base, event: 'flagged', detail: r.kind.replace('_', ' ') });
    else if (r.status === 'reappeared') events.push({ ...base, event: 'reappeared', detail: r.kind.replace('_', ' ') });
    else if (r.status === 'resolved') events.push({ ...base, event: 'resolved', detail: 'no longer flagged: used again, revoked or exempted' });
    else if (r.status === 'exempted') events.push({ ...base, event: 'exempted', detail: r.exempt_reason ?? '' });
  }
  const ids = new Set(rows.map((r) => r.finding_id));
  const principals = new Set(rows.map((r) => r.principal.toLowerCase()).concat(who.toLowerCase()));
  for (const r of await listRevocations(ctx.lake)) {
    if (!ids.has(r.finding_id)) continue;
    events.push({ day: r.as_of, event: 'revoked', system: r.system, permission: r.permission, principal: r.principal, detail: `${r.reason}, run ${r.run_id}` });
  }
  for (const r of await listRestores(ctx.lake)) {
    if (!ids.has(r.finding_id) && !principals.has(r.principal.toLowerCase()) && r.person !== person) continue;
    events.push({
      day: r.requested_at.slice(0, 10), event: 'restored', system: r.system, permission: r.permission, principal: r.principal,
      detail: `requested by ${r.requested_by}: ${r.reason}${r.revoked_in_run ? ` (undoes run ${r.revoked_in_run})` : ''}`,
    });
  }
  for (const e of await listExemptions(ctx.lake)) {
    const mine = (e.person !== null && e.person === person) || (e.principal !== null && principals.has(e.principal.toLowerCase()));
    if (!mine) continue;
    const base = { system: e.system, permission: e.permission, principal: e.principal };
    events.push({ ...base, day: e.created_at.slice(0, 10), event: 'exemption', detail: `${e.reason} (owner ${e.owner}, ${startsOn(e)} to ${e.until}, ${e.exemption_id})` });
    if (e.revoked) events.push({ ...base, day: e.revoked.revoked_at.slice(0, 10), event: 'exemption_revoked', detail: `by ${e.revoked.revoked_by}: ${e.revoked.reason}` });
  }
  return events.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

