import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { doctorCommand } from '../../cli/doctor.js';
import { silentLogger } from '../../core/log.js';
import { tempDir } from '../../test/helpers.js';
import { JiraStub } from './testing/jira-stub.js';
import { startJiraServer, type JiraServer } from './testing/server.js';

/** `lapse doctor` checks a configured jira action: its credentials, and its project as that account sees it. */

const EMAIL = 'lapse@corp.example';
let server: JiraServer | undefined;
const saved = { ...process.env };
afterEach(async () => {
  process.env = { ...saved };
  await server?.close();
  expect(server?.violations ?? []).toEqual([]);
  server = undefined;
});

async function doctor(project: string, env: Record<string, string>): Promise<string[]> {
  server = await startJiraServer(new JiraStub(), { email: EMAIL, token: 'right-token' });
  const dir = await tempDir('lapse-jira-doctor-');
  await writeFile(join(dir, 'people.csv'), 'id,email,team,manager,status\n');
  await writeFile(join(dir, 'lapse.yaml'), `directory: { path: people.csv }\nsystems: {}\nactions:\n  - { type: jira, url: "${server.url}", project: ${project} }\n`);
  Object.assign(process.env, env);
  let out = '';
  await doctorCommand({ out: (t) => (out += t), log: silentLogger() }, { config: join(dir, 'lapse.yaml') });
  return out.split('\n').filter((l) => l.includes(`jira ${project}`));
}

describe('lapse doctor: jira', () => {
  test('signed in, the project visible', async () => {
    const lines = await doctor('SEC', { JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: 'right-token' });
    expect(lines).toEqual([`ok    jira SEC: ${server!.url}: signed in as ${EMAIL}; project SEC (Security) visible`]);
  });

  test('a project the account cannot see, a rejected token, a missing variable', async () => {
    expect(await doctor('OPS', { JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: 'right-token' })).toEqual([
      `FAIL  jira OPS: ${server!.url}: project OPS does not exist, or ${EMAIL} cannot browse it`,
    ]);
    await server!.close();
    const rejected = await doctor('SEC', { JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: 'wrong-token' });
    expect(rejected).toEqual([expect.stringMatching(/^FAIL {2}jira SEC: .*read project SEC failed: HTTP 401.*: the email or API token is rejected$/)]);
    expect(rejected.join('')).not.toContain('wrong-token');
    await server!.close();
    delete process.env['JIRA_API_TOKEN'];
    expect(await doctor('SEC', { JIRA_EMAIL: EMAIL })).toEqual([
      expect.stringMatching(/^FAIL {2}jira SEC: .*environment variable JIRA_API_TOKEN \(token_env\) is not set/),
    ]);
  });
});
