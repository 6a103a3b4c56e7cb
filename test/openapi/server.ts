import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';

/**
 * The parts of a test server that puts a vendor's OpenAPI description (a vendored subset) between a
 * client and a stub: openapi-backend routes and validates every request before the stub sees it, and
 * every answer is validated against the same description before it goes back. Anything that does not
 * conform is a violation; tests assert there are none. Used by actions/jira/testing/server.ts.
 */

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A reply, or `reset` (drop the connection) or `hang` (keep it open until the server closes). */
export type Answer = Reply | 'reset' | 'hang';

// ajv-formats is CommonJS with `exports.default`.
export const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** openapi-backend over a description, validating requests (with formats); `quick`: the vendors' schemas fail strict meta-validation. */
export function validatingBackend(definition: Document, ajvOpts: Options): OpenAPIBackend {
  return new OpenAPIBackend({
    definition: structuredClone(definition),
    quick: true,
    validate: true,
    coerceTypes: true,
    ajvOpts,
    customizeAjv: (ajv) => addFormats(ajv as unknown as Ajv) as unknown as typeof ajv,
  });
}

/** A validator for each of the description's component schemas, by name. ownProperties: a JSON object's keys only. */
export function componentSchemas(definition: Document, options: Options = {}): (name: string) => ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, ownProperties: true, ...options });
  addFormats(ajv);
  ajv.addSchema({ ...(definition as object), $id: 'api.json' });
  return (name) => ajv.getSchema(`api.json#/components/schemas/${name}`)!;
}

export function operationIds(spec: Document): string[] {
  return Object.values(spec.paths ?? {}).flatMap((item) =>
    Object.values(item ?? {}).flatMap((op) => (op && typeof op === 'object' && 'operationId' in op ? [String(op.operationId)] : [])),
  );
}

/**
 * Registers `answer` for every operation of the description, and makes a request that breaks it (or is
 * not in it, or has no handler) a violation answered with `errorBody(messages)`, the vendor's error shape.
 */
export function registerOperations(api: OpenAPIBackend, definition: Document, answer: (c: Context) => Answer, violations: string[], errorBody: (messages: string[]) => unknown): void {
  api.register({
    ...Object.fromEntries(operationIds(definition).map((id) => [id, answer])),
    validationFail: (c: Context) => {
      const msgs = (c.validation.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
      violations.push(`${c.operation.operationId} request: ${msgs.join('; ')}`);
      return { status: 400, body: errorBody(msgs) } satisfies Reply;
    },
    notFound: (c: Context) => {
      violations.push(`${c.request.method.toUpperCase()} ${c.request.path}: not an operation of the vendored description`);
      return { status: 404, body: errorBody(['not found']) } satisfies Reply;
    },
    notImplemented: (c: Context) => {
      violations.push(`${c.operation.operationId}: no handler`);
      return { status: 501, body: errorBody(['not implemented']) } satisfies Reply;
    },
  });
}

/**
 * Validates an answer as it goes on the wire (undefined keys vanish, nothing is inherited) and returns
 * that: a documented status against its response schema; an undocumented one is a violation unless it is
 * one of `infrastructure` (rate limits, outages) with a body `errorBody` accepts (the component `errorName`).
 * `documented` says whether the status was, so the caller knows whether to check more.
 */
export function checkReply(
  api: OpenAPIBackend,
  c: Context,
  sent: Reply,
  o: { infrastructure: Set<number>; errorBody: ValidateFunction; errorName: string },
  violations: string[],
): { reply: Reply; documented: boolean } {
  const reply: Reply = { ...sent, body: sent.body === undefined ? undefined : (JSON.parse(JSON.stringify(sent.body)) as unknown) };
  const where = `${c.operation.operationId} → ${reply.status}`;
  const declared = Object.keys(c.operation.responses ?? {});
  if (!declared.includes(String(reply.status)) && !declared.includes('default')) {
    if (!o.infrastructure.has(reply.status)) violations.push(`${where}: not a documented response`);
    else if (!o.errorBody(reply.body)) violations.push(`${where}: body is not ${/^[aeiou]/i.test(o.errorName) ? 'an' : 'a'} ${o.errorName}`);
    return { reply, documented: false };
  }
  if (reply.status === 204 && reply.body !== undefined) violations.push(`${where}: a 204 has a body`);
  const result = api.validateResponse(reply.body, c.operation, reply.status);
  for (const e of result.errors ?? []) violations.push(`${where}: ${e.instancePath || '/'} ${e.message ?? ''}`);
  return { reply, documented: true };
}

export interface JsonRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, if any. */
  body: unknown;
}

/** Hands each request to openapi-backend, whose handlers (registerOperations) give the answer. */
export const viaBackend =
  (api: OpenAPIBackend) =>
  (req: JsonRequest): Promise<Answer> =>
    api.handleRequest({ method: req.method, path: req.url.pathname, query: req.url.search.slice(1), headers: req.headers as Record<string, string>, body: req.body }) as Promise<Answer>;

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 whose answers are JSON with `contentType`. A body sent without a JSON
 * content type, or an error thrown by `answer` (then a 500), is a violation.
 */
export async function serveJson(answer: (req: JsonRequest) => Promise<Answer>, violations: string[], contentType = 'application/json'): Promise<Listening> {
  const hanging = new Set<ServerResponse>();
  let base = '';
  const server = createServer((req, res) => {
    const handle = async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text) {
        if (!String(req.headers['content-type'] ?? '').includes('application/json')) violations.push(`${req.method} ${req.url}: body without a JSON content type`);
        body = JSON.parse(text) as unknown;
      }
      const reply = await answer({ method: req.method ?? 'GET', url: new URL(req.url ?? '/', base), headers: req.headers, body });
      if (reply === 'reset') return void req.socket.destroy();
      if (reply === 'hang') return void hanging.add(res);
      const headers = { ...(reply.headers ?? {}), ...(reply.body === undefined ? {} : { 'content-type': contentType }) };
      res.writeHead(reply.status, headers).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    };
    void handle().catch((e: unknown) => {
      violations.push(`server error: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
