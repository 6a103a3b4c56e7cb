import { sha256 } from '../../core/hash.js';
import { Manifest, type GuardOverride } from '../../core/model.js';
import type { Lake } from '../../core/store.js';

/**
 * The revocation-list layout (docs/revoker.md), shared by revocation lists and restore requests:
 * `<target>/<system>/<as-of day>/<run id>/<file>` then `manifest.json` (count and sha256 of the file);
 * revocation lists then move `<system>/latest.json`. A held list's entries go to `held.jsonl`, never to
 * `revocations.jsonl`: they are there to be reviewed, and a revoker never applies a held list.
 */
export interface ListToWrite {
  system: string;
  as_of: string;
  run_id: string;
  kind: 'revocations' | 'restores';
  entries: object[];
  held_reason: string | null;
  override?: GuardOverride | null;
}

export const HELD_FILE = 'held.jsonl';

export const listDir = (l: Pick<ListToWrite, 'system' | 'as_of' | 'run_id'>) => `${l.system}/${l.as_of}/${l.run_id}/`;

/** Writes the list and its manifest (and latest.json for revocations). Returns false when already written. */
export async function writeList(target: Lake, list: ListToWrite): Promise<boolean> {
  const dir = listDir(list);
  const body = list.entries.map((e) => JSON.stringify(e)).join('\n') + (list.entries.length ? '\n' : '');
  const sha = sha256(body);
  const held = list.held_reason !== null;
  const file = held ? HELD_FILE : `${list.kind}.jsonl`;
  const override = list.override ?? null;
  const existing = await target.readText(`${dir}manifest.json`);
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
  await target.writeText(`${dir}manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  if (list.kind === 'revocations') await pointLatest(target, list);
  return true;
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
  const key = `${list.system}/latest.json`;
  const current = await target.readText(key);
  const manifest = `${listDir(list)}manifest.json`;
  if (current) {
    const now = JSON.parse(current) as { as_of: string; manifest: string };
    if (now.as_of > list.as_of || now.manifest === manifest) return;
  }
  const latest = { schema_version: 1, system: list.system, as_of: list.as_of, run_id: list.run_id, manifest };
  await target.writeText(key, `${JSON.stringify(latest, null, 2)}\n`);
}
