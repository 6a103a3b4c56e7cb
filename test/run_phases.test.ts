import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { onePerson } from './company.js';

/** `lapse run` at debug level says where its time went (the ingest bench prints it: bench/ingest.ts). */

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;

function lapse(args: string[], cwd: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LAPSE_LOG_LEVEL: 'debug' } });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

const entries = (log: string) =>
  log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string } & Record<string, unknown>);

test('a run logs its phases, and each system its logs ingest time, in milliseconds', async () => {
  const dir = await onePerson();
  const run = await lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
  expect(run.code).toBe(0);
  const log = entries(run.err);
  const phases = log.find((e) => e.msg === 'run phases');
  expect(Object.keys(phases ?? {}).filter((k) => k.endsWith('_ms'))).toEqual(['ready_ms', 'ingest_ms', 'compact_ms', 'load_ms', 'detect_ms', 'act_ms']);
  for (const k of ['ready_ms', 'ingest_ms', 'detect_ms']) expect(phases![k]).toBeGreaterThan(0);
  const ingested = log.find((e) => e.msg === 'logs ingested');
  expect(ingested).toMatchObject({ system: 'app', records: 150 });
  expect(ingested!['ms']).toBeGreaterThan(0);
});
