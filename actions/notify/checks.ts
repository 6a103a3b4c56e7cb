import type { ActionProfile } from '../_shared/define.js';
import { resolvePath } from '../../core/config.js';
import { messageOf } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { smtpPort, type NotifyOptions } from './options.js';

/**
 * What the notify action says about itself. doctor signs in to Slack with the token from the environment
 * (auth.test: who the bot is), and connects to the SMTP server as a send would (STARTTLS, authentication),
 * sending nothing.
 */
export const notifyProfile: ActionProfile<typeof NotifyOptions> = {
  async checks(options, { config, say }) {
    if (options.slack) {
      const what = `notify slack ${options.slack.api_url}`;
      const { Slack, slackToken } = await import('./slack.js');
      try {
        const slack = new Slack({ ...options.slack, max_retries: 0 }, slackToken(options.slack, process.env), createLogger('silent'));
        const me = await slack.whoami();
        say({ status: 'ok', what, detail: `signed in as ${me.user} in ${me.team}` });
      } catch (err) {
        say({ status: 'FAIL', what, detail: messageOf(err) });
      }
    }
    if (options.email) {
      const what = `notify smtp ${options.email.host}:${smtpPort(options.email)}`;
      const { Smtp } = await import('./smtp.js');
      try {
        const smtp = await Smtp.open(options.email, process.env, (p) => resolvePath(config, p));
        try {
          await smtp.verify();
        } finally {
          smtp.close();
        }
        say({ status: 'ok', what, detail: `connected (${options.email.security})${options.email.user_env ? ' and signed in' : ''}` });
      } catch (err) {
        say({ status: 'FAIL', what, detail: messageOf(err) });
      }
    }
  },
  permissions: [
    { service: 'slack', actions: ['users:read', 'users:read.email'], on: 'the workspace: find people by email' },
    { service: 'slack', actions: ['im:write', 'chat:write'], on: 'direct messages to people' },
    { service: 'slack', actions: ['chat:write.public'], on: 'slack.summary_channel, if the bot is not a member (a private channel needs the bot invited)' },
    { service: 'smtp', actions: ['send as email.from'], on: 'the SMTP server (its relay rules, or the account of user_env)' },
  ],
  docs: 'docs/notify.md',
};
