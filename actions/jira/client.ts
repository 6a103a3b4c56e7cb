import { createCloudClient, NetworkError, type CloudClient } from 'jira.js';
import { z } from 'zod';
import { ActionError } from '../../core/errors.js';
import { addSecret, type Logger } from '../../core/log.js';
import type { AdfDoc } from './adf.js';
import type { JiraOptions } from './options.js';
import { backoffMs, classify, type Failure } from './retry.js';

/** A Jira request that failed for good (after any retries). The message says which request and why. */
export class JiraError extends ActionError {
  constructor(
    readonly request: string,
    readonly failure: Failure,
    attempts: number,
    extra = '',
  ) {
    super(`jira: ${request} failed: ${failure.detail}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}${extra}`);
  }

  /**
   * Jira is unreachable, overloaded or refuses our credentials: nothing else will work this run.
   * (A 403 can be about one issue, e.g. its security level: that fails the ticket, not the run.)
   */
  get outage(): boolean {
    return this.failure.transient || this.failure.status === 401;
  }
}

// What lapse reads back, validated at the edge (the stub's responses are checked against the spec too).
/** jira.js 6 turns the date-times of its typed models into Dates; the fields lapse reads raw stay strings. */
const Timestamp = z.union([z.string(), z.date().transform((d) => d.toISOString())]);
const StatusCategory = z.object({ key: z.string() }).partial();
const IssueFields = z.object({
  status: z.object({ name: z.string(), statusCategory: StatusCategory.optional() }).optional(),
  resolution: z.object({ name: z.string() }).nullish(),
  resolutiondate: z.string().nullish(),
  labels: z.array(z.string()).default([]),
  duedate: z.string().nullish(),
  created: z.string().optional(),
});
export const IssueState = z.object({ id: z.string(), key: z.string(), fields: IssueFields });
export type IssueState = z.infer<typeof IssueState>;
/** The fields lapse asks for when it reads tickets back. */
export const ISSUE_FIELDS = ['status', 'resolution', 'resolutiondate', 'labels', 'duedate', 'created'];

const SearchPage = z.object({ issues: z.array(IssueState).default([]), nextPageToken: z.string().nullish(), isLast: z.boolean().optional() });
const Created = z.object({ id: z.string(), key: z.string() });
const Transition = z.object({ id: z.string(), name: z.string().default(''), to: z.object({ name: z.string() }).partial().optional() });
const Transitions = z.object({ transitions: z.array(Transition).default([]) });
export type Transition = z.infer<typeof Transition>;
const Person = z.object({ accountId: z.string(), displayName: z.string().optional(), emailAddress: z.string().optional() });
export type Person = z.infer<typeof Person>;
const History = z.object({
  author: Person.optional(),
  created: Timestamp,
  // Only the field name: `toString` is absent when a value was cleared, and an absent key would read as Object.prototype.toString.
  items: z.array(z.object({ field: z.string().optional() })).default([]),
});
export type History = z.infer<typeof History>;
const ChangelogPage = z.object({ values: z.array(History).default([]), isLast: z.boolean().optional(), total: z.number().optional() });
const CommentsPage = z.object({ comments: z.array(z.object({ author: Person.optional(), body: z.unknown(), created: Timestamp.optional() })).default([]) });
export type JiraComment = z.infer<typeof CommentsPage>['comments'][number];
const Users = z.array(Person.extend({ active: z.boolean().optional(), accountType: z.string().optional() }));
export type JiraUser = z.infer<typeof Users>[number];

export interface Credentials {
  email: string;
  token: string;
}

/** Reads the credentials named by the options from the environment; a missing one is an ActionError naming it. */
export function credentialsFrom(options: Pick<JiraOptions, 'email_env' | 'token_env'>, env: NodeJS.ProcessEnv): Credentials {
  const email = env[options.email_env]?.trim();
  const token = env[options.token_env]?.trim();
  if (!email) throw new ActionError(`jira: environment variable ${options.email_env} (email_env) is not set: it names the Jira account lapse acts as`);
  if (!token) throw new ActionError(`jira: environment variable ${options.token_env} (token_env) is not set: it holds that account's API token`);
  addSecret(token);
  addSecret(`${email}:${token}`); // what the Basic Authorization header carries, base64-encoded
  return { email, token };
}

export interface ApiDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The Jira Cloud REST v3 calls the action makes, through jira.js, each with the retry policy:
 * 429 waits for Retry-After (or backs off), 5xx and network errors back off exponentially, at most
 * `retry.max_retries` times. Creating an issue is not idempotent, so after an ambiguous failure (a
 * 500, a timeout, a reset connection) it is not resent: the next run finds the issue by its label if
 * Jira did create it, or creates it then. Nothing logged here carries headers or the token.
 */
export class JiraApi {
  private readonly client: CloudClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly options: Pick<JiraOptions, 'url' | 'timeout_secs' | 'retry'>,
    credentials: Credentials,
    private readonly log: Logger,
    deps: ApiDeps = {},
  ) {
    // No retries inside jira.js: the policy below also covers 429 and non-idempotent requests.
    // lapse validates what it reads with its own schemas, so jira.js' schema drift reports go to the log.
    this.client = createCloudClient({
      host: options.url.replace(/\/+$/, ''),
      auth: { type: 'basic', email: credentials.email, apiToken: credentials.token },
      onSchemaMismatch: (report) => this.log.debug({ schema_mismatch: report }, 'jira response differs from jira.js schema'),
    });
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Every issue the JQL matches, page by page (`nextPageToken`); `reconcile` ids are read with strong consistency. */
  async search(jql: string, reconcile: number[]): Promise<IssueState[]> {
    const out: IssueState[] = [];
    let nextPageToken: string | undefined;
    for (let page = 1; ; page++) {
      const body = { jql, fields: ISSUE_FIELDS, maxResults: 100, ...(nextPageToken ? { nextPageToken } : {}), ...(reconcile.length ? { reconcileIssues: reconcile } : {}) };
      const res = SearchPage.parse(await this.call(`search page ${page}`, () => this.client.issueSearch.searchAndReconsileIssuesUsingJqlPost(body)));
      out.push(...res.issues);
      if (res.isLast !== false || !res.nextPageToken) return out;
      nextPageToken = res.nextPageToken;
    }
  }

  /** One issue by key, or null when Jira says it does not exist (deleted, or no longer visible to us). */
  async issue(key: string): Promise<IssueState | null> {
    try {
      return IssueState.parse(await this.call(`read ${key}`, () => this.client.issues.getIssue({ issueIdOrKey: key, fields: ISSUE_FIELDS })));
    } catch (err) {
      if (err instanceof JiraError && err.failure.status === 404) return null;
      throw err;
    }
  }

  async create(what: string, fields: Record<string, unknown>): Promise<{ id: string; key: string }> {
    const res = await this.call(`create ${what}`, () => this.client.issues.createIssue({ fields: fields as never }), false);
    return Created.parse(res);
  }

  async edit(key: string, fields: Record<string, unknown>, update: Record<string, unknown[]>): Promise<void> {
    await this.call(`update ${key}`, () => this.client.issues.editIssue({ issueIdOrKey: key, fields, update: update as never }));
  }

  async comment(key: string, body: AdfDoc): Promise<void> {
    await this.call(`comment on ${key}`, () => this.client.issueComments.addComment({ issueIdOrKey: key, body: body as never }), false);
  }

  async transitions(key: string): Promise<Transition[]> {
    return Transitions.parse(await this.call(`list transitions of ${key}`, () => this.client.issues.getTransitions({ issueIdOrKey: key }))).transitions;
  }

  /** Moves the issue through a transition, with the comment in the same request (no orphan comment if it fails). */
  async transition(key: string, id: string, comment: AdfDoc, fields?: Record<string, unknown>): Promise<void> {
    await this.call(`transition ${key}`, () =>
      this.client.issues.doTransition({ issueIdOrKey: key, transition: { id }, ...(fields ? { fields } : {}), update: { comment: [{ add: { body: comment } }] } }),
    false);
  }

  async changelog(key: string): Promise<History[]> {
    const out: History[] = [];
    for (let startAt = 0; ; ) {
      const page = ChangelogPage.parse(await this.call(`read the history of ${key}`, () => this.client.issues.getChangeLogs({ issueIdOrKey: key, startAt, maxResults: 100 })));
      out.push(...page.values);
      startAt += page.values.length;
      if (page.isLast !== false || page.values.length === 0) return out;
    }
  }

  /** The newest comments first. */
  async comments(key: string, max: number): Promise<JiraComment[]> {
    const res = await this.call(`read the comments of ${key}`, () => this.client.issueComments.getComments({ issueIdOrKey: key, orderBy: '-created', maxResults: max }));
    return CommentsPage.parse(res).comments;
  }

  /** The project tickets go to, as the account sees it (lapse doctor): null when it does not exist or is not visible. */
  async project(key: string): Promise<{ key: string; name: string } | null> {
    try {
      const p = await this.call(`read project ${key}`, () => this.client.projects.getProject({ projectIdOrKey: key }));
      return z.object({ key: z.string(), name: z.string().default('') }).parse(p);
    } catch (err) {
      if (err instanceof JiraError && err.failure.status === 404) return null;
      throw err;
    }
  }

  async findUsers(query: string): Promise<JiraUser[]> {
    return Users.parse(await this.call('user search', () => this.client.userSearch.findUsers({ query, maxResults: 20 })));
  }

  /**
   * Runs one request with the retry policy. `idempotent: false` (creating an issue or a comment, a transition)
   * resends only when Jira certainly did not act on it: a 429, a 503, or a connection never made.
   */
  private async call<T>(request: string, send: () => Promise<T>, idempotent = true): Promise<T> {
    const { max_retries, base_delay_ms, max_delay_secs } = this.options.retry;
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(send(), this.options.timeout_secs * 1000);
      } catch (err) {
        const f = classify(err);
        const resendable = f.transient && (idempotent || f.notSent || f.status === 429 || f.status === 503);
        if (!resendable) {
          const why = f.transient && !idempotent ? '; not resent, so it cannot run twice (the next run finds or redoes it)' : '';
          throw new JiraError(request, f, attempt + 1, why);
        }
        if (attempt >= max_retries) throw new JiraError(request, f, attempt + 1);
        const wait = f.retryAfterMs ?? backoffMs(attempt, base_delay_ms, this.random);
        if (wait > max_delay_secs * 1000) {
          throw new JiraError(request, f, attempt + 1, `; Jira asked to wait ${Math.ceil(wait / 1000)} s, more than retry.max_delay_secs (${max_delay_secs})`);
        }
        this.log.warn({ request, status: f.status, detail: f.detail, attempt: attempt + 1, wait_ms: wait }, 'jira request retried');
        await this.sleep(wait);
      }
    }
  }
}

/**
 * jira.js 6 has no request timeout and takes no abort signal: a request that outlives this is abandoned
 * (not cancelled) and counts as a network timeout, sent and maybe acted on. Only idempotent requests are
 * resent after one; the CLI exits when done, so an abandoned socket cannot keep the job alive.
 */
async function withTimeout<T>(request: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NetworkError(`no response within ${ms} ms`, { cause: new Error(`no response within ${ms} ms`), code: 'ETIMEDOUT', transient: true })), ms);
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
