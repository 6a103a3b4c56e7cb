import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { resolvePath } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { isDay, type Day } from '../core/days.js';
import { sqlFile, type Db } from '../core/db.js';
import { SourceError } from '../core/errors.js';

const PEOPLE_SQL = sqlFile(import.meta.url, 'people.sql');

/**
 * What detect knows of people besides the directory: leave periods (`directory.leave`) and on-call
 * shifts (`directory.on_call`), loaded as `lapse_leave(who, from_day, to_day)` and
 * `lapse_shifts(who, from_day, to_day)` (`who`: a directory id or email), then folded with the
 * directory's own leave status and the team moves into `lapse_person_context` (people.sql).
 */
export async function loadPeopleContext(ctx: StageContext, asOf: Day): Promise<void> {
  const { directory } = ctx.config;
  const leave = directory.leave ? await readPeriods(ctx.db, resolvePath(ctx.config, directory.leave), 'directory.leave') : [];
  const shifts: Period[] = [];
  for (const [i, file] of directory.on_call.entries()) {
    shifts.push(...(await readSchedule(ctx.db, resolvePath(ctx.config, file), `directory.on_call[${i}]`)));
  }
  const columns = { who: 'VARCHAR', from_day: 'DATE', to_day: 'DATE' };
  await ctx.db.tableFromRows('lapse_leave', columns, leave);
  await ctx.db.tableFromRows('lapse_shifts', columns, shifts);
  await ctx.db.run(PEOPLE_SQL, { as_of: asOf });
}

/** A period of days, both ends included; `to_day` null: open-ended. */
export interface Period {
  who: string;
  from_day: Day;
  to_day: Day | null;
}

/** A CSV of `person, from, to` (days or ISO timestamps; an empty `to` is open-ended), read by DuckDB's CSV reader. */
async function readPeriods(db: Db, file: string, field: string): Promise<Period[]> {
  await read(file, field);
  let rows: Record<string, string | null>[];
  try {
    rows = await db.all('SELECT * FROM read_csv($file, all_varchar = true, header = true)', { file });
  } catch (err) {
    throw new SourceError(`${field}: ${file}: not a readable CSV (${(err as Error).message.split('\n')[0]})`);
  }
  const header = Object.keys(rows[0] ?? {});
  const col = (name: string) => header.find((h) => h.trim().toLowerCase() === name);
  const [who, from, to] = [col('person'), col('from'), col('to')];
  if (rows.length && (!who || !from || !to)) {
    throw new SourceError(`${field}: ${file}: the header must name person, from and to (found ${header.join(', ')})`);
  }
  return rows.map((r, i) => period(r[who!] ?? '', r[from!] ?? '', r[to!] ?? '', `${field}: ${file} line ${i + 2}`));
}

/** A period from raw values, or an error naming the line and the bad value. */
function period(who: string, from: string, to: string, where: string): Period {
  if (!who.trim()) throw new SourceError(`${where}: no person`);
  const from_day = dayOf(from, `${where}: from`);
  if (from_day === null) throw new SourceError(`${where}: from is empty`);
  const to_day = dayOf(to, `${where}: to`);
  if (to_day !== null && to_day < from_day) throw new SourceError(`${where}: to (${to_day}) is before from (${from_day})`);
  return { who: who.trim(), from_day, to_day };
}

/** The UTC day of a day or an ISO timestamp; null for an empty value. */
function dayOf(value: string, where: string): Day | null {
  const v = value.trim();
  if (!v) return null;
  if (isDay(v)) return v;
  const t = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(t)) return new Date(t).toISOString().slice(0, 10);
  throw new SourceError(`${where} is not a day or an ISO timestamp: ${JSON.stringify(v)}`);
}

const PagerDutyUser = z.object({ email: z.string().optional(), summary: z.string().optional(), id: z.string().optional() });
const PagerDutyEntry = z.object({ start: z.string(), end: z.string(), user: PagerDutyUser });
/** PagerDuty: `GET /schedules/{id}` (final_schedule) or `GET /oncalls` (with include[]=users for emails). */
const PagerDuty = z.union([
  z.object({ schedule: z.object({ final_schedule: z.object({ rendered_schedule_entries: z.array(PagerDutyEntry) }) }) }),
  z.object({ oncalls: z.array(PagerDutyEntry) }),
]);
/** Opsgenie: `GET /v2/schedules/{id}/timeline`. */
const Opsgenie = z.object({
  data: z.object({
    finalTimeline: z.object({
      rotations: z.array(z.object({
        periods: z.array(z.object({ startDate: z.string(), endDate: z.string(), recipient: z.object({ type: z.string(), name: z.string() }) })).default([]),
      })),
    }),
  }),
});

/** An on-call schedule: a CSV of person, from, to, or a PagerDuty or Opsgenie export (JSON). */
async function readSchedule(db: Db, file: string, field: string): Promise<Period[]> {
  if (!/\.json$/i.test(file)) return readPeriods(db, file, field);
  let json: unknown;
  try {
    json = JSON.parse(await read(file, field));
  } catch (err) {
    throw new SourceError(`${field}: ${file}: not JSON (${(err as Error).message})`);
  }
  const pd = PagerDuty.safeParse(json);
  if (pd.success) {
    const entries = 'schedule' in pd.data ? pd.data.schedule.final_schedule.rendered_schedule_entries : pd.data.oncalls;
    return entries.map((e, i) => {
      const who = e.user.email ?? e.user.summary ?? '';
      return period(who, e.start, e.end, `${field}: ${file} entry ${i + 1}`);
    });
  }
  const og = Opsgenie.safeParse(json);
  if (og.success) {
    return og.data.data.finalTimeline.rotations
      .flatMap((r) => r.periods)
      .filter((p) => p.recipient.type === 'user')
      .map((p, i) => period(p.recipient.name, p.startDate, p.endDate, `${field}: ${file} period ${i + 1}`));
  }
  throw new SourceError(
    `${field}: ${file}: not a PagerDuty schedule (schedule.final_schedule.rendered_schedule_entries or oncalls) or an Opsgenie timeline (data.finalTimeline.rotations)`,
  );
}

async function read(file: string, field: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new SourceError(`${field}: cannot read ${file}: ${(err as Error).message}`);
  }
}
