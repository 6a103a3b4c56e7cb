import { addDays } from '../../core/days.js';
import { shortId } from '../../core/hash.js';
import { layout } from '../../core/layout.js';
import { GuardEntry, type Finding, type FindingsDocument } from '../../core/model.js';
import { listRestores, listRevocations, type RestoreRecord, type RevocationRecord } from '../../core/records.js';
import type { Lake } from '../../core/store.js';
import type { EventType } from './options.js';

/**
 * The changes a webhook tells, derived from the findings document and the lake: findings first flagged
 * and findings resolved, grants put on a written revocation list and grants restored, guards that held a
 * system's list. Each has a `key` naming its occasion, the same whichever run derives it, so what was
 * delivered (records.ts) is never sent again and what was not is sent by the next run within `catch_up_days`.
 */
export interface WebhookEvent {
  /** Stable across runs and deliveries: receivers can drop an event they already have. */
  id: string;
  type: EventType;
  /** The run day the change belongs to. */
  day: string;
  finding?: Finding | null;
  revocation?: RevocationRecord;
  restore?: RestoreRecord;
  guard?: GuardEntry;
}

/** An event and its occasion (`new:<finding id>@<first flagged>`, `revoked:<finding id>@<run id>`…). */
export interface Keyed {
  key: string;
  event: WebhookEvent;
}

const ORDER: EventType[] = ['guard.held', 'grant.revoked', 'grant.restored', 'finding.new', 'finding.resolved'];

export async function deriveEvents(lake: Lake, doc: FindingsDocument, catchUpDays: number): Promise<Keyed[]> {
  const since = addDays(doc.as_of, -catchUpDays);
  const inWindow = (day: string) => day >= since && day <= doc.as_of;
  const byId = new Map(doc.findings.map((f) => [f.finding_id, f]));
  const out: Keyed[] = [];
  const add = (key: string, event: Omit<WebhookEvent, 'id'>) => out.push({ key, event: { id: shortId('ev', key), ...event } });
  for (const f of doc.findings) {
    if (f.status === 'resolved' && f.resolved_on && inWindow(f.resolved_on)) add(`resolved:${f.finding_id}@${f.resolved_on}`, { type: 'finding.resolved', day: f.resolved_on, finding: f });
    else if (f.status !== 'resolved' && f.status !== 'exempted' && inWindow(f.first_flagged)) add(`new:${f.finding_id}@${f.first_flagged}`, { type: 'finding.new', day: f.first_flagged, finding: f });
  }
  for (const r of (await listRevocations(lake)).filter((x) => inWindow(x.as_of))) {
    add(`revoked:${r.finding_id}@${r.run_id}`, { type: 'grant.revoked', day: r.as_of, revocation: r, finding: byId.get(r.finding_id) ?? null });
  }
  for (const r of (await listRestores(lake)).filter((x) => inWindow(x.requested_at.slice(0, 10)))) {
    add(`restored:${r.restore_id}`, { type: 'grant.restored', day: r.requested_at.slice(0, 10), restore: r });
  }
  for (const [day, guards] of await guardsOf(lake, doc, since)) {
    for (const g of guards) add(`guard:${g.system}:${g.guard}@${day}`, { type: 'guard.held', day, guard: g });
  }
  return out.sort((a, b) => ORDER.indexOf(a.event.type) - ORDER.indexOf(b.event.type) || (a.event.day < b.event.day ? -1 : a.event.day > b.event.day ? 1 : a.key < b.key ? -1 : 1));
}

/** The guards of this run, and of the earlier runs in the window (their run.json in the lake). */
async function guardsOf(lake: Lake, doc: FindingsDocument, since: string): Promise<Map<string, GuardEntry[]>> {
  const out = new Map<string, GuardEntry[]>([[doc.as_of, doc.guards]]);
  for (const { key } of await lake.list(layout.runs)) {
    const day = /as_of=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
    if (!day || day < since || day >= doc.as_of || !key.endsWith('run.json')) continue;
    const run = JSON.parse((await lake.readText(key)) ?? '{}') as { guards?: unknown[] };
    out.set(day, (run.guards ?? []).map((g) => GuardEntry.parse(g)));
  }
  return out;
}
