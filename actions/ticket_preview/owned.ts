import { readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import { ActionError } from '../../core/errors.js';
import type { Lake } from '../../core/store.js';

/**
 * The files a ticket preview wrote, listed in its directory, so that replacing the previews deletes exactly
 * those: a directory may also hold revocation lists, their acks or a reviewer's notes, and they are never
 * touched. A directory marked by earlier versions (`.lapse-preview`, no list of files) loses only what their
 * layout wrote: `index.md` and `<system>/<name>.md`.
 */
export const OWNED = '.lapse-ticket-preview.json';
const LEGACY_MARKER = '.lapse-preview';

const Owned = z.object({ schema_version: z.literal(1), run_id: z.string(), files: z.array(z.string()) });

/** The relative paths the previous preview wrote; refuses a non-empty directory lapse never wrote. */
export async function previousFiles(dir: string, isEmpty: boolean): Promise<string[]> {
  const text = await readFile(join(dir, OWNED), 'utf8').catch(() => undefined);
  if (text !== undefined) {
    const parsed = Owned.safeParse(safeJson(text));
    if (!parsed.success) throw new ActionError(`ticket_preview: ${join(dir, OWNED)} is not a list of preview files; remove it to start afresh`);
    return parsed.data.files.filter(inside);
  }
  if (await stat(join(dir, LEGACY_MARKER)).catch(() => undefined)) return legacyFiles(dir);
  if (!isEmpty) throw new ActionError(`ticket_preview: ${dir} is not empty and was not written by lapse; choose another dir`);
  return [];
}

export async function writeOwned(out: Lake, runId: string, files: string[]): Promise<void> {
  const owned: z.infer<typeof Owned> = { schema_version: 1, run_id: runId, files: [...new Set(files)].sort() };
  await out.writeText(OWNED, `${JSON.stringify(owned, null, 2)}\n`);
}

/** Deletes the given preview files, then each folder they leave empty (never a folder holding anything else). */
export async function removeOwned(dir: string, files: string[]): Promise<void> {
  const folders = new Set<string>();
  for (const f of files.filter(inside)) {
    await rm(join(dir, f), { force: true });
    for (let d = dirname(f); d !== '.' && d !== ''; d = dirname(d)) folders.add(d);
  }
  // Deepest first; rmdir removes only an empty folder.
  for (const d of [...folders].sort((a, b) => b.length - a.length)) await rmdir(join(dir, d)).catch(() => undefined);
}

async function legacyFiles(dir: string): Promise<string[]> {
  const out = [LEGACY_MARKER, 'index.md'];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const inner = await readdir(join(dir, d.name), { withFileTypes: true });
    out.push(...inner.filter((f) => f.isFile() && f.name.endsWith('.md')).map((f) => `${d.name}/${f.name}`));
  }
  return out;
}

/** A manifest path that stays inside the preview directory (a hand-edited one cannot reach out of it). */
function inside(f: string): boolean {
  const n = normalize(f);
  return f.length > 0 && !isAbsolute(f) && n !== '..' && !n.startsWith(`..${sep}`) && n !== '.' && n !== OWNED;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
