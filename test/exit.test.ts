import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { onePerson } from './company.js';

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
    const dir = await onePerson('actions:', `  - { type: jira, url: "${jira.url}", project: SEC, timeout_secs: 1, retry: { max_retries: 0 } }`);
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
