import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver on 127.0.0.1 for tests, written as docs/webhook.md tells a receiver to be: it verifies
 * the signature over `<timestamp>.<raw body>` (refusing a bad one with 401, a timestamp off by more than
 * 5 minutes too), and drops a delivery whose idempotency key it already processed (answering 200). Tests
 * script its answers (`script`: a 500, a 429 with Retry-After) and read what it processed.
 */

export interface Answer {
  status: number;
  retryAfter?: string;
}

export interface Attempt {
  key: string;
  timestamp: number;
  verified: boolean;
  status: number;
}

export interface Receiver {
  url: string;
  /** Every request, in order. */
  attempts: Attempt[];
  /** Deliveries processed (first time their key was seen), with their parsed body. */
  processed: { key: string; body: { delivery_id: string; run_id: string; events: { id: string; type: string }[] } }[];
  /** Answers for the next requests (then 200). */
  script: Answer[];
  /** Called after a delivery was processed and before it is answered (a test kills the sender here). */
  onProcessed: ((key: string) => void) | null;
  close(): Promise<void>;
}

const TOLERANCE_SECS = 300;

/** The check docs/webhook.md shows: the same code a receiver would run. */
export function verify(secret: string, headers: IncomingMessage['headers'], raw: Buffer, nowSecs = Date.now() / 1000): boolean {
  const ts = String(headers['lapse-timestamp'] ?? '');
  const sig = String(headers['lapse-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(nowSecs - Number(ts)) > TOLERANCE_SECS) return false;
  const expected = `v1=${createHmac('sha256', secret).update(`${ts}.`).update(raw).digest('hex')}`;
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const seen = new Set<string>();
  const r: Receiver = { url: '', attempts: [], processed: [], script: [], onProcessed: null, close: async () => undefined };
  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const key = String(req.headers['idempotency-key'] ?? '');
    const verified = req.method === 'POST' && verify(secret, req.headers, raw);
    const next = r.script.shift() ?? { status: 200 };
    const status = !verified ? 401 : next.status;
    r.attempts.push({ key, timestamp: Number(req.headers['lapse-timestamp']), verified, status });
    if (status === 200 && !seen.has(key)) {
      seen.add(key);
      r.processed.push({ key, body: JSON.parse(raw.toString('utf8')) as Receiver['processed'][number]['body'] });
      r.onProcessed?.(key);
    }
    res.writeHead(status, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
    res.end();
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/lapse`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
