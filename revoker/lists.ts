import { z } from 'zod';
import { sha256 } from '../core/hash.js';
import { Manifest, RestoreEntry, RevocationEntry } from '../core/model.js';
import type { Lake } from '../core/store.js';

/**
 * Finding and checking a system's lists in the revocation-list layout (README, Outputs):
 * `<system>/<as-of>/<run id>/manifest.json` beside `revocations.jsonl` or `restores.jsonl`, and
 * `<system>/latest.json`, written last, naming the newest revocation list.
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

const Latest = z.object({ manifest: z.string() });
const MANIFEST_KEY = /^([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/manifest\.json$/;

/** The manifests under `<system>/`, oldest first (as-of day, then creation time), and latest.json's target. */
export async function findLists(target: Lake, system: string): Promise<{ latest: string | null; latestError: string | null; lists: FoundList[] }> {
  let latest: string | null = null;
  let latestError: string | null = null;
  const latestText = await target.readText(`${system}/latest.json`);
  if (latestText !== undefined) {
    const parsed = Latest.safeParse(safeJson(latestText));
    if (parsed.success) latest = parsed.data.manifest.replace(/manifest\.json$/, '');
    else latestError = `${target.uri}/${system}/latest.json: not a latest.json (needs "manifest")`;
  }
  const lists: FoundList[] = [];
  for (const { key } of await target.list(`${system}/`)) {
    const m = MANIFEST_KEY.exec(key);
    if (!m) continue;
    const dir = key.slice(0, -'manifest.json'.length);
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
 * name an empty `revocations.jsonl`); the worker never reads a held list's file.
 */
const HELD_FILE = 'held.jsonl';
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
