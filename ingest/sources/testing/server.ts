import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, Document } from 'openapi-backend';
import { checkReply, componentSchemas, registerOperations, validatingBackend, type Answer, type Reply } from '../../../test/openapi/server.js';

export type { Reply } from '../../../test/openapi/server.js';

/**
 * An HTTP server on 127.0.0.1 for tests that puts a vendor's OpenAPI description (a vendored subset,
 * see vendor.ts) between the client and a stub, with the shared pieces of test/openapi/server.ts: every
 * request is routed and validated by openapi-backend before the stub sees it, and every answer is
 * validated against the same description before it goes back. Anything that does not conform is a
 * violation; tests assert there are none. Its own server, for the endpoints outside the description.
 */

export interface StubRequest {
  op: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** The full URL the client asked for (for Link headers). */
  url: URL;
}

/** What the stub answers; `hang` keeps the request open until the server closes (a test kills the client meanwhile). */
export type Stub = (req: StubRequest) => Reply | 'hang';

export interface ApiServer {
  url: string;
  violations: string[];
  /** Every request that reached the stub, in order. */
  requests: StubRequest[];
  close(): Promise<void>;
}

/** Statuses any endpoint can answer with (credentials refused, rate limits, outages), documented or not. */
const INFRASTRUCTURE = new Set([401, 403, 429, 500, 502, 503, 504]);

/**
 * An endpoint the description does not cover (Okta's OAuth token endpoint is in its OAuth description,
 * not the management one): answered before routing when it returns a reply.
 */
export type Outside = (req: { method: string; url: URL; headers: Record<string, string | undefined>; body: string }) => Reply | undefined;

export async function startApiServer(spec: URL, stub: Stub, errorSchema: string, outside?: Outside): Promise<ApiServer> {
  const definition = JSON.parse(readFileSync(spec, 'utf8')) as Document;
  const violations: string[] = [];
  const requests: StubRequest[] = [];
  const errorBody = componentSchemas(definition, { logger: false })(errorSchema);
  const api = validatingBackend(definition, { ownProperties: true, strict: false, logger: false });
  let base = '';
  const answer = (c: Context): Answer => {
    const req: StubRequest = {
      op: c.operation.operationId!,
      params: c.request.params as Record<string, string>,
      query: Object.fromEntries(Object.entries(c.request.query as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
      headers: c.request.headers as Record<string, string | undefined>,
      url: new URL(`${c.request.path}${queryString(c)}`, base),
    };
    requests.push(req);
    const reply = stub(req);
    return reply === 'hang' ? reply : checkReply(api, c, reply, { infrastructure: INFRASTRUCTURE, errorBody, errorName: errorSchema }, violations).reply;
  };
  registerOperations(api, definition, answer, violations, (messages) => ({ message: messages.join('; ') }));
  await api.init();

  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      violations.push(`server error: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', base);
    const own = outside?.({ method: req.method ?? 'GET', url, headers: req.headers as Record<string, string | undefined>, body: Buffer.concat(chunks).toString('utf8') });
    if (own) {
      res.writeHead(own.status, { ...(own.headers ?? {}), 'content-type': 'application/json' }).end(JSON.stringify(own.body));
      return;
    }
    const reply = (await api.handleRequest({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: req.headers as Record<string, string>,
    })) as Reply | 'hang';
    if (reply === 'hang') return void hanging.add(res);
    const headers = { ...(reply.headers ?? {}), ...(reply.body === undefined ? {} : { 'content-type': 'application/json' }) };
    res.writeHead(reply.status, headers).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    violations,
    requests,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function queryString(c: Context): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(c.request.query as Record<string, unknown>)) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
