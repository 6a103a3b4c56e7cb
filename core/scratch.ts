import { rmSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * Scratch space that outlives no run. A scratch directory is named `<pid>@<host>-<uuid>` after the process
 * that holds it, so the next run can tell what a crashed run left (`reclaimStale`), and a process stopped by
 * SIGTERM or SIGINT removes its own first (`removeOnSignal`), then exits 143 or 130.
 */

/** Longer than any plausible run: scratch this old is reclaimed whoever held it. */
export const STALE_AFTER_MS = 24 * 3600 * 1000;

/** This machine's name as scratch names carry it (no `@` or `/`). */
export function scratchHost(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
}

/** A fresh scratch name held by this process. */
export function scratchName(): string {
  return `${process.pid}@${scratchHost()}-${randomUUID()}`;
}

const NAME = /^(\d+)@([A-Za-z0-9._-]+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Removes the entries of a scratch folder (`<lake>/.tmp`) no live run holds: on this host, those named
 * after a process that is gone (a live one's is kept, however old: removing it would break that run);
 * of another host, or named before scratch carried its holder, those older than `STALE_AFTER_MS`.
 * Returns the names removed.
 */
export async function reclaimStale(dir: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!(await isStale(join(dir, name), name, now))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

async function isStale(path: string, name: string, now: number): Promise<boolean> {
  const m = NAME.exec(name);
  if (m && m[2] === scratchHost()) return !alive(Number(m[1]));
  const mtime = await stat(path).then((s) => s.mtimeMs, () => undefined);
  return mtime !== undefined && now - mtime > STALE_AFTER_MS;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, it is another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Set<string>();
let installed = false;
const EXIT_CODE: Record<string, number> = { SIGTERM: 143, SIGINT: 130 };

/**
 * Removes `path` if the process is stopped by SIGTERM or SIGINT before `release` is called. A command
 * that handles the signal itself (the revoker finishes its running entries) keeps its scratch: while
 * another listener is installed, the signal is left to it.
 */
export function removeOnSignal(path: string): () => void {
  held.add(path);
  if (!installed) {
    installed = true;
    for (const signal of Object.keys(EXIT_CODE)) process.on(signal, onSignal);
  }
  return () => held.delete(path);
}

/**
 * Removes what is held and exits. Work already handed to other threads (a directory being made on
 * libuv's pool, the engine writing a staged file) may land just after a removal, so what is held is
 * removed again a moment later before exiting; anything that still lands carries this process's id,
 * and the next run reclaims it.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeHeld();
  // A synchronous pause: the command's own code must not run on (and fail) meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
  removeHeld();
  process.exit(EXIT_CODE[signal]);
}

/** How long in-flight file work is given to land before the second removal. */
const SETTLE_MS = 200;

function removeHeld(): void {
  for (const path of held) {
    try {
      rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 });
    } catch {
      // Still being written: reclaimed by the next run.
    }
  }
}
