import { z } from 'zod';
import { inputPath } from '../../core/locations.js';

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
/** An address as people write it in a config: `a@b.example`, or `Name <a@b.example>` for a sender. */
const Address = z.email({ error: 'must be an email address, e.g. security@corp.example' });
const Sender = z
  .string()
  .trim()
  .regex(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be an address, or "Name <address>"');

const Slack = z
  .strictObject({
    token_env: EnvName.default('SLACK_BOT_TOKEN').describe('Environment variable holding the bot token (xoxb-…; never logged).'),
    summary_channel: z
      .string()
      .regex(/^(?:#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{8,})$/, 'must be a channel name with its # (#access-reviews) or a channel id (C0123ABCD)')
      .optional()
      .describe("Where the security team's run summary is posted (the bot must be a member of a private channel)."),
    api_url: z
      .url({ protocol: /^https?$/, error: 'must be the http(s) URL of the Web API, e.g. https://slack.com/api/' })
      .default('https://slack.com/api/')
      .describe('Slack Web API base URL (GovSlack: https://slack-gov.com/api/; a test server).'),
    timeout_secs: z.number().positive().max(600).default(30).describe('Timeout of one request.'),
    max_retries: z.number().int().min(0).max(10).default(3).describe('Retries of one request after a 429 (waiting its Retry-After), a 5xx or a network error.'),
    max_retry_after_secs: z
      .number()
      .positive()
      .max(3600)
      .default(120)
      .describe('Longest Retry-After lapse waits; a 429 asking for longer stops the sending (the rest go next run).'),
  })
  .describe('Slack: people are found by email (users.lookupByEmail) and sent a direct message; one not in Slack gets an email when email is configured.');

const Email = z
  .strictObject({
    host: z.string().trim().min(1).describe('SMTP server host name.'),
    port: z.number().int().min(1).max(65535).optional().describe('SMTP port (default: 587 with starttls, 465 with tls, 25 with none).'),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .describe('starttls: upgrade the connection and refuse to send if the server cannot; tls: TLS from the first byte (port 465); none: plain text (a local relay only).'),
    ca_file: inputPath('PEM file of the CA that signed the server certificate, if not a public one.').optional(),
    user_env: EnvName.optional().describe('Environment variable holding the SMTP user name (none: no authentication).'),
    password_env: EnvName.optional().describe('Environment variable holding the SMTP password (never logged).'),
    from: Sender.describe('Sender: an address or "Name <address>".'),
    reply_to: Sender.optional().describe('Where replies go (the security team, say).'),
    summary_to: z.array(Address).default([]).describe("Addresses the security team's run summary is mailed to."),
    timeout_secs: z.number().positive().max(600).default(30).describe('Timeout of connecting and of each SMTP command.'),
  })
  .refine((e) => (e.user_env === undefined) === (e.password_env === undefined), {
    path: ['password_env'],
    message: 'give user_env and password_env together, or neither',
  })
  .describe('Email over SMTP (nodemailer): a plain-text and an HTML part, one digest per person.');

export const Audience = z.enum(['holders', 'managers', 'security']);
export type Audience = z.infer<typeof Audience>;

/** The notify action's keys in its `actions:` entry. */
export const NotifyOptions = z
  .object({
    slack: Slack.optional(),
    email: Email.optional(),
    audiences: z
      .array(Audience)
      .min(1)
      .default(['holders', 'managers', 'security'])
      .describe("Who hears: holders (what lapses, reminders, what was removed), managers (decisions awaiting them), security (the run summary)."),
    reminder_days: z
      .number()
      .int()
      .min(0)
      .max(90)
      .default(3)
      .describe('Remind a holder this many days before a grant goes on a revocation list (0: no reminder).'),
    revoked_within_days: z
      .number()
      .int()
      .min(1)
      .max(90)
      .default(7)
      .describe('Tell holders about revocations recorded this many days back (a run missed is caught up; older ones are not announced).'),
    max_messages: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('At most this many messages to people per run; the rest wait for the next run (counted in the summary).'),
    contact: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('Where people ask to keep or get back access, as messages name it (#access-help, security@corp.example); default: the reply-to address, else "the security team".'),
  })
  .superRefine((o, ctx) => {
    if (!o.slack && !o.email) ctx.addIssue({ code: 'custom', path: ['slack'], message: 'configure slack, email or both: notices need a way to reach people' });
    if (o.audiences.includes('security') && !o.slack?.summary_channel && !o.email?.summary_to.length) {
      ctx.addIssue({ code: 'custom', path: ['audiences'], message: 'security needs slack.summary_channel or email.summary_to, where the run summary goes' });
    }
  });
export type NotifyOptions = z.infer<typeof NotifyOptions>;

/** The port a security mode uses by default. */
export function smtpPort(e: NonNullable<NotifyOptions['email']>): number {
  return e.port ?? (e.security === 'tls' ? 465 : e.security === 'starttls' ? 587 : 25);
}
