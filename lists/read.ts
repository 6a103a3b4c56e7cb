import { z } from 'zod';
import { StoreError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { Lake } from '../core/store.js';
import { ACK_FILE, HELD_FILE, MANIFEST_FILE, MANIFEST_KEY, latestKey } from './layout.js';
import { Ack, FINAL, Latest, Manifest, RestoreEntry, RevocationEntry, ackKey } from './schemas.js';

/**
 * Reading lists (layout.ts): a system's manifests and latest.json, a list checked against its
 * manifest (sha256, count, every line an entry of its kind), and the revokers' acks.
 */

/** A manifest found under the system's prefix; `error` when it cannot be read as one. */
export interface FoundList {
  dir: string;
  manifest: Manifest | null;
  error: string | null;
}

/** One entry of a verified list, keyed as its ack is. */
export interface ListItem {
  /** finding_id for revocations, restore_id for restores: one ack line per key. */
  key: string;
  finding_id: string;
  restore_id: string | null;
  /** The line exactly as the list holds it (what the sha256 covers): the command's stdin. */
  line: string;
}

/** A revoker needs only latest.json's `manifest`. */
const LatestManifest = Latest.pick({ manifest: true });

/** The manifest key latest.json names, or undefined when there is none (or it names none). */
export async function readLatest(target: Lake, system: string): Promise<string | undefined> {
  const text = await target.readText(latestKey(system));
  const parsed = LatestManifest.safeParse(safeJson(text ?? ''));
  return parsed.success ? parsed.data.manifest : undefined;
}

/** A manifest by its key, or undefined when it is not there. */
export async function readManifest(target: Lake, key: string): Promise<Manifest | undefined> {
  const text = await target.readText(key);
  return text === undefined ? undefined : Manifest.parse(JSON.parse(text));
}

/** The manifests under `<system>/`, oldest first (as-of day, then creation time), and latest.json's target. */
export async function findLists(target: Lake, system: string): Promise<{ latest: string | null; latestError: string | null; lists: FoundList[] }> {
  let latest: string | null = null;
  let latestError: string | null = null;
  const latestText = await target.readText(latestKey(system));
  if (latestText !== undefined) {
    const parsed = LatestManifest.safeParse(safeJson(latestText));
    if (parsed.success) latest = parsed.data.manifest.replace(/manifest\.json$/, '');
    else latestError = `${target.uri}/${latestKey(system)}: not a latest.json (needs "manifest")`;
  }
  const lists: FoundList[] = [];
  for (const { key } of await target.list(`${system}/`)) {
    const m = MANIFEST_KEY.exec(key);
    if (!m) continue;
    const dir = key.slice(0, -MANIFEST_FILE.length);
    const parsed = Manifest.safeParse(safeJson((await target.readText(key)) ?? ''));
    if (!parsed.success) {
      lists.push({ dir, manifest: null, error: `${target.uri}/${key}: not a manifest: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}` });
      continue;
    }
    const man = parsed.data;
    const error =
      man.system !== system ? `manifest is for system ${man.system}, not ${system}`
      : m[2] !== man.as_of || m[3] !== man.run_id ? `manifest says ${man.as_of}/${man.run_id}, but it is stored under ${dir}`
      : !fileOk(man) ? `manifest names file ${man.file}; a ${man.kind} list is ${man.kind}.jsonl${man.kind === 'revocations' ? ` (${HELD_FILE} when held)` : ''}`
      : null;
    lists.push({ dir, manifest: man, error });
  }
  lists.sort((a, b) => order(a).localeCompare(order(b)));
  return { latest, latestError, lists };
}

/**
 * A held list keeps its entries in `held.jsonl`, for review only (lists held before lapse wrote them there
 * name an empty `revocations.jsonl`); a revoker never reads a held list's file.
 */
const fileOk = (m: Manifest) => m.file === `${m.kind}.jsonl` ? true : m.held && m.kind === 'revocations' && m.file === HELD_FILE;

const order = (l: FoundList) => `${l.manifest?.as_of ?? ''}\u0000${l.manifest?.created_at ?? ''}\u0000${l.dir}`;

/** True when `a` was written before `b`. */
export const before = (a: FoundList, b: FoundList): boolean => order(a) < order(b);

/**
 * Reads a list and checks it against its manifest: the sha256 of the file, the count, every line an entry
 * of the right kind for this system and run, no key twice. Returns the items, or why the list is refused.
 */
export async function readVerified(target: Lake, dir: string, man: Manifest): Promise<{ items: ListItem[] } | { refused: string }> {
  const where = `${target.uri}/${dir}${man.file}`;
  const body = await target.readText(`${dir}${man.file}`);
  if (body === undefined) return { refused: `${where}: missing` };
  const sha = sha256(body);
  if (sha !== man.sha256) return { refused: `${where}: sha256 ${sha} does not match the manifest's ${man.sha256}` };
  const lines = body.split('\n').filter((l) => l.length > 0);
  if (lines.length !== man.count) return { refused: `${where}: ${lines.length} lines, the manifest says ${man.count}` };
  const items: ListItem[] = [];
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const item = toItem(man, line);
    if (typeof item === 'string') return { refused: `${where} line ${i + 1}: ${item}` };
    if (seen.has(item.key)) return { refused: `${where} line ${i + 1}: ${item.key} appears twice` };
    seen.add(item.key);
    items.push(item);
  }
  return { items };
}

function toItem(man: Manifest, line: string): ListItem | string {
  const json = safeJson(line);
  if (man.kind === 'revocations') {
    const r = RevocationEntry.safeParse(json);
    if (!r.success) return `not a revocation entry: ${z.prettifyError(r.error).replace(/\n/g, ' ')}`;
    if (r.data.system !== man.system) return `entry for system ${r.data.system} on a ${man.system} list`;
    if (r.data.run_id !== man.run_id) return `entry of run ${r.data.run_id} on the list of run ${man.run_id}`;
    return { key: r.data.finding_id, finding_id: r.data.finding_id, restore_id: null, line };
  }
  const r = RestoreEntry.safeParse(json);
  if (!r.success) return `not a restore entry: ${z.prettifyError(r.error).replace(/\n/g, ' ')}`;
  if (r.data.system !== man.system) return `entry for system ${r.data.system} on a ${man.system} list`;
  if (r.data.restore_id !== man.run_id) return `restore ${r.data.restore_id} on the list of restore ${man.run_id}`;
  return { key: r.data.restore_id, finding_id: r.data.finding_id, restore_id: r.data.restore_id, line };
}

/** A list's `ack.jsonl`, by entry key (the newest outcome of each entry); empty when there is none yet. */
export async function readAcks(target: Lake, dir: string): Promise<Map<string, Ack>> {
  const text = await target.readText(`${dir}${ACK_FILE}`);
  const acks = new Map<string, Ack>();
  for (const [i, line] of (text ?? '').split('\n').entries()) {
    if (!line.trim()) continue;
    const a = Ack.safeParse(safeJson(line));
    if (!a.success) throw new StoreError(`${target.uri}/${dir}${ACK_FILE} line ${i + 1}: not an ack line: ${z.prettifyError(a.error).replace(/\n/g, ' ')}`);
    acks.set(ackKey(a.data), a.data);
  }
  return acks;
}

/** True when every one of the list's `count` entries has a final ack. */
export function complete(acks: Map<string, Ack>, count: number): boolean {
  let n = 0;
  for (const a of acks.values()) if (FINAL.has(a.status)) n++;
  return n >= count;
}

/** Grants of one system a revoker acknowledged as changed: revocations and restores applied (by finding id). */
export interface Applied {
  revoked: Set<string>;
  restored: Set<string>;
}

/**
 * What the revokers of a system acknowledged as applied (status `applied`), from every list's
 * `ack.jsonl` under `<system>/`; with `until`, only acks made on or before that day. A held list is
 * never applied, and `already_absent` is not a revocation lapse made.
 */
export async function appliedAcks(target: Lake, system: string, until?: string): Promise<Applied> {
  const out: Applied = { revoked: new Set(), restored: new Set() };
  for (const list of (await findLists(target, system)).lists) {
    const man = list.manifest;
    if (!man || list.error || man.held) continue;
    for (const a of (await readAcks(target, list.dir)).values()) {
      if (a.status !== 'applied' || (until !== undefined && a.at.slice(0, 10) > until)) continue;
      (man.kind === 'revocations' ? out.revoked : out.restored).add(a.finding_id);
    }
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
