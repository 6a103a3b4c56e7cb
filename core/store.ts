import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DEFAULT_AWS } from './aws.js';
import { StoreError } from './errors.js';
import { reclaimStale, removeOnSignal, scratchName } from './scratch.js';
import { S3Lake, type S3LakeOptions } from './s3.js';

export interface LakeObject {
  key: string;
  size: number;
}

/**
 * The lake: where lapse keeps everything it knows, as files under one root (a local directory, or an
 * S3 prefix in production). Keys are `/`-separated paths relative to the root. Every write is atomic:
 * a reader sees a whole file or none.
 */
export interface Lake {
  readonly uri: string;
  list(prefix: string): Promise<LakeObject[]>;
  readText(key: string): Promise<string | undefined>;
  writeText(key: string, text: string): Promise<void>;
  /** Moves a finished local file into the lake under `key`. */
  putFile(key: string, localPath: string): Promise<void>;
  remove(keys: string[]): Promise<void>;
  /** Local paths DuckDB can read for these keys (a local lake returns them as they are). */
  localPaths(keys: string[]): Promise<string[]>;
  /** A fresh local directory for staging files before `putFile`; removed by `cleanup`. */
  scratch(): Promise<string>;
  cleanup(): Promise<void>;
  /** Set on a lake opened for reading only (ReadOnlyLake): stages keep what they compute in memory. */
  readonly readOnly?: boolean;
}

const TMP = '.tmp';

/** A second name for a file: a hard link (it survives the first name being renamed over), else a copy. */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** ENOENT, or ENOTDIR for a directory replaced meanwhile: the entry is no longer there. */
function gone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The embedded default: a directory on local disk. */
export class LocalLake implements Lake {
  private readonly scratchDirs: { dir: string; release: () => void }[] = [];
  private reclaimed = false;
  constructor(readonly root: string) {}

  get uri(): string {
    return this.root;
  }

  private path(key: string): string {
    if (key.split('/').includes('..')) throw new StoreError(`lake key escapes the lake: ${key}`);
    return join(this.root, ...key.split('/'));
  }

  /**
   * Every file under `prefix`. Other workers add and remove files meanwhile (compaction removes the
   * shards it merged, runs remove their scratch): an entry gone between the listing and its stat was
   * never there, as on S3.
   */
  async list(prefix: string): Promise<LakeObject[]> {
    const base = this.path(prefix);
    let st;
    try {
      st = await stat(base);
    } catch (err) {
      if (gone(err)) return [];
      throw new StoreError(`cannot list ${base}: ${(err as Error).message}`, { cause: err });
    }
    // A prefix that is a whole key lists that one object, as on S3.
    if (!st.isDirectory()) return st.isFile() ? [{ key: prefix, size: st.size }] : [];
    const out: LakeObject[] = [];
    await this.walk(base, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  private async walk(dir: string, out: LakeObject[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (gone(err)) return;
      throw new StoreError(`cannot list ${dir}: ${(err as Error).message}`, { cause: err });
    }
    await Promise.all(
      entries.map(async (e) => {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          if (dir !== this.root || e.name !== TMP) await this.walk(full, out);
          return;
        }
        if (!e.isFile()) return;
        const size = await stat(full).then((s) => s.size, (err) => (gone(err) ? undefined : Promise.reject(err)));
        if (size !== undefined) out.push({ key: relative(this.root, full).split(sep).join('/'), size });
      }),
    );
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read ${this.path(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    const tmp = join(await this.scratch(), 'write');
    await writeFile(tmp, text);
    await this.putFile(key, tmp);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(localPath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Another file system: copy beside the target, then rename, so the move stays atomic.
      const beside = `${target}.${randomUUID()}.tmp`;
      await copyFile(localPath, beside);
      await rename(beside, target);
    }
  }

  async remove(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.path(k), { force: true })));
  }

  async localPaths(keys: string[]): Promise<string[]> {
    return keys.map((k) => this.path(k));
  }

  /**
   * A scratch directory named after this process (core/scratch.ts): removed by `cleanup`, or on SIGTERM
   * and SIGINT. The first one a process makes reclaims what crashed runs left.
   */
  async scratch(): Promise<string> {
    const tmp = join(this.root, TMP);
    if (!this.reclaimed) {
      this.reclaimed = true;
      await reclaimStale(tmp);
    }
    const dir = join(tmp, scratchName());
    const release = removeOnSignal(dir);
    await mkdir(dir, { recursive: true });
    this.scratchDirs.push({ dir, release });
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(
      this.scratchDirs.splice(0).map(async ({ dir, release }) => {
        await rm(dir, { recursive: true, force: true });
        release();
      }),
    );
    // Leave no empty .tmp behind; another writer's scratch keeps it.
    await rmdir(join(this.root, TMP)).catch(() => undefined);
  }
}

/**
 * A lake seen through a throw-away overlay: reads see both, writes go to the overlay only.
 * This is how `--dry-run` runs every stage for real while leaving the lake untouched.
 */
export class OverlayLake implements Lake {
  private readonly removed = new Set<string>();
  constructor(
    private readonly base: Lake,
    private readonly overlay: LocalLake,
  ) {}

  get uri(): string {
    return `${this.base.uri} (dry run)`;
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const byKey = new Map<string, LakeObject>();
    for (const o of await this.base.list(prefix)) byKey.set(o.key, o);
    for (const o of await this.overlay.list(prefix)) byKey.set(o.key, o);
    for (const k of this.removed) byKey.delete(k);
    return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async readText(key: string): Promise<string | undefined> {
    if (this.removed.has(key)) return undefined;
    return (await this.overlay.readText(key)) ?? (await this.base.readText(key));
  }

  async writeText(key: string, text: string): Promise<void> {
    this.removed.delete(key);
    await this.overlay.writeText(key, text);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    this.removed.delete(key);
    await this.overlay.putFile(key, localPath);
  }

  async remove(keys: string[]): Promise<void> {
    for (const k of keys) this.removed.add(k);
  }

  async localPaths(keys: string[]): Promise<string[]> {
    const inOverlay = new Set((await this.overlay.list('')).map((o) => o.key));
    return Promise.all(
      keys.map(async (k) => (await (inOverlay.has(k) ? this.overlay : this.base).localPaths([k]))[0]!),
    );
  }

  scratch(): Promise<string> {
    return this.overlay.scratch();
  }

  async cleanup(): Promise<void> {
    await this.overlay.cleanup();
    await this.base.cleanup();
  }
}

/**
 * A lake opened for reading only, as the read-only commands (explain, report, suggest-ttl, backtest)
 * open it: reads go to the lake, and any write throws, naming the key, so a stage that starts writing
 * on their path is caught instead of changing the lake.
 */
export class ReadOnlyLake implements Lake {
  readonly readOnly = true;
  constructor(private readonly base: Lake) {}

  get uri(): string {
    return this.base.uri;
  }

  list(prefix: string): Promise<LakeObject[]> {
    return this.base.list(prefix);
  }

  readText(key: string): Promise<string | undefined> {
    return this.base.readText(key);
  }

  localPaths(keys: string[]): Promise<string[]> {
    return this.base.localPaths(keys);
  }

  async writeText(key: string, _text: string): Promise<void> {
    throw this.refused(`write ${key}`);
  }

  async putFile(key: string, _localPath: string): Promise<void> {
    throw this.refused(`write ${key}`);
  }

  async remove(keys: string[]): Promise<void> {
    throw this.refused(`remove ${keys.join(', ')}`);
  }

  /** Scratch stages files to put into the lake (and a local lake keeps it inside the lake directory). */
  async scratch(): Promise<string> {
    throw this.refused('stage files to write');
  }

  cleanup(): Promise<void> {
    return this.base.cleanup();
  }

  private refused(what: string): StoreError {
    return new StoreError(`${this.base.uri} is open read-only for this command: cannot ${what}`);
  }
}

/**
 * Opens a lake or output location from a config value: a local directory, or `s3://bucket/prefix`
 * (with the config's `aws` settings; server-side encryption from `options.sse`, else `aws.sse`).
 */
export function openStore(location: string, options: Partial<S3LakeOptions> = {}): Lake {
  if (location.startsWith('s3://')) {
    if (!/^s3:\/\/[^/]+/.test(location)) throw new StoreError(`${location}: expected s3://bucket/prefix`);
    const aws = options.aws ?? DEFAULT_AWS;
    return new S3Lake(location.replace(/\/+$/, ''), { aws, sse: options.sse ?? aws.sse, log: options.log });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new StoreError(`${location}: unsupported location; use a local directory or s3://bucket/prefix`);
  }
  return new LocalLake(location);
}
