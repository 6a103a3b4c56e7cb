import { readFile } from 'node:fs/promises';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { ActionError } from '../../core/errors.js';
import { addSecret } from '../../core/log.js';
import { smtpPort, type NotifyOptions } from './options.js';
import { RecipientRefused, TransportDown } from './errors.js';

/**
 * Email over SMTP through nodemailer: one connection reused for the run, STARTTLS required (or TLS from the
 * first byte, or plain for a local relay), optional authentication from the environment. A recipient the
 * server refuses (5xx to RCPT TO) fails only that message; anything else (connection, 4xx, timeouts)
 * stops the sending, and the next run sends what did not go out.
 */

export type EmailOptions = NonNullable<NotifyOptions['email']>;

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export class Smtp {
  private constructor(
    private readonly options: EmailOptions,
    private readonly transport: Transporter<SMTPTransport.SentMessageInfo>,
  ) {}

  static async open(options: EmailOptions, env: NodeJS.ProcessEnv, resolveFile: (p: string) => string): Promise<Smtp> {
    const ca = options.ca_file ? await readFile(resolveFile(options.ca_file), 'utf8') : undefined;
    const transport = nodemailer.createTransport({
      host: options.host,
      port: smtpPort(options),
      secure: options.security === 'tls',
      requireTLS: options.security === 'starttls',
      ignoreTLS: options.security === 'none',
      ...(ca ? { tls: { ca } } : {}),
      ...auth(options, env),
      pool: true,
      maxConnections: 1,
      connectionTimeout: options.timeout_secs * 1000,
      greetingTimeout: options.timeout_secs * 1000,
      socketTimeout: options.timeout_secs * 1000,
    });
    return new Smtp(options, transport);
  }

  /** Sends one message; its Message-ID. */
  async send(mail: Mail): Promise<string> {
    try {
      const info = await this.transport.sendMail(mailOf(this.options, mail));
      if (info.rejected.length) throw new RecipientRefused(`smtp: ${mail.to} refused: ${info.response}`);
      return info.messageId;
    } catch (err) {
      throw classify(mail.to, err);
    }
  }

  /** Connects, upgrades and authenticates, as a send would (lapse doctor). */
  async verify(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (err) {
      throw classify('', err);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** The message nodemailer builds: sender, reply-to, both parts, marked as sent by a machine (RFC 3834). */
export function mailOf(options: EmailOptions, mail: Mail): SendMailOptions {
  return {
    from: options.from,
    ...(options.reply_to ? { replyTo: options.reply_to } : {}),
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

function auth(options: EmailOptions, env: NodeJS.ProcessEnv): { auth?: { user: string; pass: string } } {
  if (!options.user_env || !options.password_env) return {};
  const user = env[options.user_env];
  const pass = env[options.password_env];
  if (!user || !pass) throw new ActionError(`email: environment variable ${!user ? options.user_env : options.password_env} is not set`);
  addSecret(pass);
  return { auth: { user, pass } };
}

function classify(to: string, err: unknown): Error {
  if (err instanceof RecipientRefused) return err;
  const e = err as { code?: string; responseCode?: number; command?: string; message?: string };
  const where = `${e.command ? ` (${e.command})` : ''}`;
  if (e.code === 'EENVELOPE' && (e.responseCode ?? 0) >= 500) return new RecipientRefused(`smtp: ${to} refused${where}: ${e.message ?? ''}`);
  return new TransportDown(`smtp${where}: ${e.message ?? String(err)}`, { cause: err });
}
