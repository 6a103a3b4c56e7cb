import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';

/**
 * An HTTP server on 127.0.0.1 for tests that puts a vendor's OpenAPI description (a vendored subset,
 * see vendor.ts) between the client and a stub: every request is routed and validated by
 * openapi-backend before the stub sees it, and every answer is validated against the same description
 * before it goes back (as actions/jira/testing/server.ts does for Jira). Anything that does not conform
 * is a violation; tests assert there are none.
 */

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

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

// ajv-formats is CommonJS with `exports.default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** `errorSchema`: the component an undocumented 429/5xx body must match (Okta `Error`, GitHub `basic-error`). */
/**
 * An endpoint the description does not cover (Okta's OAuth token endpoint is in its OAuth description,
 * not the management one): answered before routing when it returns a reply.
 */
export type Outside = (req: { method: string; url: URL; headers: Record<string, string | undefined>; body: string }) => Reply | undefined;

export async function startApiServer(spec: URL, stub: Stub, errorSchema: string, outside?: Outside): Promise<ApiServer> {
  const definition = JSON.parse(readFileSync(spec, 'utf8')) as Document;
  const violations: string[] = [];
  const requests: StubRequest[] = [];
  const components = new Ajv({ strict: false, allErrors: true, ownProperties: true, logger: false });
  addFormats(components);
  components.addSchema({ ...(definition as object), $id: 'api.json' });
  const errorBody: ValidateFunction = components.getSchema(`api.json#/components/schemas/${errorSchema}`)!;

  const api = new OpenAPIBackend({
    definition: structuredClone(definition),
    quick: true,
    validate: true,
    coerceTypes: true,
    ajvOpts: { ownProperties: true, strict: false, logger: false },
    customizeAjv: (ajv) => addFormats(ajv as unknown as Ajv) as unknown as typeof ajv,
  });
  const check = (c: Context, reply: Reply): Reply => {
    const body = reply.body === undefined ? undefined : (JSON.parse(JSON.stringify(reply.body)) as unknown);
    const op = c.operation.operationId!;
    const where = `${op} → ${reply.status}`;
    const declared = Object.keys(c.operation.responses ?? {});
    if (!declared.includes(String(reply.status)) && !declared.includes('default')) {
      if (!INFRASTRUCTURE.has(reply.status)) violations.push(`${where}: not a documented response`);
      else if (!errorBody(body)) violations.push(`${where}: body is not a ${errorSchema}`);
      return { ...reply, body };
    }
    const result = api.validateResponse(body, c.operation, reply.status);
    for (const e of result.errors ?? []) violations.push(`${where}: ${e.instancePath || '/'} ${e.message ?? ''}`);
    return { ...reply, body };
  };
  let base = '';
  const answer = (c: Context): Reply | 'hang' => {
    const req: StubRequest = {
      op: c.operation.operationId!,
      params: c.request.params as Record<string, string>,
      query: Object.fromEntries(Object.entries(c.request.query as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
      headers: c.request.headers as Record<string, string | undefined>,
      url: new URL(`${c.request.path}${queryString(c)}`, base),
    };
    requests.push(req);
    const reply = stub(req);
    return reply === 'hang' ? reply : check(c, reply);
  };
  api.register({
    ...Object.fromEntries(operationIds(definition).map((id) => [id, answer])),
    validationFail: (c: Context) => {
      const msgs = (c.validation.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
      violations.push(`${c.operation.operationId} request: ${msgs.join('; ')}`);
      return { status: 400, body: { message: msgs.join('; ') } } satisfies Reply;
    },
    notFound: (c: Context) => {
      violations.push(`${c.request.method.toUpperCase()} ${c.request.path}: not an operation of the vendored description`);
      return { status: 404, body: { message: 'not found' } } satisfies Reply;
    },
  });
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

function operationIds(spec: Document): string[] {
  return Object.values(spec.paths ?? {}).flatMap((item) =>
    Object.values(item ?? {}).flatMap((op) => (op && typeof op === 'object' && 'operationId' in op ? [String(op.operationId)] : [])),
  );
}
