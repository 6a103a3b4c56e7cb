import type { Reply } from '../../../test/openapi/server.js';
import { adfErrors } from './adf-schema.js';
import { parseJql, type Query } from './jql-parser.js';

/**
 * A small, stateful Jira Cloud for tests: issues with labels, statuses, resolutions, comments and a
 * changelog; a workflow with transitions; users; the enhanced JQL search with `nextPageToken`
 * pages and an eventual-consistency delay for new issues (`reconcileIssues` reads them at once).
 * It checks what Jira checks (fields, ADF bodies, transitions) and answers as Jira does; the test
 * server in front of it checks every request and answer against Atlassian's OpenAPI description.
 */

export interface StubUser {
  accountId: string;
  displayName: string;
  email: string;
  /** Jira hides emails by the user's privacy settings. */
  emailVisible?: boolean;
  active?: boolean;
}

interface Status {
  id: string;
  name: string;
  category: 'new' | 'indeterminate' | 'done';
}

interface Comment {
  id: string;
  author: string;
  body: unknown;
  created: string;
}

/** A change; the spec types from/to as strings, so absent values are left out (not null). */
interface HistoryItem {
  field: string;
  fieldtype: string;
  from?: string;
  fromString?: string;
  to?: string;
  toString?: string;
}

function item(field: string, from: string | null, fromString: string | null, to: string | null, toString: string | null): HistoryItem {
  return {
    field,
    fieldtype: 'jira',
    ...(from === null ? {} : { from }),
    ...(fromString === null ? {} : { fromString }),
    ...(to === null ? {} : { to }),
    ...(toString === null ? {} : { toString }),
  };
}

interface History {
  id: string;
  author: string;
  created: string;
  items: HistoryItem[];
}

export interface StubIssue {
  id: string;
  key: string;
  fields: {
    summary: string;
    description: unknown;
    labels: string[];
    priority: string | null;
    issuetype: string;
    assignee: string | null;
    duedate: string | null;
    custom: Record<string, unknown>;
  };
  status: Status;
  resolution: string | null;
  resolutiondate: string | null;
  created: string;
  /** When the search index sees it (eventual consistency). */
  indexedAt: number;
  comments: Comment[];
  changelog: History[];
}

export type { Reply };

/** A fault the server answers with instead of the stub, for the next `times` matching requests. */
export interface Fault {
  /** operationId to match (any when absent). */
  op?: string;
  times: number;
  status?: number;
  headers?: Record<string, string>;
  /** `reset`: the connection is dropped; `hang`: no answer until the client gives up. */
  network?: 'reset' | 'hang';
  /** Let this many matching requests through first. */
  skip?: number;
  /** Jira acts on the request, but its answer is lost (replaced by the fault): the ambiguous case. */
  afterStub?: boolean;
  /** The error body echoes the request's Authorization header, as some proxies and debug pages do. */
  echoAuthorization?: boolean;
}

export interface Request {
  op: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

const STATUSES: Record<string, Status> = {
  todo: { id: '10000', name: 'To Do', category: 'new' },
  progress: { id: '3', name: 'In Progress', category: 'indeterminate' },
  done: { id: '10001', name: 'Done', category: 'done' },
};
const CATEGORY = {
  new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, key: 'done', name: 'Done', colorName: 'green' },
};
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const SITE = 'https://stub.atlassian.net';

const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
const err = (status: number, messages: string[], errors: Record<string, string> = {}): Reply => ({ status, body: { errorMessages: messages, errors } });

export class JiraStub {
  readonly project = { key: 'SEC', id: '10000', name: 'Security' };
  issueTypes = ['Task', 'Bug'];
  resolutions = ['Done', "Won't Do", 'Duplicate', 'Keep access', 'Revoke access'];
  customFields = new Set(['customfield_10050']);
  /** The name of the workflow's closing transition (a test can rename it). */
  doneTransition = 'Done';
  users: StubUser[] = [];
  /** The account the API token belongs to: authors what the API does. */
  readonly self: StubUser = { accountId: '712020:lapse-bot', displayName: 'lapse bot', email: 'lapse@corp.example', emailVisible: true };
  issues: StubIssue[] = [];
  /** New issues reach the search index this long after creation. */
  indexDelayMs = 0;
  /** The server's page size for search (at most what the client asks). */
  pageSize = 50;
  /** Whether search honours `reconcileIssues` (Jira does; a test can turn it off). */
  reconcile = true;
  faults: Fault[] = [];
  /** Every request that reached the stub, in order. */
  readonly requests: Request[] = [];
  /** Problems a real Jira would refuse but a test must notice too (e.g. an invalid ADF body). */
  readonly violations: string[] = [];
  clock = () => Date.now();
  /** Ids of comments and changes. */
  private seq = 0;
  private issueCount = 0;

  // Test-side setup and the people's side of Jira ---------------------------------------------------

  addUser(u: StubUser): StubUser {
    this.users.push(u);
    return u;
  }

  issue(key: string): StubIssue {
    const i = this.issues.find((x) => x.key === key);
    if (!i) throw new Error(`stub: no issue ${key}`);
    return i;
  }

  /** The search index catches up with every issue. */
  indexAll(): void {
    for (const i of this.issues) i.indexedAt = 0;
  }

  /** A person resolves an issue (status Done) with a resolution, optionally commenting first. */
  resolve(key: string, by: string, resolution: string, opts: { comment?: string; duedate?: string; at?: number } = {}): void {
    const i = this.issue(key);
    const at = opts.at ?? this.clock();
    if (opts.duedate) i.fields.duedate = opts.duedate;
    if (opts.comment) this.addComment(i, by, { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: opts.comment }] }] }, at);
    this.move(i, STATUSES['done']!, resolution, by, at);
  }

  reopen(key: string, by: string): void {
    this.move(this.issue(key), STATUSES['todo']!, null, by, this.clock());
  }

  delete(key: string): void {
    this.issues = this.issues.filter((i) => i.key !== key);
  }

  openIssues(): StubIssue[] {
    return this.issues.filter((i) => i.status.category !== 'done');
  }

  count(op: string): number {
    return this.requests.filter((r) => r.op === op).length;
  }

  // Requests ------------------------------------------------------------------------------------------

  /** The next fault for this operation, if one is armed. */
  takeFault(op: string): Fault | undefined {
    const f = this.faults.find((x) => x.times > 0 && (!x.op || x.op === op));
    if (f?.skip) {
      f.skip--;
      return undefined;
    }
    if (f) f.times--;
    return f;
  }

  handle(req: Request): Reply {
    this.requests.push(req);
    const issue = req.params['issueIdOrKey'] ? this.issues.find((i) => i.key === req.params['issueIdOrKey'] || i.id === req.params['issueIdOrKey']) : undefined;
    const missing = err(404, ['Issue does not exist or you do not have permission to see it.']);
    switch (req.op) {
      case 'createIssue':
        return this.create(req.body as Body);
      case 'getIssue':
        return issue ? { status: 200, body: this.bean(issue, fieldList(req.query['fields'])) } : missing;
      case 'editIssue':
        return issue ? this.edit(issue, req.body as Body) : missing;
      case 'addComment':
        return issue ? this.comment(issue, req.body as { body?: unknown }) : missing;
      case 'getComments':
        return issue ? this.comments(issue, req.query) : missing;
      case 'getChangeLogs':
        return issue ? this.changelog(issue, req.query) : missing;
      case 'getTransitions':
        return issue ? { status: 200, body: { transitions: this.transitionsOf(issue) } } : missing;
      case 'doTransition':
        return issue ? this.transition(issue, req.body as Body & { transition?: { id?: string } }) : missing;
      case 'searchAndReconsileIssuesUsingJqlPost':
        return this.search(req.body as SearchBody);
      case 'findUsers':
        return this.findUsers(req.query);
      case 'getProject':
        return [this.project.key, this.project.id].includes(req.params['projectIdOrKey'] ?? '')
          ? { status: 200, body: { ...this.project, self: `https://stub.atlassian.net/rest/api/3/project/${this.project.id}` } }
          : err(404, ['No project could be found with key or id.']);
      default:
        return err(501, [`stub: ${req.op} is not implemented`]);
    }
  }

  private create(body: Body): Reply {
    const f = body.fields ?? {};
    const project = (f['project'] as { key?: string; id?: string } | undefined) ?? {};
    if (project.key !== this.project.key && project.id !== this.project.id) return err(400, [], { project: 'valid project is required' });
    const type = (f['issuetype'] as { name?: string } | undefined)?.name;
    if (!type || !this.issueTypes.includes(type)) return err(400, [], { issuetype: 'valid issue type is required' });
    const checked = this.checkFields(f, ['project', 'issuetype', 'assignee']);
    if ('status' in checked) return checked;
    if (typeof f['summary'] !== 'string') return err(400, [], { summary: 'You must specify a summary of the issue.' });
    const assignee = (f['assignee'] as { accountId?: string } | undefined)?.accountId ?? null;
    if (assignee !== null && !this.users.some((u) => u.accountId === assignee)) return err(400, [], { assignee: `User '${assignee}' does not exist.` });
    const now = this.clock();
    const n = ++this.issueCount;
    const issue: StubIssue = {
      id: String(10000 + n),
      key: `${this.project.key}-${n}`,
      fields: {
        summary: f['summary'],
        description: f['description'] ?? null,
        labels: (f['labels'] as string[] | undefined) ?? [],
        priority: (f['priority'] as { name?: string } | undefined)?.name ?? 'Medium',
        issuetype: type,
        assignee,
        duedate: null,
        custom: checked.custom,
      },
      status: STATUSES['todo']!,
      resolution: null,
      resolutiondate: null,
      created: jiraTime(now),
      indexedAt: now + this.indexDelayMs,
      comments: [],
      changelog: [],
    };
    this.issues.push(issue);
    return { status: 201, body: { id: issue.id, key: issue.key, self: `${SITE}/rest/api/3/issue/${issue.id}` } };
  }

  /** Checks fields as Jira's create/edit screens do; returns the custom field values or a 400. */
  private checkFields(f: Record<string, unknown>, allowed: string[]): Reply | { custom: Record<string, unknown> } {
    const custom: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) {
      if (allowed.includes(k)) continue;
      if (k === 'summary') {
        if (typeof v !== 'string' || v.trim() === '' || v.length > 255 || /[\r\n]/.test(v)) return err(400, [], { summary: 'Summary must be one line of at most 255 characters.' });
      } else if (k === 'description') {
        const problems = adfErrors(v);
        if (problems.length) return this.refuse('description', problems);
        if (JSON.stringify(v).length > 32767) return err(400, [], { description: 'The entered text is too long. It exceeds the allowed limit of 32,767 characters.' });
      } else if (k === 'labels') {
        if (!Array.isArray(v) || v.some((l) => typeof l !== 'string' || /\s/.test(l) || l.length > 255)) return err(400, [], { labels: 'The label must not contain spaces.' });
      } else if (k === 'priority') {
        if (!PRIORITIES.includes((v as { name?: string } | null)?.name ?? '')) return err(400, [], { priority: 'Specify the Priority (name) in the string format' });
      } else if (k === 'duedate') {
        if (v !== null && (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v))) return err(400, [], { duedate: 'Error parsing date string.' });
      } else if (this.customFields.has(k)) {
        custom[k] = v;
      } else {
        return err(400, [], { [k]: `Field '${k}' cannot be set. It is not on the appropriate screen, or unknown.` });
      }
    }
    return { custom };
  }

  private refuse(field: string, problems: string[]): Reply {
    this.violations.push(`${field}: invalid ADF: ${problems.join('; ')}`);
    return err(400, [], { [field]: `Operation value must be an Atlassian Document (${problems[0]})` });
  }

  private edit(issue: StubIssue, body: Body): Reply {
    const f = body.fields ?? {};
    const checked = this.checkFields(f, []);
    if ('status' in checked) return checked;
    const items: HistoryItem[] = [];
    const set = (field: keyof StubIssue['fields'], value: unknown, show: (v: unknown) => string | null) => {
      const before = issue.fields[field];
      if (JSON.stringify(before) === JSON.stringify(value)) return;
      (issue.fields as Record<string, unknown>)[field] = value;
      items.push(item(field, null, show(before), null, show(value)));
    };
    if ('summary' in f) set('summary', f['summary'], (v) => String(v));
    if ('description' in f) set('description', f['description'], () => null);
    if ('priority' in f) set('priority', (f['priority'] as { name: string }).name, (v) => String(v));
    if ('duedate' in f) set('duedate', f['duedate'], (v) => (v === null ? null : String(v)));
    if ('labels' in f) set('labels', f['labels'], (v) => (v as string[]).join(' '));
    for (const [k, v] of Object.entries(checked.custom)) issue.fields.custom[k] = v;
    const labelOps = body.update?.['labels'];
    if (labelOps) {
      let labels = [...issue.fields.labels];
      for (const op of labelOps as { add?: unknown; remove?: unknown; set?: unknown }[]) {
        if (typeof op.add === 'string') labels = [...new Set([...labels, op.add])];
        else if (typeof op.remove === 'string') labels = labels.filter((l) => l !== op.remove);
        else if (Array.isArray(op.set)) labels = op.set as string[];
        else return err(400, [], { labels: 'Invalid label operation.' });
        if (labels.some((l) => /\s/.test(l))) return err(400, [], { labels: 'The label must not contain spaces.' });
      }
      set('labels', labels, (v) => (v as string[]).join(' '));
    }
    for (const k of Object.keys(body.update ?? {})) if (k !== 'labels') return err(400, [], { [k]: `Field '${k}' cannot be set. It is not on the appropriate screen, or unknown.` });
    if (items.length) issue.changelog.push({ id: String(++this.seq + 50000), author: this.self.accountId, created: jiraTime(this.clock()), items });
    return { status: 204 };
  }

  private comment(issue: StubIssue, body: { body?: unknown }): Reply {
    const problems = adfErrors(body.body);
    if (problems.length) return this.refuse('comment', problems);
    const c = this.addComment(issue, this.self.accountId, body.body, this.clock());
    return { status: 201, body: this.commentBean(issue, c) };
  }

  private addComment(issue: StubIssue, author: string, body: unknown, at: number): Comment {
    const c = { id: String(++this.seq + 90000), author, body, created: jiraTime(at) };
    issue.comments.push(c);
    return c;
  }

  private comments(issue: StubIssue, q: Record<string, unknown>): Reply {
    const startAt = Number(q['startAt'] ?? 0);
    const max = Number(q['maxResults'] ?? 100);
    const sorted = [...issue.comments].sort((a, b) => a.created.localeCompare(b.created) || Number(a.id) - Number(b.id));
    if (q['orderBy'] === '-created') sorted.reverse();
    const page = sorted.slice(startAt, startAt + max);
    return { status: 200, body: { startAt, maxResults: max, total: sorted.length, comments: page.map((c) => this.commentBean(issue, c)) } };
  }

  private changelog(issue: StubIssue, q: Record<string, unknown>): Reply {
    const startAt = Number(q['startAt'] ?? 0);
    const max = Math.min(Number(q['maxResults'] ?? 100), 2); // small pages, so the client must follow them
    const values = issue.changelog.slice(startAt, startAt + max);
    return {
      status: 200,
      body: {
        self: `${SITE}/rest/api/3/issue/${issue.key}/changelog?maxResults=${max}&startAt=${startAt}`,
        maxResults: max,
        startAt,
        total: issue.changelog.length,
        isLast: startAt + values.length >= issue.changelog.length,
        values: values.map((h) => ({ id: h.id, author: this.userDetails(h.author), created: h.created, items: h.items })),
      },
    };
  }

  private transitionsOf(issue: StubIssue) {
    const to = (s: Status) => this.statusBean(s);
    const common = { hasScreen: false, isGlobal: false, isInitial: false, isAvailable: true, isConditional: false, looped: false };
    return issue.status.category === 'done'
      ? [{ id: '41', name: 'Reopen', to: to(STATUSES['todo']!), ...common }]
      : [
          { id: '11', name: 'Start progress', to: to(STATUSES['progress']!), ...common },
          { id: '31', name: this.doneTransition, to: to(STATUSES['done']!), ...common },
        ];
  }

  private transition(issue: StubIssue, body: Body & { transition?: { id?: string } }): Reply {
    const t = this.transitionsOf(issue).find((x) => x.id === body.transition?.id);
    if (!t) return err(400, [`Transition id '${body.transition?.id}' is not valid for this issue.`]);
    for (const k of Object.keys(body.fields ?? {})) if (k !== 'resolution') return err(400, [], { [k]: `Field '${k}' cannot be set on this transition.` });
    const resolution = (body.fields?.['resolution'] as { name?: string } | undefined)?.name;
    if (resolution !== undefined && !this.resolutions.includes(resolution)) return err(400, [], { resolution: `Resolution '${resolution}' is not valid.` });
    for (const k of Object.keys(body.update ?? {})) if (k !== 'comment') return err(400, [], { [k]: `Field '${k}' cannot be set on this transition.` });
    const adds = ((body.update?.['comment'] ?? []) as { add?: { body?: unknown } }[]).map((c) => c.add?.body);
    for (const b of adds) {
      const problems = adfErrors(b);
      if (problems.length) return this.refuse('comment', problems);
    }
    const at = this.clock();
    for (const b of adds) this.addComment(issue, this.self.accountId, b, at);
    const target = Object.values(STATUSES).find((s) => s.id === t.to.id)!;
    this.move(issue, target, target.category === 'done' ? (resolution ?? 'Done') : null, this.self.accountId, at);
    return { status: 204 };
  }

  private move(issue: StubIssue, to: Status, resolution: string | null, by: string, at: number): void {
    const items: HistoryItem[] = [item('status', issue.status.id, issue.status.name, to.id, to.name)];
    if (resolution !== issue.resolution) items.push(item('resolution', null, issue.resolution, null, resolution));
    issue.status = to;
    issue.resolution = resolution;
    issue.resolutiondate = resolution === null ? null : jiraTime(at);
    issue.changelog.push({ id: String(++this.seq + 50000), author: by, created: jiraTime(at), items });
  }

  private search(body: SearchBody): Reply {
    const jql = body.jql ?? '';
    let query: Query;
    try {
      query = parseJql(jql);
    } catch (e) {
      return err(400, [`Error in the JQL Query: ${(e as Error).message}`]);
    }
    const now = this.clock();
    const reconcile = new Set(this.reconcile ? (body.reconcileIssues ?? []).map(String) : []);
    if ((body.reconcileIssues ?? []).length > 50) return err(400, ['reconcileIssues accepts at most 50 ids.']);
    const hits = this.issues.filter((i) => (i.indexedAt <= now || reconcile.has(i.id)) && matches(i, query, this.project.key));
    hits.sort((a, b) => (a.created.localeCompare(b.created) || Number(a.id) - Number(b.id)) * (query.desc ? -1 : 1));
    const size = Math.min(body.maxResults ?? 50, this.pageSize);
    const fingerprint = `${jql}|${[...reconcile].sort().join(',')}`;
    let start = 0;
    if (body.nextPageToken) {
      const t = decodeToken(body.nextPageToken);
      if (!t || t.q !== fingerprint) return err(400, ['The nextPageToken is invalid or does not belong to this query.']);
      start = t.o;
    }
    const page = hits.slice(start, start + size);
    const last = start + page.length >= hits.length;
    const fields = fieldList(body.fields);
    return {
      status: 200,
      body: {
        issues: page.map((i) => this.bean(i, fields)),
        isLast: last,
        ...(last ? {} : { nextPageToken: Buffer.from(JSON.stringify({ q: fingerprint, o: start + page.length })).toString('base64url') }),
      },
    };
  }

  private findUsers(q: Record<string, unknown>): Reply {
    const query = typeof q['query'] === 'string' ? q['query'].toLowerCase() : '';
    if (!query) return err(400, ['The query parameter is required.']);
    const hits = this.users.filter(
      (u) => u.email.toLowerCase().startsWith(query) || u.displayName.toLowerCase().split(/\s+/).some((w) => w.startsWith(query)) || u.displayName.toLowerCase().startsWith(query),
    );
    return { status: 200, body: hits.slice(0, Number(q['maxResults'] ?? 50)).map((u) => this.userBean(u)) };
  }

  // Beans, shaped as the spec's schemas ----------------------------------------------------------------

  private bean(i: StubIssue, fields: Set<string> | 'all') {
    const all: Record<string, unknown> = {
      summary: i.fields.summary,
      description: i.fields.description,
      labels: i.fields.labels,
      status: this.statusBean(i.status),
      resolution: i.resolution === null ? null : { id: String(this.resolutions.indexOf(i.resolution) + 1), name: i.resolution, self: `${SITE}/rest/api/3/resolution/${this.resolutions.indexOf(i.resolution) + 1}` },
      resolutiondate: i.resolutiondate,
      priority: i.fields.priority === null ? null : { id: String(PRIORITIES.indexOf(i.fields.priority) + 1), name: i.fields.priority, self: `${SITE}/rest/api/3/priority/${PRIORITIES.indexOf(i.fields.priority) + 1}` },
      issuetype: { id: String(10001 + this.issueTypes.indexOf(i.fields.issuetype)), name: i.fields.issuetype, subtask: false, self: `${SITE}/rest/api/3/issuetype/1` },
      assignee: i.fields.assignee === null ? null : this.userDetails(i.fields.assignee),
      duedate: i.fields.duedate,
      created: i.created,
      ...i.fields.custom,
    };
    const picked = fields === 'all' ? all : Object.fromEntries(Object.entries(all).filter(([k]) => fields.has(k)));
    return { id: i.id, key: i.key, self: `${SITE}/rest/api/3/issue/${i.id}`, fields: picked };
  }

  private statusBean(s: Status) {
    return { id: s.id, name: s.name, self: `${SITE}/rest/api/3/status/${s.id}`, iconUrl: `${SITE}/images/icons/statuses/generic.png`, statusCategory: { ...CATEGORY[s.category], self: `${SITE}/rest/api/3/statuscategory/${CATEGORY[s.category].id}` } };
  }

  private user(accountId: string): StubUser {
    return accountId === this.self.accountId ? this.self : (this.users.find((u) => u.accountId === accountId) ?? { accountId, displayName: 'Former user', email: '', emailVisible: false, active: false });
  }

  private userBean(u: StubUser) {
    return {
      accountId: u.accountId,
      accountType: 'atlassian',
      active: u.active ?? true,
      displayName: u.displayName,
      ...(u.emailVisible === false ? {} : { emailAddress: u.email }),
      self: `${SITE}/rest/api/3/user?accountId=${u.accountId}`,
    };
  }

  private userDetails(accountId: string) {
    const u = this.user(accountId);
    return { accountId: u.accountId, accountType: 'atlassian', active: u.active ?? true, displayName: u.displayName, ...(u.emailVisible === false ? {} : { emailAddress: u.email }), self: `${SITE}/rest/api/3/user?accountId=${u.accountId}` };
  }

  private commentBean(issue: StubIssue, c: Comment) {
    return { id: c.id, self: `${SITE}/rest/api/3/issue/${issue.id}/comment/${c.id}`, author: this.userDetails(c.author), updateAuthor: this.userDetails(c.author), body: c.body, created: c.created, updated: c.created, jsdPublic: true };
  }
}

interface Body {
  fields?: Record<string, unknown>;
  update?: Record<string, unknown[]>;
}

interface SearchBody {
  jql?: string;
  fields?: string[];
  maxResults?: number;
  nextPageToken?: string;
  reconcileIssues?: number[];
}

function fieldList(v: unknown): Set<string> | 'all' {
  const list = Array.isArray(v) ? v.flatMap((x) => String(x).split(',')) : typeof v === 'string' ? v.split(',') : [];
  if (list.length === 0 || list.includes('*all') || list.includes('*navigable')) return 'all';
  return new Set(list.map((s) => s.trim()));
}

function decodeToken(t: string): { q: string; o: number } | null {
  try {
    const v = JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as { q?: unknown; o?: unknown };
    return typeof v.q === 'string' && typeof v.o === 'number' ? { q: v.q, o: v.o } : null;
  } catch {
    return null;
  }
}

function matches(i: StubIssue, q: Query, project: string): boolean {
  return q.clauses.every((c) => {
    if (c.field === 'project') return c.values.some((v) => v === project);
    if (c.field === 'labels') return c.values.some((v) => i.fields.labels.includes(v));
    return c.values.some((v) => v === i.key);
  });
}
