import type { ActionProfile } from '../_shared/define.js';
import { messageOf } from '../../core/errors.js';
import { secretOf } from './action.js';
import type { WebhookOptions } from './options.js';

/**
 * What the webhook action says about itself. doctor checks each endpoint's secret is in the environment and
 * that the receiver answers (a HEAD request: any HTTP status is an answer; nothing is delivered).
 */
export const webhookProfile: ActionProfile<typeof WebhookOptions> = {
  async checks(options, { say }) {
    for (const e of options.endpoints) {
      const what = `webhook ${e.url}`;
      try {
        secretOf(e, process.env);
        const res = await fetch(e.url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(options.timeout_secs * 1000) });
        say({ status: 'ok', what, detail: `secret in ${e.secret_env}; the receiver answers (HTTP ${res.status} to HEAD)` });
      } catch (err) {
        say({ status: 'FAIL', what, detail: messageOf(err) });
      }
    }
  },
  // No vendor permission: each receiver holds the shared secret (docs/webhook.md).
  permissions: [],
  docs: 'docs/webhook.md',
};
