import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Config } from '../core/config.js';
import type { StageContext } from '../core/context.js';
import { Db } from '../core/db.js';
import { silentLogger } from '../core/log.js';
import { LocalLake } from '../core/store.js';
import { SETUP_SQL } from '../connectors/index.js';
import { buildConfigSchema } from '../cli/config.js';
import { parseConfig } from '../core/config.js';

export async function tempDir(prefix = 'lapse-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes files under `root`: `{ 'logs/a.jsonl': '…' }`; names ending in .gz are gzipped. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, name.endsWith('.gz') ? gzipSync(text) : text);
  }
}

export const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

/** The `app` system of the small test world as a config object: JSONL logs under logs/, grants.jsonl. */
export function appSystem(more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connector: 'jsonl',
    logs: [{ path: 'logs/' }],
    grants: { path: 'grants.jsonl' },
    mapping: { time: 'ts', principal: 'user', permission: 'perm', outcome: { field: 'result', success: ['ok'] } },
    ...more,
  };
}

/** The config of the small test world: one `app` system read from logs/ as JSONL, then the given lines. */
export function appConfig(...more: string[]): string {
  return [
    'store: ./lake',
    'directory: { path: people.csv }',
    'systems:',
    '  app:',
    '    connector: jsonl',
    '    logs: [{ path: logs/ }]',
    '    grants: { path: grants.jsonl }',
    '    mapping: { time: ts, principal: user, permission: perm, outcome: { field: result, success: [ok] } }',
    ...more,
    '',
  ].join('\n');
}

/** A config from an object, validated by the real schema, with paths relative to `baseDir`. */
export function config(baseDir: string, raw: Record<string, unknown>): Config {
  return parseConfig(JSON.stringify(raw), join(baseDir, 'lapse.json'), buildConfigSchema());
}

export async function stageContext(cfg: Config, lakeDir?: string): Promise<StageContext & { close(): void }> {
  const db = await Db.open({ threads: 2 });
  await db.run(SETUP_SQL);
  const lake = new LocalLake(lakeDir ?? join(cfg.base_dir, 'lake'));
  return { config: cfg, lake, db, log: silentLogger(), close: () => db.close() };
}

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;

/** Runs the built CLI (`npm test` builds first) in `cwd`; logs at warn so stderr holds only problems. */
export function lapse(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, LAPSE_LOG_LEVEL: 'warn' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** sha256 of every file under `root`, by relative path: for "nothing changed" checks. */
export async function hashes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const path = join(f.parentPath, f.name);
    out[relative(root, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}

/**
 * The small company most CLI tests share: ann uses `db` daily for 150 days from 2026-02-01, ben used it
 * for the first 20, cat (and any `more.people`) never used `admin`, granted 2025-01-01.
 */
export function annBenCat(more: { events?: object[]; grants?: object[]; people?: string[] } = {}): Record<string, string> {
  const events: object[] = [];
  for (let d = 0; d < 150; d++) {
    const day = new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' });
    if (d < 20) events.push({ ts: `${day}T11:00:00Z`, user: 'ben@corp.example', perm: 'db', result: 'ok' });
  }
  const people = ['ann,ann@corp.example,eng,,active', 'ben,ben@corp.example,eng,ann,active', 'cat,cat@corp.example,eng,ann,active', ...(more.people ?? [])];
  return {
    'logs/app.jsonl': jsonl([...events, ...(more.events ?? [])]),
    'grants.jsonl': jsonl([
      { principal: 'ann@corp.example', permission: 'db' },
      { principal: 'ben@corp.example', permission: 'db' },
      { principal: 'cat@corp.example', permission: 'admin', granted_at: '2025-01-01' },
      ...(more.grants ?? []),
    ]),
    'people.csv': `id,email,team,manager,status\n${people.join('\n')}\n`,
  };
}
