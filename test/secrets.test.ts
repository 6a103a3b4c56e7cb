import { spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { JiraStub } from '../actions/jira/testing/jira-stub.js';
import { EMAIL, ENV, TOKEN } from '../actions/jira/testing/fixtures.js';
import { startJiraServer, type JiraServer } from '../actions/jira/testing/server.js';
import { onePerson } from './company.js';

/** A secret lapse was given never reaches stdout, stderr or the log, whatever carries it: here a Jira that echoes the Authorization header. */

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const base64 = (s: string) => Buffer.from(s).toString('base64');
const FORMS = [TOKEN, base64(TOKEN), base64(`${EMAIL}:${TOKEN}`)];

let server: JiraServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function lapse(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...ENV, LAPSE_LOG_LEVEL: 'debug' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('a Jira that echoes the Authorization header in its error body', () => {
  test.each([400, 500])('HTTP %i: the token and its base64 forms are redacted from the summary, the error and the log', async (status) => {
    const stub = new JiraStub();
    stub.faults.push({ times: 100, status, echoAuthorization: true });
    server = await startJiraServer(stub, { email: EMAIL, token: TOKEN });
    const dir = await onePerson('actions:', `  - { type: jira, url: "${server.url}", project: SEC, retry: { max_retries: 1, base_delay_ms: 1 } }`);

    const run = await lapse(['run', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);
    const doctor = await lapse(['doctor', '--config', 'lapse.yaml', '--as-of', '2026-06-30'], dir);

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/jira \[FAILED: jira: search page 1 failed: HTTP \d+: injected \d+; request had Authorization: Basic \[redacted\]/);
    expect(run.err).toMatch(/Authorization: Basic \[redacted\]/); // the log line of the failure
    expect(doctor.out + doctor.err).toMatch(/Authorization: Basic \[redacted\]/);
    for (const text of [run.out, run.err, doctor.out, doctor.err]) {
      for (const secret of FORMS) expect(text).not.toContain(secret);
    }
  });
});
