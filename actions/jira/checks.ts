import type { ActionProfile } from '../_shared/define.js';
import { messageOf } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { JiraOptions } from './options.js';

/**
 * What the jira action says about itself. doctor checks its credentials from the environment, and its
 * project as that account sees it (one request, no retries).
 */
export const jiraProfile: ActionProfile<typeof JiraOptions> = {
  async checks(options, { say }) {
    const what = `jira ${options.project}`;
    // Loaded on use: jira.js takes longer to import than most commands take to run.
    const { credentialsFrom, JiraApi, JiraError } = await import('./client.js');
    try {
      const credentials = credentialsFrom(options, process.env);
      const api = new JiraApi({ ...options, retry: { ...options.retry, max_retries: 0 } }, credentials, createLogger('silent'));
      const project = await api.project(options.project);
      if (!project) return say({ status: 'FAIL', what, detail: `${options.url}: project ${options.project} does not exist, or ${credentials.email} cannot browse it` });
      say({ status: 'ok', what, detail: `${options.url}: signed in as ${credentials.email}; project ${project.key} (${project.name}) visible` });
    } catch (err) {
      const rejected = err instanceof JiraError && err.failure.status === 401 ? ': the email or API token is rejected' : '';
      say({ status: 'FAIL', what, detail: `${options.url}: ${messageOf(err)}${rejected}` });
    }
  },
  permissions: [
    {
      service: 'jira',
      actions: ['Browse projects', 'Create issues', 'Edit issues', 'Transition issues', 'Add comments', 'Assign issues'],
      on: 'the project',
    },
    { service: 'jira', actions: ['Browse users and groups'], on: 'the site (global), to find managers by email' },
  ],
  docs: 'docs/jira.md',
};
