import type { Lake } from '../../core/store.js';
import type { Logger } from '../../core/log.js';
import { messageOf } from '../../core/errors.js';
import { noticeMessage, summaryMessage, type Message } from './messages.js';
import type { Notice, NotifyPlan } from './plan.js';
import { messageId, writeSent, type SentItem } from './records.js';
import { toBlocks, toHtml, toText } from './render.js';
import { RecipientRefused } from './errors.js';
import type { Slack } from './slack.js';
import type { Smtp } from './smtp.js';
import type { NoticeCounts } from './summary.js';

/**
 * Sends a plan: each person's digest, at most `max_messages` of them (the rest wait for the next run), then
 * the run summary. Each message is recorded in the lake right after its transport accepted it. A recipient
 * refused fails only that message; a transport down (Slack or SMTP unreachable, auth refused) stops the
 * people's messages there, still tries the summary, and fails the action: the next run sends the rest.
 */

export interface Transports {
  slack: Slack | null;
  smtp: Smtp | null;
}

interface Sent {
  transport: 'slack' | 'email';
  delivered_to: string;
  receipt: string | null;
}

export interface Delivery {
  counts: NoticeCounts;
  /** What stopped the sending (a transport down), if anything. */
  stopped: string | null;
  summary: string[];
}

export async function deliver(lake: Lake, log: Logger, plan: NotifyPlan, t: Transports, now: () => Date = () => new Date()): Promise<Delivery> {
  const due = plan.notices.slice(0, plan.max_messages);
  const counts: NoticeCounts = { sent: 0, by_slack: 0, by_email: 0, not_in_slack: 0, failed: 0, deferred: plan.notices.length - due.length, no_address: plan.no_address };
  const record = async (recipient: string, items: SentItem[], s: Sent) => {
    await writeSent(lake, { schema_version: 1, message_id: messageId(recipient, plan.run_id, items), recipient, ...s, as_of: plan.as_of, run_id: plan.run_id, sent_at: now().toISOString(), items });
  };
  let stopped: string | null = null;
  for (const [i, n] of due.entries()) {
    try {
      const sent = await toPerson(n, noticeMessage(n, plan), t, counts);
      if (!sent) continue;
      await record(n.recipient, n.items.flatMap((x) => x.covers), sent);
      counts.sent++;
      counts[sent.transport === 'slack' ? 'by_slack' : 'by_email']++;
    } catch (err) {
      if (!(err instanceof RecipientRefused)) {
        stopped = messageOf(err);
        counts.deferred += due.length - i;
        log.error({ err, sent: counts.sent }, 'notices stopped');
        break;
      }
      counts.failed++;
      log.warn({ recipient: n.recipient, err: messageOf(err) }, 'notice refused');
    }
  }
  const summary = await toSecurity(plan, t, counts, record, log);
  return { counts, stopped: [stopped, summary.failed].filter(Boolean).join('; ') || null, summary: summary.lines };
}

/** A person's digest: a Slack DM when Slack knows them, else (or when Slack refuses them) an email. Null: no way to reach them. */
async function toPerson(n: Notice, m: Message, t: Transports, counts: NoticeCounts): Promise<Sent | null> {
  if (t.slack) {
    try {
      const user = await t.slack.lookup(n.recipient);
      if (user) {
        const r = await t.slack.dm(user, toText(m), toBlocks(m));
        return { transport: 'slack', delivered_to: r.channel, receipt: r.ts };
      }
      counts.not_in_slack++;
    } catch (err) {
      if (!(err instanceof RecipientRefused) || !t.smtp) throw err;
    }
  }
  if (!t.smtp) return null;
  const id = await t.smtp.send({ to: n.recipient, subject: m.subject, text: toText(m), html: toHtml(m) });
  return { transport: 'email', delivered_to: n.recipient, receipt: id };
}

/** The run summary to each destination not sent yet; lines for the action's report. */
async function toSecurity(
  plan: NotifyPlan,
  t: Transports,
  counts: NoticeCounts,
  record: (recipient: string, items: SentItem[], s: Sent) => Promise<void>,
  log: Logger,
): Promise<{ lines: string[]; failed: string | null }> {
  if (!plan.summary) return { lines: [], failed: null };
  const m = summaryMessage(plan, counts);
  const items: SentItem[] = [{ key: `run@${plan.run_id}`, stage: 'summary' }];
  const out: string[] = [];
  let failed: string | null = null;
  for (const dest of plan.summary.destinations) {
    try {
      if (dest.startsWith('slack:')) {
        const r = await t.slack!.post(dest.slice('slack:'.length), toText(m), toBlocks(m));
        await record(dest, items, { transport: 'slack', delivered_to: r.channel, receipt: r.ts });
      } else {
        const to = dest.slice('mailto:'.length);
        const id = await t.smtp!.send({ to, subject: m.subject, text: toText(m), html: toHtml(m) });
        await record(dest, items, { transport: 'email', delivered_to: to, receipt: id });
      }
      out.push(`summary → ${dest.replace(/^mailto:/, '')}`);
    } catch (err) {
      log.error({ err, destination: dest }, 'summary not sent');
      out.push(`summary → ${dest.replace(/^mailto:/, '')}: not sent (${messageOf(err)})`);
      if (!(err instanceof RecipientRefused)) failed = `the run summary to ${dest} was not sent: ${messageOf(err)}`;
    }
  }
  return { lines: out, failed };
}
