import { createHmac } from 'node:crypto';

/** The headers a delivery is signed with (docs/webhook.md says how a receiver checks them). */
export const HEADERS = {
  timestamp: 'lapse-timestamp',
  signature: 'lapse-signature',
  idempotency: 'idempotency-key',
} as const;

/** `v1=` and the hex HMAC-SHA256, keyed by the secret, of `<timestamp>.<body>` (the exact bytes sent). */
export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
