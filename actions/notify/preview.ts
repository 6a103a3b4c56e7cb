import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { plural } from '../../core/text.js';
import { noticeMessage, summaryMessage, type Message } from './messages.js';
import type { NotifyOptions } from './options.js';
import type { Notice, NotifyPlan } from './plan.js';
import { toBlocks, toHtml, toText } from './render.js';
import { mailOf } from './smtp.js';
import type { NoticeCounts } from './summary.js';

/**
 * Every message of a plan as it would be sent, without sending: one file per recipient for
 * `lapse notify --preview DIR` (the email as its MIME message, `.eml`; a Slack message as the
 * chat.postMessage arguments, `.slack.json`), or one text per message for `lapse notify --dry-run`.
 */

export interface PreviewFile {
  name: string;
  content: string;
  recipient: string;
  via: string;
  deferred: boolean;
}

/** The counts a preview's summary shows: what the plan would send if every transport took every message. */
export function plannedCounts(plan: NotifyPlan, options: NotifyOptions): NoticeCounts {
  const due = Math.min(plan.notices.length, plan.max_messages);
  const slack = options.slack ? due : 0;
  return { sent: due, by_slack: slack, by_email: due - slack, not_in_slack: 0, failed: 0, deferred: plan.notices.length - due, no_address: plan.no_address };
}

export async function previewFiles(plan: NotifyPlan, options: NotifyOptions): Promise<PreviewFile[]> {
  const out: PreviewFile[] = [];
  for (const [i, n] of plan.notices.entries()) out.push(await personFile(n, noticeMessage(n, plan), options, i >= plan.max_messages));
  if (plan.summary) {
    const m = summaryMessage(plan, plannedCounts(plan, options));
    for (const dest of plan.summary.destinations) {
      const to = dest.replace(/^(slack|mailto):/, '');
      const name = `summary-${safe(to)}`;
      out.push(
        dest.startsWith('slack:')
          ? { name: `${name}.slack.json`, content: slackJson(to, m), recipient: to, via: 'Slack channel', deferred: false }
          : { name: `${name}.eml`, content: await eml(to, m, options), recipient: to, via: 'email', deferred: false },
      );
    }
  }
  return out;
}

async function personFile(n: Notice, m: Message, options: NotifyOptions, deferred: boolean): Promise<PreviewFile> {
  if (options.slack) {
    const via = options.email ? 'Slack DM (email if not in Slack)' : 'Slack DM';
    return { name: `${safe(n.recipient)}.slack.json`, content: slackJson(`DM with the Slack member whose email is ${n.recipient}`, m), recipient: n.recipient, via, deferred };
  }
  return { name: `${safe(n.recipient)}.eml`, content: await eml(n.recipient, m, options), recipient: n.recipient, via: 'email', deferred };
}

const slackJson = (channel: string, m: Message) => `${JSON.stringify({ channel, text: toText(m), blocks: toBlocks(m) }, null, 2)}\n`;

/** The MIME message nodemailer would send (text and HTML parts), built by its stream transport. */
async function eml(to: string, m: Message, options: NotifyOptions): Promise<string> {
  const mail = mailOf(options.email!, { to, subject: m.subject, text: toText(m), html: toHtml(m) });
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(mail);
  return (info.message as Buffer).toString('utf8');
}

/** A recipient as a file name: letters, digits and `@._-`. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9@._-]+/g, '_').replace(/^\./, '_').slice(0, 120);

/** Each message as plain text, headed by who gets it and how: what `--dry-run` prints. */
export async function previewText(plan: NotifyPlan, options: NotifyOptions): Promise<string> {
  const parts: string[] = [];
  for (const [i, n] of plan.notices.entries()) {
    const m = noticeMessage(n, plan);
    const via = options.slack ? (options.email ? 'Slack DM (email if not in Slack)' : 'Slack DM') : 'email';
    parts.push(`=== to ${n.recipient} via ${via}${i >= plan.max_messages ? ' (deferred to the next run by max_messages)' : ''}\nSubject: ${m.subject}\n\n${toText(m)}`);
  }
  if (plan.summary) {
    const m = summaryMessage(plan, plannedCounts(plan, options));
    for (const d of plan.summary.destinations) parts.push(`=== run summary to ${d.replace(/^(slack|mailto):/, '')}\nSubject: ${m.subject}\n\n${toText(m)}`);
  }
  return parts.join('\n');
}

const MARKER = '.lapse-notify-preview.json';
const Marker = z.object({ run_id: z.string(), files: z.array(z.string()) });

/**
 * Writes the files to `dir` with an index, replacing the previous preview there (listed in its marker);
 * refuses a non-empty directory a preview did not write.
 */
export async function writePreview(dir: string, plan: NotifyPlan, files: PreviewFile[]): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  let previous: string[] = [];
  if (entries.includes(MARKER)) {
    const parsed = Marker.safeParse(JSON.parse(await readFile(join(dir, MARKER), 'utf8').catch(() => 'null')));
    if (!parsed.success) throw new UsageError(`--preview ${dir}: ${MARKER} is not a preview's list of files; remove it to start afresh`);
    previous = parsed.data.files.filter((f) => !f.includes('/') && !f.startsWith('.'));
  } else if (entries.length) throw new UsageError(`--preview ${dir}: not empty and not written by lapse notify --preview; choose another directory`);
  await mkdir(dir, { recursive: true });
  for (const f of previous) await rm(join(dir, f), { force: true });
  const names = [...files.map((f) => f.name), 'index.md'];
  await writeFile(join(dir, MARKER), `${JSON.stringify({ run_id: plan.run_id, files: names }, null, 2)}\n`);
  for (const f of files) await writeFile(join(dir, f.name), f.content);
  await writeFile(join(dir, 'index.md'), index(plan, files));
}

function index(plan: NotifyPlan, files: PreviewFile[]): string {
  const rows = files.map((f) => `| [${f.name}](${f.name}) | ${f.recipient} | ${f.via} | ${f.deferred ? 'deferred (max_messages)' : 'this run'} |`);
  return [
    `# lapse notices as of ${plan.as_of}`,
    '',
    `Run \`${plan.run_id}\`, ${plan.run.mode} mode: ${plural(plan.notices.length, 'message')} to people (at most ${plan.max_messages} a run)${plan.summary ? ' and the run summary' : ''}. Nothing was sent.`,
    '',
    '| file | to | via | when |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
