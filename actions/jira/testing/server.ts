import { readFileSync } from 'node:fs';
import type { Context, Document } from 'openapi-backend';
import { checkReply, componentSchemas, registerOperations, serveJson, validatingBackend, viaBackend, type Answer } from '../../../test/openapi/server.js';
import type { JiraStub } from './jira-stub.js';

/**
 * An HTTP server for tests that puts Atlassian's OpenAPI description (the vendored subset in
 * ../openapi/) between jira.js and the stub: every request is routed and validated by
 * openapi-backend before the stub sees it, and every answer (the stub's, or an injected fault) is
 * validated against the same description before it goes back (test/openapi/server.ts). Anything that
 * does not conform is a violation; tests assert there are none.
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
  const schema = componentSchemas(spec);
  const errorCollection = schema('ErrorCollection');
  // The spec's `Fields` schema has a $ref with siblings, which strict meta-validation refuses (hence `quick`).
  const api = validatingBackend(spec, { ownProperties: true });
  const answer = (c: Context): Answer => {
    const authorization = (c.request.headers as Record<string, string | undefined>)['authorization'];
    authorizations.push(authorization ?? '');
    return check(c, serve(c, c.operation.operationId!, authorization));
  };
  const serve = (c: Context, op: string, authorization: string | undefined): Answer => {
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
  const check = (c: Context, sent: Answer): Answer => {
    if (typeof sent === 'string') return sent;
    const { reply, documented } = checkReply(api, c, sent, { infrastructure: INFRASTRUCTURE, errorBody: errorCollection, errorName: 'ErrorCollection' }, violations);
    if (!documented) return reply;
    const where = `${c.operation.operationId} → ${reply.status}`;
    for (const issue of issuesIn(c.operation.operationId!, reply.body)) {
      for (const [field, name] of Object.entries(FIELD_SCHEMAS)) {
        const value = issue.fields?.[field];
        if (value === undefined || value === null) continue;
        const validate = schema(name);
        if (!validate(value)) violations.push(`${where}: ${issue.key} fields.${field} is not a ${name}: ${validate.errors?.[0]?.message ?? ''}`);
      }
    }
    return reply;
  };
  registerOperations(api, spec, answer, violations, (errorMessages) => ({ errorMessages, errors: {} }));
  await api.init();

  const server = await serveJson(viaBackend(api), violations, 'application/json;charset=UTF-8');
  return { url: server.url, violations, authorizations, close: () => server.close() };
}

function issuesIn(op: string, body: unknown): { key?: string; fields?: Record<string, unknown> }[] {
  if (!body || typeof body !== 'object') return [];
  if (op === 'getIssue') return [body as { key?: string; fields?: Record<string, unknown> }];
  if (op === 'searchAndReconsileIssuesUsingJqlPost') return ((body as { issues?: unknown[] }).issues ?? []) as { fields?: Record<string, unknown> }[];
  return [];
}
