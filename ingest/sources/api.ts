import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StageContext } from '../../core/context.js';
import { layout } from '../../core/layout.js';
import { addDays, today } from '../../core/days.js';
import { messageOf } from '../../core/errors.js';
import { sha256 } from '../../core/hash.js';
import type { ApiRecord, LogApi } from '../../connectors/_shared/api.js';
import { checkpointKey, isCommitted, type Checkpoint, type Known } from '../ledger.js';
import { batchOf, MAX_BATCH_BYTES, type Batch, type LogSource, type SourceCounts, type SourceObject } from './source.js';

/** The lake's raw area: what API sources fetched, as compressed JSON Lines, partitioned by day. */

/** Pages (or events) gathered into one ingest batch, and one checkpoint. */
const BATCH_PAGES = 10;
const BATCH_EVENTS = 20_000;
/** Without a checkpoint or backfill_from, the first run fetches this many days. */
const FIRST_RUN_DAYS = 7;
const MINUTE = 60_000;

export interface ApiSourceOptions {
  overlap_minutes: number;
  backfill_from?: string | undefined;
  /** The config field of the source, for messages. */
  field: string;
}

/**
 * An `okta:` or `github:` log source. It fetches the vendor's log from the last committed checkpoint
 * (less the overlap window; the first run from `backfill_from`), drops events whose id it already
 * holds, writes the rest to the raw area (one gzip JSON Lines object per day and batch, named by its
 * content's sha256, so a re-fetched page is the same object) and hands those objects to the connector
 * exactly as exported files. A failing API (an outage, a revoked token) ends only this source: what was
 * fetched before is committed, the error is logged, and the next run resumes from the checkpoint.
 */
export class ApiSource implements LogSource {
  readonly counts: SourceCounts = { files: 0, already_ingested: 0 };
  /** The API's error when it failed this run. */
  failure: string | undefined;
  private readonly prefix: string;

  constructor(
    private readonly ctx: StageContext,
    private readonly system: string,
    private readonly name: string,
    private readonly open: () => Promise<LogApi>,
    private readonly options: ApiSourceOptions,
  ) {
    this.prefix = layout.raw(system, name);
  }

  async *batches(known: Known): AsyncGenerator<Batch> {
    const api = await this.attempt(this.open);
    if (!api) return;
    const start = await this.resume(known);
    const window = new Window(this.options.overlap_minutes * MINUTE, start);
    const since = start ? new Date(Date.parse(start.newest) - window.span) : this.firstDay();
    this.ctx.log.info({ stage: 'ingest', system: this.system, source: this.name, since: since.toISOString(), resumed: !!start }, 'api source fetching');
    const pages = api.pages(since)[Symbol.asyncIterator]();
    let buffer: ApiRecord[] = [];
    let cursor = start?.cursor ?? null;
    let duplicates = 0;
    let pagesRead = 0;
    for (;;) {
      const page = await this.attempt(() => pages.next());
      if (!page || page.done) break;
      for (const e of page.value.events) {
        if (window.add(api.eventId(e), api.eventTime(e))) buffer.push(e);
        else duplicates++;
      }
      cursor = page.value.cursor;
      this.progress(since, window.newest, false);
      if (buffer.length >= BATCH_EVENTS || (++pagesRead >= BATCH_PAGES && buffer.length)) {
        yield await this.flush(api, known, buffer, cursor, window);
        buffer = [];
        pagesRead = 0;
      }
    }
    if (buffer.length) yield await this.flush(api, known, buffer, cursor, window);
    this.progress(since, Date.now(), true);
    this.ctx.log.info({ stage: 'ingest', system: this.system, source: this.name, objects: this.counts.files, duplicates }, 'api source fetched');
  }

  /** Runs an API call; a failure ends this source (logged), not the run. */
  private async attempt<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      this.failure = messageOf(err);
      this.ctx.log.error(
        { stage: 'ingest', system: this.system, source: this.name, field: this.options.field, error: this.failure },
        `${this.options.field}: the ${this.name} API failed; what was fetched before is kept, and the next run resumes from there`,
      );
      return undefined;
    }
  }

  private firstDay(): Date {
    return new Date(`${this.options.backfill_from ?? addDays(today(), -FIRST_RUN_DAYS)}T00:00:00Z`);
  }

  /**
   * The newest committed checkpoint. A crashed run may have left raw objects and a checkpoint it never
   * committed: they are removed, and so are the committed checkpoints the newest one supersedes.
   */
  private async resume(known: Known): Promise<Checkpoint | undefined> {
    const keys = (await this.ctx.lake.list(this.prefix)).map((o) => o.key);
    const raw = keys.filter((k) => k.startsWith(`${this.prefix}day=`) && k.endsWith('.jsonl.gz') && !known.has(`sha256:${k.slice(k.lastIndexOf('/') + 1, -'.jsonl.gz'.length)}`));
    let start: Checkpoint | undefined;
    const drop: string[] = [];
    for (const k of keys.filter((k) => k.startsWith(layout.rawCheckpoints(this.system, this.name))).sort().reverse()) {
      const cp = start ? undefined : (JSON.parse((await this.ctx.lake.readText(k)) ?? '{"objects":[null]}') as Checkpoint);
      if (cp && isCommitted(cp, known)) start = cp;
      else drop.push(k);
    }
    if (raw.length) this.ctx.log.warn({ stage: 'ingest', system: this.system, source: this.name, objects: raw.length }, 'removing raw objects an interrupted run never committed');
    if (raw.length + drop.length) await this.ctx.lake.remove([...raw, ...drop]);
    return start;
  }

  /** Writes the buffered events to the raw area, one object per day, and the checkpoint that commits with them. */
  private async flush(api: LogApi, known: Known, events: ApiRecord[], cursor: string | null, window: Window): Promise<Batch> {
    const byDay = new Map<string, string[]>();
    for (const e of events) {
      const t = api.eventTime(e) ?? window.newest;
      const day = new Date(t).toISOString().slice(0, 10);
      const lines = byDay.get(day) ?? byDay.set(day, []).get(day)!;
      lines.push(JSON.stringify(e));
    }
    const dir = await this.ctx.lake.scratch();
    const objects: SourceObject[] = [];
    for (const [day, lines] of [...byDay].sort()) {
      for (const chunk of chunks(lines)) objects.push(await this.writeRaw(dir, day, chunk));
    }
    const cp: Checkpoint = { source: this.name, cursor, newest: new Date(window.newest).toISOString(), recent: window.ids(), objects: objects.map((o) => o.object_id) };
    await this.ctx.lake.writeText(checkpointKey(this.system, this.name, cp), `${JSON.stringify(cp)}\n`);
    this.counts.files += objects.length;
    this.counts.already_ingested += objects.filter((o) => known.has(o.object_id)).length;
    return batchOf(objects);
  }

  private async writeRaw(dir: string, day: string, lines: string[]): Promise<SourceObject> {
    const gz = gzipSync(`${lines.join('\n')}\n`);
    const hex = sha256(gz);
    const key = layout.rawPage(this.system, this.name, day, hex);
    const path = join(dir, `${day}-${hex}.jsonl.gz`);
    // The lake takes its copy by moving it; the connector reads the other.
    await writeFile(`${path}.lake`, gz);
    await this.ctx.lake.putFile(key, `${path}.lake`);
    await writeFile(path, gz);
    return { path, size: gz.length, mtime_ms: 0, object_id: `sha256:${hex}`, uri: `${this.ctx.lake.uri.replace(/\/$/, '')}/${key}` };
  }

  /** Days fetched of the days to fetch; the bar completes only when the source is done. */
  private progress(since: Date, upTo: number, finished: boolean): void {
    const total = Math.max(1, Math.ceil((Date.now() - since.getTime()) / 86_400_000));
    const done = finished ? total : Math.min(total - 1, Math.max(0, Math.floor((upTo - since.getTime()) / 86_400_000)));
    this.ctx.progress?.({ stage: 'ingest', label: `${this.system} (${this.name} API)`, done, total, unit: 'days' });
  }
}

/** Cuts a day's lines so no raw object exceeds the batch byte bound. */
function* chunks(lines: string[]): Generator<string[]> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const l of lines) {
    if (chunk.length && bytes + l.length > MAX_BATCH_BYTES / 4) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(l);
    bytes += l.length + 1;
  }
  if (chunk.length) yield chunk;
}

/**
 * The ids of the events fetched within the overlap window before the newest one: an event read again
 * (the overlap re-read, or a page repeated) is dropped by its id.
 */
class Window {
  newest: number;
  private readonly seen = new Map<string, number>();
  private pruned = 0;

  constructor(
    readonly span: number,
    start: Checkpoint | undefined,
  ) {
    this.newest = start ? Date.parse(start.newest) : 0;
    for (const [id, t] of Object.entries(start?.recent ?? {})) this.seen.set(id, Date.parse(t));
  }

  /** Whether the event is new (and now remembered); events without an id are always new. */
  add(id: string | null, time: number | null): boolean {
    if (id !== null && this.seen.has(id)) return false;
    const t = time ?? this.newest;
    if (id !== null) this.seen.set(id, t);
    if (t > this.newest) this.newest = t;
    // Pruned once the newest time has moved on by a minute, not on every event.
    if (this.newest - this.pruned > MINUTE) {
      this.pruned = this.newest;
      for (const [k, v] of this.seen) if (v < this.newest - this.span) this.seen.delete(k);
    }
    return true;
  }

  ids(): Record<string, string> {
    for (const [k, v] of this.seen) if (v < this.newest - this.span) this.seen.delete(k);
    return Object.fromEntries([...this.seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, t]) => [id, new Date(t).toISOString()]));
  }
}
