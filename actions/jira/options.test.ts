import { describe, expect, test } from 'vitest';
import { JiraOptions } from './options.js';

/** Every bad option is refused with the path of the field and what is expected. */

const base = { url: 'https://corp.atlassian.net', project: 'SEC' };
const problems = (raw: Record<string, unknown>) => {
  const r = JiraOptions.safeParse({ ...base, ...raw });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('jira options', () => {
  test('defaults', () => {
    expect(JiraOptions.parse(base)).toMatchObject({
      email_env: 'JIRA_EMAIL', token_env: 'JIRA_API_TOKEN', issue_type: 'Task', group_by: 'person_system', security_assignee: null,
      resolutions: { "Won't Do": 'wont_do', 'Keep access': 'keep', 'Revoke access': 'revoke' }, keep_days: 180, wont_do_days: 180,
      timeout_secs: 30, retry: { max_retries: 5, base_delay_ms: 1000, max_delay_secs: 120 },
    });
  });

  test.each([
    [{ url: 'ftp://corp' }, 'url: must be the http(s) URL of the Jira site, e.g. https://corp.atlassian.net'],
    [{ project: 'sec' }, 'project: must be a Jira project key, e.g. SEC'],
    [{ token_env: 'JIRA TOKEN' }, 'token_env: must be an environment variable name'],
    [{ labels: ['needs review'] }, 'labels.0: a Jira label has no spaces and at most 255 characters'],
    [{ custom_fields: { summary: 'x' } }, 'custom_fields.summary: keys must be custom field ids, e.g. customfield_10050'],
    [{ resolutions: { Done: 'close' } }, 'resolutions.Done: Invalid option: expected one of "wont_do"|"keep"|"revoke"'],
    [{ keep_days: 400 }, 'keep_days: Too big: expected number to be <=366'],
    [{ priority: { urgent: 'High' } }, 'priority: Unrecognized key: "urgent"'],
    [{ retry: { max_retries: 50 } }, 'retry.max_retries: Too big: expected number to be <=10'],
    [{ done_transitions: [] }, 'done_transitions: Too small: expected array to have >=1 items'],
  ])('%j is refused', (raw, message) => {
    expect(problems(raw)).toEqual([message]);
  });
});
