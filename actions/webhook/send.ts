import { ActionError, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { plural } from '../../core/text.js';
import type { WebhookOptions } from './options.js';
import { HEADERS, signature } from './sign.js';

/**
 * One delivery POSTed until the receiver accepts it (2xx): a 5xx, a 429 or a network error is retried
 * `max_retries` times, waiting the Retry-After when the receiver gives one, else 1, 2, 4… s. Each attempt
 * is signed afresh (a new timestamp over the same body) under the same idempotency key.
 */

/** The receiver cannot take deliveries now (down, refusing, asking to wait too long): stop sending to it this run. */
export class ReceiverDown extends ActionError {}

export interface SendDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

export interface Accepted {
  status: number;
  attempts: number;
}

export async function post(url: string, id: string, body: string, secret: string, o: WebhookOptions, log: Logger, deps: SendDeps = {}): Promise<Accepted> {
  const sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const now = deps.now ?? (() => new Date());
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(url, id, body, secret, o, Math.floor(now().getTime() / 1000));
    if (outcome.ok) return { status: outcome.status, attempts: attempt };
    if (!outcome.retry || attempt > o.max_retries) throw new ReceiverDown(`webhook ${url}: ${outcome.why}${outcome.retry ? ` after ${plural(attempt, 'attempt')}` : ''}`);
    const wait = outcome.retryAfter ?? 2 ** (attempt - 1);
    if (wait > o.max_retry_after_secs) throw new ReceiverDown(`webhook ${url}: ${outcome.why}, and Retry-After ${wait} s is longer than max_retry_after_secs (${o.max_retry_after_secs})`);
    log.warn({ url, delivery: id, attempt, wait_secs: wait, why: outcome.why }, 'webhook retry');
    await sleep(wait * 1000);
  }
}

type Outcome = { ok: true; status: number } | { ok: false; retry: boolean; why: string; retryAfter?: number | undefined };

async function attemptOnce(url: string, id: string, body: string, secret: string, o: WebhookOptions, ts: number): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeout_secs * 1000),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'lapse-webhook/1',
        [HEADERS.idempotency]: id,
        [HEADERS.timestamp]: String(ts),
        [HEADERS.signature]: signature(secret, ts, body),
      },
    });
  } catch (err) {
    return { ok: false, retry: true, why: `no answer (${messageOf(err)}${causeOf(err)})` };
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  const retry = res.status === 429 || res.status >= 500;
  return { ok: false, retry, why: `HTTP ${res.status}${retry ? '' : ' (refused; fix the receiver or the config, the next run sends it again)'}`, retryAfter: retryAfter(res.headers.get('retry-after')) };
}

/** Retry-After as seconds (delta-seconds, or an HTTP date from now); undefined when absent or unreadable. */
export function retryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

const causeOf = (err: unknown) => {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message;
  return why ? `: ${why}` : '';
};
