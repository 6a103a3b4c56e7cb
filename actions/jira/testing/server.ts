import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import type { JiraStub, Reply } from './jira-stub.js';

/**
 * An HTTP server for tests that puts Atlassian's OpenAPI description (the vendored subset in
 * ../openapi/) between jira.js and the stub: every request is routed and validated by
 * openapi-backend before the stub sees it, and every answer (the stub's, or an injected fault) is
 * validated against the same description before it goes back. Anything that does not conform is a
 * violation; tests assert there are none.
 */

const SPEC_PATH = new URL('../openapi/jira-v3.subset.json', import.meta.url);
/** Statuses any Jira endpoint can answer with (rate limits, outages), documented or not: their body must be an ErrorCollection. */
const INFRASTRUCTURE = new Set([429, 500, 502, 503, 504]);
/** Issue fields are free-form in the spec (`IssueBean.fields`); the ones lapse reads are checked against their own schemas. */
const FIELD_SCHEMAS: Record<string, string> = {
  status: 'StatusDetails',
  resolution: 'Resolution',
  priority: 'Priority',
  issuetype: 'IssueTypeDetails',
  assignee: 'UserDetails',
};

// ajv-formats is CommonJS with `exports.default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export interface JiraServer {
  url: string;
  /** Requests or answers that broke the OpenAPI description (or the stub's own checks). */
  violations: string[];
  /** Every Authorization header received (tests check the token went only there). */
  authorizations: string[];
  close(): Promise<void>;
}

export function loadSpec(): Document {
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Document;
}

export async function startJiraServer(stub: JiraStub, auth: { email: string; token: string }): Promise<JiraServer> {
  const spec = loadSpec();
  const violations: string[] = [];
  const authorizations: string[] = [];
  const expected = `Basic ${Buffer.from(`${auth.email}:${auth.token}`).toString('base64')}`;
  // ownProperties: a JSON object's keys only (a change item without `toString` must not see Object.prototype.toString).
  const components = new Ajv({ strict: false, allErrors: true, ownProperties: true });
  addFormats(components);
  components.addSchema({ ...(spec as object), $id: 'jira.json' });
  const schema = (name: string): ValidateFunction => components.getSchema(`jira.json#/components/schemas/${name}`)!;
  const errorCollection = schema('ErrorCollection');

  const api = new OpenAPIBackend({
    definition: structuredClone(spec),
    quick: true, // the spec's `Fields` schema has a $ref with siblings, which strict meta-validation refuses
    validate: true,
    coerceTypes: true,
    ajvOpts: { ownProperties: true },
    customizeAjv: (ajv) => addFormats(ajv as unknown as Ajv) as unknown as typeof ajv,
  });
  const answer = (c: Context): Reply | 'reset' | 'hang' => {
    const op = c.operation.operationId!;
    const headers = c.request.headers as Record<string, string | undefined>;
    authorizations.push(headers['authorization'] ?? '');
    const reply = check(c, serve(c, op, headers['authorization']));
    return reply;
  };
  const serve = (c: Context, op: string, authorization: string | undefined): Reply | 'reset' | 'hang' => {
    if (authorization !== expected) return { status: 401, body: { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} } };
    const fault = stub.takeFault(op);
    const request = { op, params: c.request.params as Record<string, string>, query: c.request.query as Record<string, unknown>, body: c.request.requestBody };
    if (fault?.afterStub) stub.handle(request);
    if (fault?.network) return fault.network;
    if (fault) {
      const echo = fault.echoAuthorization ? [`request had Authorization: ${authorization}`] : [];
      return { status: fault.status ?? 503, headers: fault.headers ?? {}, body: { errorMessages: [`injected ${fault.status ?? 503}`, ...echo], errors: {} } };
    }
    return stub.handle(request);
  };
  const check = (c: Context, sent: Reply | 'reset' | 'hang'): Reply | 'reset' | 'hang' => {
    if (typeof sent === 'string') return sent;
    // Validate what goes on the wire, not the stub's objects (undefined keys vanish, nothing is inherited).
    const reply: Reply = { ...sent, body: sent.body === undefined ? undefined : (JSON.parse(JSON.stringify(sent.body)) as unknown) };
    const op = c.operation.operationId!;
    const declared = Object.keys(c.operation.responses ?? {});
    const where = `${op} → ${reply.status}`;
    if (!declared.includes(String(reply.status)) && !declared.includes('default')) {
      if (!INFRASTRUCTURE.has(reply.status)) violations.push(`${where}: not a documented response`);
      else if (!errorCollection(reply.body)) violations.push(`${where}: body is not an ErrorCollection`);
      return reply;
    }
    if (reply.status === 204 && reply.body !== undefined) violations.push(`${where}: a 204 has a body`);
    const result = api.validateResponse(reply.body, c.operation, reply.status);
    for (const e of result.errors ?? []) violations.push(`${where}: ${e.instancePath || '/'} ${e.message ?? ''}`);
    for (const issue of issuesIn(op, reply.body)) {
      for (const [field, name] of Object.entries(FIELD_SCHEMAS)) {
        const value = issue.fields?.[field];
        if (value === undefined || value === null) continue;
        const validate = schema(name);
        if (!validate(value)) violations.push(`${where}: ${issue.key} fields.${field} is not a ${name}: ${validate.errors?.[0]?.message ?? ''}`);
      }
    }
    return reply;
  };
  api.register({
    ...Object.fromEntries(operationIds(spec).map((id) => [id, answer])),
    validationFail: (c: Context) => {
      const msgs = (c.validation.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
      violations.push(`${c.operation.operationId} request: ${msgs.join('; ')}`);
      return { status: 400, body: { errorMessages: msgs, errors: {} } } satisfies Reply;
    },
    notFound: (c: Context) => {
      violations.push(`${c.request.method.toUpperCase()} ${c.request.path}: not an operation of the vendored description`);
      return { status: 404, body: { errorMessages: ['not found'], errors: {} } } satisfies Reply;
    },
    notImplemented: (c: Context) => {
      violations.push(`${c.operation.operationId}: no handler`);
      return { status: 501, body: { errorMessages: ['not implemented'], errors: {} } } satisfies Reply;
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
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    if (text) {
      if (!String(req.headers['content-type'] ?? '').includes('application/json')) violations.push(`${req.method} ${req.url}: body without a JSON content type`);
      body = JSON.parse(text) as unknown;
    }
    const url = new URL(req.url ?? '/', 'http://stub');
    const reply = (await api.handleRequest({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: req.headers as Record<string, string>,
      body,
    })) as Reply | 'reset' | 'hang';
    if (reply === 'reset') return void req.socket.destroy();
    if (reply === 'hang') return void hanging.add(res);
    const headers = { ...(reply.headers ?? {}), ...(reply.body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }) };
    res.writeHead(reply.status, headers).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    violations,
    authorizations,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function issuesIn(op: string, body: unknown): { key?: string; fields?: Record<string, unknown> }[] {
  if (!body || typeof body !== 'object') return [];
  if (op === 'getIssue') return [body as { key?: string; fields?: Record<string, unknown> }];
  if (op === 'searchAndReconsileIssuesUsingJqlPost') return ((body as { issues?: unknown[] }).issues ?? []) as { fields?: Record<string, unknown> }[];
  return [];
}

function operationIds(spec: Document): string[] {
  return Object.values(spec.paths ?? {}).flatMap((item) =>
    Object.values(item ?? {}).flatMap((op) => (op && typeof op === 'object' && 'operationId' in op ? [String(op.operationId)] : [])),
  );
}
