import { sha256 } from '../core/hash.js';
import type { GuardOverride, RestoreEntry } from '../core/model.js';
import type { Lake } from '../core/store.js';
import { MANIFEST_FILE, latestKey, listDir, listFile, type ListKind } from './layout.js';
import { Manifest, type Latest } from './schemas.js';

/**
 * Writing lists (layout.ts): the file, then `manifest.json` (count and sha256 of the file); revocation
 * lists then move `<system>/latest.json`, which never moves back in time. A held list's entries go to
 * `held.jsonl`, never to `revocations.jsonl`: they are there to be reviewed, and a revoker never applies them.
 */
export interface ListToWrite {
  system: string;
  as_of: string;
  run_id: string;
  kind: ListKind;
  /** RevocationEntry or RestoreEntry lines, as the caller built and checked them. */
  entries: object[];
  held_reason: string | null;
  override?: GuardOverride | null;
}

/** Writes the list and its manifest (and latest.json for revocations). Returns false when already written. */
export async function writeList(target: Lake, list: ListToWrite): Promise<boolean> {
  const dir = listDir(list);
  const body = list.entries.map((e) => JSON.stringify(e)).join('\n') + (list.entries.length ? '\n' : '');
  const sha = sha256(body);
  const held = list.held_reason !== null;
  const file = listFile(list.kind, held);
  const override = list.override ?? null;
  const existing = await target.readText(`${dir}${MANIFEST_FILE}`);
  if (existing && same(Manifest.parse(JSON.parse(existing)), { sha, file, held, override })) {
    // Already written; a run stopped before latest.json is completed by the re-run.
    if (list.kind === 'revocations') await pointLatest(target, list);
    return false;
  }
  const manifest: Manifest = {
    schema_version: 1,
    kind: list.kind,
    system: list.system,
    run_id: list.run_id,
    as_of: list.as_of,
    created_at: new Date().toISOString(),
    file,
    count: list.entries.length,
    sha256: sha,
    held,
    held_reason: list.held_reason,
    override,
  };
  await target.writeText(`${dir}${manifest.file}`, body);
  await target.writeText(`${dir}${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`);
  if (list.kind === 'revocations') await pointLatest(target, list);
  return true;
}

/**
 * Writes a restore request for the system's revoker: a one-entry list of kind `restores`, filed under
 * the day it was asked for and keyed by its restore id. Returns the key of its `restores.jsonl`.
 */
export async function writeRestore(target: Lake, entry: RestoreEntry, as_of: string): Promise<string> {
  const list = { system: entry.system, as_of, run_id: entry.restore_id, kind: 'restores' as const, entries: [entry], held_reason: null };
  await writeList(target, list);
  return `${listDir(list)}${listFile('restores', false)}`;
}

/**
 * The manifest already says this. Held or let through by an override, the same run's list changes state
 * (and is rewritten); the override's time and user alone do not make it a new list.
 */
function same(m: Manifest, want: { sha: string; file: string; held: boolean; override: GuardOverride | null }): boolean {
  return m.sha256 === want.sha && m.file === want.file && m.held === want.held && (m.override?.reason ?? null) === (want.override?.reason ?? null);
}

/** `latest.json` only moves forward: re-running an older day never hides a newer list. */
async function pointLatest(target: Lake, list: ListToWrite): Promise<void> {
  const key = latestKey(list.system);
  const current = await target.readText(key);
  const manifest = `${listDir(list)}${MANIFEST_FILE}`;
  if (current) {
    const now = JSON.parse(current) as Pick<Latest, 'as_of' | 'manifest'>;
    if (now.as_of > list.as_of || now.manifest === manifest) return;
  }
  const latest: Latest = { schema_version: 1, system: list.system, as_of: list.as_of, run_id: list.run_id, manifest };
  await target.writeText(key, `${JSON.stringify(latest, null, 2)}\n`);
}
