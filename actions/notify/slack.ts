import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger, type WebAPICallResult } from '@slack/web-api';
import { ActionError } from '../../core/errors.js';
import { addSecret, type Logger } from '../../core/log.js';
import { RecipientRefused, TransportDown } from './errors.js';
import type { NotifyOptions } from './options.js';
import type { Block } from './render.js';

/**
 * Slack through its official client (`@slack/web-api`): a person is found by email (users.lookupByEmail),
 * sent a direct message (conversations.open, then chat.postMessage with Block Kit and a text fallback);
 * the run summary goes to a channel. 429s wait their Retry-After (up to `max_retry_after_secs`); reads are
 * also retried after a 5xx or a network error. A post is not retried after an ambiguous failure (Slack may
 * have posted it): the sending stops and the next run tries again.
 */

export type SlackOptions = NonNullable<NotifyOptions['slack']>;

/** Errors that mean the token or its scopes are wrong: nothing else will work either. */
const FATAL = new Set(['not_authed', 'invalid_auth', 'token_revoked', 'token_expired', 'account_inactive', 'missing_scope', 'not_allowed_token_type', 'ekm_access_denied', 'team_access_not_granted']);

export interface SlackDeps {
  sleep?: (ms: number) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export function slackToken(options: SlackOptions, env: NodeJS.ProcessEnv): string {
  const token = env[options.token_env];
  if (!token) throw new ActionError(`slack: environment variable ${options.token_env} is not set (the bot token, xoxb-…)`);
  addSecret(token);
  return token;
}

export class Slack {
  private readonly client: WebClient;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly options: SlackOptions,
    token: string,
    log: Logger,
    deps: SlackDeps = {},
  ) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.client = new WebClient(token, {
      slackApiUrl: options.api_url,
      timeout: options.timeout_secs * 1000,
      // lapse retries itself: it honours Retry-After up to a bound, and never re-posts after an ambiguous failure.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: slackLogger(log),
      logLevel: LogLevel.DEBUG,
    });
  }

  /** The user id of the Slack member with this email, or null when Slack knows nobody by it. */
  async lookup(email: string): Promise<string | null> {
    try {
      const r = await this.call('users.lookupByEmail', { email }, true);
      return (r['user'] as { id?: string } | undefined)?.id ?? null;
    } catch (err) {
      if (err instanceof RecipientRefused && err.message.endsWith('users_not_found')) return null;
      throw err;
    }
  }

  /** A direct message to a member: its channel and ts. */
  async dm(user: string, text: string, blocks: Block[]): Promise<{ channel: string; ts: string }> {
    const open = await this.call('conversations.open', { users: user }, true);
    const channel = (open['channel'] as { id?: string } | undefined)?.id;
    if (!channel) throw new TransportDown('slack conversations.open: no channel id in the answer');
    return this.post(channel, text, blocks);
  }

  async post(channel: string, text: string, blocks: Block[]): Promise<{ channel: string; ts: string }> {
    const r = await this.call('chat.postMessage', { channel, text, blocks, unfurl_links: false, unfurl_media: false }, false);
    return { channel: String(r['channel'] ?? channel), ts: String(r['ts'] ?? '') };
  }

  /** Who the token is (lapse doctor). */
  async whoami(): Promise<{ team: string; user: string }> {
    const r = await this.call('auth.test', {}, true);
    return { team: String(r['team'] ?? ''), user: String(r['user'] ?? '') };
  }

  private async call(method: string, args: Record<string, unknown>, idempotent: boolean): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.client.apiCall(method, args)) as WebAPICallResult & Record<string, unknown>;
      } catch (err) {
        const wait = this.retryWait(method, err, attempt, idempotent);
        if (wait === null) throw classify(method, err);
        await this.sleep(wait);
      }
    }
  }

  /** How long to wait before trying again, or null to give up. */
  private retryWait(method: string, err: unknown, attempt: number, idempotent: boolean): number | null {
    if (attempt >= this.options.max_retries) return null;
    const code = (err as { code?: string }).code;
    if (code === ErrorCode.RateLimitedError) {
      const secs = (err as { retryAfter: number }).retryAfter;
      if (secs > this.options.max_retry_after_secs) throw new TransportDown(`slack ${method}: rate limited, Retry-After ${secs} s is longer than max_retry_after_secs (${this.options.max_retry_after_secs})`);
      return secs * 1000;
    }
    const transient = code === ErrorCode.RequestError || (code === ErrorCode.HTTPError && (err as { statusCode: number }).statusCode >= 500);
    return transient && idempotent ? Math.min(30_000, 500 * 2 ** attempt) : null;
  }
}

function classify(method: string, err: unknown): Error {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number; retryAfter?: number; message?: string };
  if (e.code === ErrorCode.PlatformError) {
    const error = e.data?.error ?? 'unknown_error';
    return FATAL.has(error) ? new TransportDown(`slack ${method}: ${error}`) : new RecipientRefused(`slack ${method}: ${error}`);
  }
  if (e.code === ErrorCode.RateLimitedError) return new TransportDown(`slack ${method}: still rate limited after the retries (Retry-After ${e.retryAfter} s)`);
  if (e.code === ErrorCode.HTTPError) return new TransportDown(`slack ${method}: HTTP ${e.statusCode}`);
  return new TransportDown(`slack ${method}: ${e.message ?? String(err)}`, { cause: err });
}

/** The client's own log lines go to lapse's logger at debug (it would print to the console otherwise). */
function slackLogger(log: Logger): SlackLogger {
  const child = log.child({ transport: 'slack' });
  const line = (msg: unknown[]) => msg.map(String).join(' ');
  let level = LogLevel.DEBUG;
  return {
    debug: (...m) => child.debug(line(m)),
    info: (...m) => child.debug(line(m)),
    warn: (...m) => child.debug(line(m)),
    error: (...m) => child.debug(line(m)),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}
