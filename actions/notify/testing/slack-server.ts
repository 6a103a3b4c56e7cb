import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { addFormats } from '../../../test/openapi/server.js';

/**
 * A small Slack Web API for tests, with Slack's OpenAPI description (the vendored subset in ../openapi/)
 * between @slack/web-api and the stub: every request's arguments are checked against the method's
 * parameters, and every answer against its success or error schema, with ajv. Anything that does not
 * conform is a violation; tests assert there are none.
 *
 * Quirks of the 2020 description, handled here (see ../openapi/README.md): it declares users.lookupByEmail
 * and auth.test as GET with the token in the query, while Slack (and its client) takes every method as a
 * POST with the token in an `Authorization: Bearer` header; so the method is found by path alone and the
 * `token` parameter is satisfied by the header. Some definitions (objs_user, objs_conversation) list their
 * variants as `items: [...]` on an object, which JSON Schema ignores: they are read as `anyOf`. Rate limits
 * (HTTP 429 with Retry-After) are documented on Slack's site, not in the description.
 */

const SPEC_PATH = new URL('../openapi/slack-web.subset.json', import.meta.url);

type Obj = Record<string, unknown>;

export interface StubUser {
  id: string;
  email: string;
  name: string;
}

/** An answer the server gives instead of the stub's, for the next `times` calls of `method`. */
export interface SlackFault {
  method: string;
  times: number;
  /** 429 with this Retry-After (seconds). */
  retryAfter?: number;
  /** An HTTP status (500, 503) with no Slack body. */
  status?: number;
  /** A Slack error (`ok: false`). */
  error?: string;
  /** Only for calls whose arguments match (e.g. `{ users: 'U…' }`). */
  when?: Record<string, string>;
}

export interface Call {
  method: string;
  args: Record<string, string>;
  status: number;
  answer: unknown;
}

export interface SlackServer {
  /** The Web API base URL to give the client (`slackApiUrl`). */
  url: string;
  calls: Call[];
  violations: string[];
  faults: SlackFault[];
  /** Messages posted, by channel (a DM's id, or a channel id). */
  posted: { channel: string; user: string | null; text: string; blocks: Obj[] }[];
  close(): Promise<void>;
}

export function loadSlackSpec(): Obj {
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Obj;
}

/** `items: [a, b]` on a schema that is not an array means "one of these" in Slack's description. */
function tupleAsAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tupleAsAnyOf);
  if (!node || typeof node !== 'object') return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node as Obj)) out[k] = tupleAsAnyOf(v);
  if (Array.isArray(out['items']) && out['type'] !== 'array') {
    out['anyOf'] = out['items'];
    delete out['items'];
  }
  return out;
}

export async function startSlackServer(opts: { token: string; users: StubUser[]; channels?: Record<string, string> }): Promise<SlackServer> {
  const spec = tupleAsAnyOf(loadSlackSpec()) as Obj & { paths: Record<string, Record<string, Obj>> };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...spec, $id: 'slack.json' });
  const pointer = (method: string, verb: string, status: string) =>
    `slack.json#/paths/${encodeURIComponent(`/${method}`.replaceAll('~', '~0').replaceAll('/', '~1'))}/${verb}/responses/${status}/schema`;
  const calls: Call[] = [];
  const violations: string[] = [];
  const faults: SlackFault[] = [];
  const posted: SlackServer['posted'] = [];
  const channels = new Map(Object.entries(opts.channels ?? { '#access-reviews': 'C0SECREVW1' }));
  let seq = 0;
  const ts = () => `1782800000.${String(++seq).padStart(6, '0')}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://stub');
    const method = url.pathname.replace(/^\/api\//, '');
    const item = spec.paths[`/${method}`];
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      calls.push({ method, args, status, answer: body });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    };
    const args = parseArgs(String(req.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8'), url);
    if (!item) {
      violations.push(`${req.method} ${url.pathname}: not a method of the vendored description`);
      return send(404, { ok: false, error: 'unknown_method' });
    }
    const [verb, op] = Object.entries(item)[0]!;
    if (req.method !== 'POST' && req.method !== verb.toUpperCase()) violations.push(`${method}: sent as ${req.method}`);
    violations.push(...checkArgs(method, op, args));
    const fault = faults.find((f) => f.method === method && f.times > 0 && Object.entries(f.when ?? {}).every(([k, v]) => args[k] === v));
    if (fault) {
      fault.times--;
      if (fault.retryAfter !== undefined) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
      if (fault.status !== undefined) return send(fault.status, { ok: false, error: 'service_unavailable' });
    }
    const answer = req.headers['authorization'] !== `Bearer ${opts.token}` ? { ok: false, error: 'invalid_auth' } : fault?.error ? { ok: false, error: fault.error } : serve(method, args);
    const validate = ajv.getSchema(pointer(method, verb, answer['ok'] ? '200' : 'default'));
    if (!validate) violations.push(`${method}: no response schema in the description`);
    else if (!validate(answer)) violations.push(`${method} answer: ${(validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ')}`);
    send(200, answer);
  };

  const serve = (method: string, args: Record<string, string>): Obj => {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://corp-example.slack.com/', team: 'Corp Example', user: 'lapse', team_id: 'T0CORPEX1', user_id: 'U0LAPSEBOT' };
      case 'users.lookupByEmail': {
        const u = opts.users.find((x) => x.email.toLowerCase() === (args['email'] ?? '').toLowerCase());
        return u ? { ok: true, user: userObject(u) } : { ok: false, error: 'users_not_found' };
      }
      case 'conversations.open': {
        const u = opts.users.find((x) => x.id === args['users']);
        return u ? { ok: true, channel: { id: `D${u.id.slice(1)}` } } : { ok: false, error: 'user_not_found' };
      }
      case 'chat.postMessage': {
        const target = args['channel'] ?? '';
        const dm = opts.users.find((x) => `D${x.id.slice(1)}` === target);
        const channel = dm ? target : (channels.get(target) ?? [...channels.values()].find((c) => c === target));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const blocks = JSON.parse(args['blocks'] ?? '[]') as Obj[];
        posted.push({ channel, user: dm?.id ?? null, text: args['text'] ?? '', blocks });
        const at = ts();
        return { ok: true, channel, ts: at, message: { type: 'message', text: args['text'] ?? '', ts: at, user: 'U0LAPSEBOT', bot_id: 'B0LAPSEBOT1', blocks } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      violations.push(`server error: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    violations,
    faults,
    posted,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseArgs(type: string, body: string, url: URL): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(url.searchParams);
  if (type.includes('application/x-www-form-urlencoded')) Object.assign(out, Object.fromEntries(new URLSearchParams(body)));
  else if (type.includes('application/json') && body) for (const [k, v] of Object.entries(JSON.parse(body) as Obj)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** The method's parameters (besides the token, sent as a header): required ones present, types as a form carries them, no unknown ones. */
function checkArgs(method: string, op: Obj, args: Record<string, string>): string[] {
  const params = ((op['parameters'] ?? []) as { name: string; in: string; required?: boolean; type: string }[]).filter((p) => p.name !== 'token');
  const out: string[] = [];
  for (const p of params) {
    const v = args[p.name];
    if (v === undefined) {
      if (p.required) out.push(`${method} request: ${p.name} is required`);
      continue;
    }
    if (p.type === 'boolean' && !['true', 'false', '1', '0'].includes(v)) out.push(`${method} request: ${p.name} is not a boolean: ${v}`);
    if ((p.type === 'integer' || p.type === 'number') && !/^-?\d+(\.\d+)?$/.test(v)) out.push(`${method} request: ${p.name} is not a number: ${v}`);
  }
  const known = new Set(params.map((p) => p.name));
  for (const k of Object.keys(args)) if (!known.has(k) && k !== 'token') out.push(`${method} request: ${k} is not a parameter of the method`);
  if (method === 'chat.postMessage') out.push(...checkBlocks(args['blocks'], args['text']));
  return out;
}

/** Block Kit limits from Slack's documentation (the description types `blocks` only as a JSON string). */
function checkBlocks(json: string | undefined, text: string | undefined): string[] {
  const out: string[] = [];
  if (!text) out.push('chat.postMessage request: no text fallback (Slack shows it in notifications)');
  if (json === undefined) return out;
  const blocks = JSON.parse(json) as { type?: string; text?: { type?: string; text?: string }; elements?: { text?: string }[] }[];
  if (!Array.isArray(blocks) || blocks.length > 50) out.push('chat.postMessage request: blocks must be an array of at most 50');
  for (const [i, b] of (Array.isArray(blocks) ? blocks : []).entries()) {
    if (b.type === 'header' && (b.text?.type !== 'plain_text' || (b.text.text ?? '').length > 150)) out.push(`blocks[${i}]: a header is plain_text of at most 150 characters`);
    if (b.type === 'section' && (!b.text?.text || b.text.text.length > 3000)) out.push(`blocks[${i}]: a section's text holds 1 to 3000 characters`);
    if (b.type === 'context' && (!b.elements?.length || b.elements.length > 10)) out.push(`blocks[${i}]: a context holds 1 to 10 elements`);
    if (!['header', 'section', 'context', 'divider'].includes(b.type ?? '')) out.push(`blocks[${i}]: unexpected block type ${b.type}`);
  }
  return out;
}

function userObject(u: StubUser): Obj {
  const profile = {
    real_name: u.name,
    display_name: u.name,
    avatar_hash: 'g0123456789a',
    real_name_normalized: u.name,
    display_name_normalized: u.name,
    title: '',
    phone: '',
    skype: '',
    status_text: '',
    status_emoji: '',
    fields: null,
    email: u.email,
  };
  return { id: u.id, name: u.email.split('@')[0], is_bot: false, updated: 1780000000, is_app_user: false, deleted: false, profile };
}
