import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { appConfig, jsonl, tempDir, writeFiles } from './helpers.js';

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;

/** A "Jira" that accepts connections and never answers: each request is abandoned on timeout, its socket left open. */
async function silentServer(): Promise<{ url: string; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

test('the CLI ends when its command is done, though a Jira request it gave up on still holds a socket', async () => {
  const jira = await silentServer();
  try {
    const dir = await tempDir('lapse-exit-');
    const days = Array.from({ length: 150 }, (_, d) => new Date(Date.UTC(2026, 1, 1) + d * 86_400_000).toISOString().slice(0, 10));
    await writeFiles(dir, {
      'logs/app.jsonl': jsonl(days.map((day) => ({ ts: `${day}T10:00:00Z`, user: 'ann@corp.example', perm: 'db', result: 'ok' }))),
      'grants.jsonl': jsonl([{ principal: 'ann@corp.example', permission: 'db' }, { principal: 'ann@corp.example', permission: 'admin' }]),
      'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\n',
      'lapse.yaml': appConfig(
        'guards: { max_revoke_fraction: 1 }',
        'actions:',
        `  - { type: jira, url: "${jira.url}", project: SEC, timeout_secs: 1, retry: { max_retries: 0 } }`,
      ),
    });
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'lapse.yaml'), '--as-of', '2026-06-30'], {
      cwd: dir,
      env: { ...process.env, LAPSE_LOG_LEVEL: 'warn', JIRA_EMAIL: 'lapse@corp.example', JIRA_API_TOKEN: 'not-a-real-token' },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(out).toMatch(/jira \[FAILED: jira: search page 1 failed: ETIMEDOUT/);
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  } finally {
    jira.close();
  }
});
