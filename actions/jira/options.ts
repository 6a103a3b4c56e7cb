import { z } from 'zod';
import { GroupBy } from '../_shared/ticket.js';

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const Name = z.string().trim().min(1);
/** Exemptions expire by design; `lapse exempt` allows at most a year ahead too. */
const ExemptDays = (what: string, def: number) => z.number().int().min(1).max(366).default(def).describe(what);

const Priorities = z
  .strictObject({
    terminated: Name.optional().describe('Priority name for tickets with a terminated person\'s grants.'),
    cold_start_anomaly: Name.optional().describe('Priority name for unusual new grants (managers decide).'),
    team_move: Name.optional().describe('Priority name for grants kept from an old team (the new manager decides).'),
    stale: Name.optional().describe('Priority name for grants unused within their TTL.'),
    never_used: Name.optional().describe('Priority name for grants never used.'),
  })
  .describe(
    'Priority by finding kind. A ticket takes the first that applies to one of its rows, in the order terminated, cold_start_anomaly, team_move, stale, never_used; none: the project default.',
  );

/** What a resolution (or status) name means when lapse reads a ticket back. */
export const Outcome = z.enum(['wont_do', 'keep', 'revoke']);
export type Outcome = z.infer<typeof Outcome>;

const DEFAULT_RESOLUTIONS: Record<string, Outcome> = {
  "Won't Do": 'wont_do',
  "Won't Fix": 'wont_do',
  Declined: 'wont_do',
  'Keep access': 'keep',
  'Revoke access': 'revoke',
};

const Retry = z
  .strictObject({
    max_retries: z.number().int().min(0).max(10).default(5).describe('Retries of one request after a 429, a 5xx or a network error.'),
    base_delay_ms: z.number().int().min(1).max(60_000).default(1000).describe('First backoff delay; it doubles on each retry (with jitter).'),
    max_delay_secs: z
      .number()
      .positive()
      .max(3600)
      .default(120)
      .describe('Longest single wait; a Retry-After asking for longer fails the action instead (the next run retries).'),
  })
  .describe('Rate limits and transient errors.');

/** The jira action's keys in its `actions:` entry. */
export const JiraOptions = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the Jira site, e.g. https://corp.atlassian.net' }).describe('The Jira Cloud site, e.g. https://corp.atlassian.net.'),
    email_env: EnvName.default('JIRA_EMAIL').describe('Environment variable holding the email of the Jira account lapse acts as.'),
    token_env: EnvName.default('JIRA_API_TOKEN').describe('Environment variable holding that account\'s API token (never logged).'),
    project: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]+$/, 'must be a Jira project key, e.g. SEC')
      .describe('Project key the tickets are created in.'),
    issue_type: Name.default('Task').describe('Issue type name.'),
    priority: Priorities.default({}),
    labels: z
      .array(z.string().regex(/^[^\s]{1,255}$/, 'a Jira label has no spaces and at most 255 characters'))
      .default([])
      .describe('Labels added to every ticket, besides lapse, lapse-system-<system> and the fingerprint.'),
    custom_fields: z
      .record(z.string().regex(/^customfield_\d+$/), z.unknown(), { error: 'keys must be custom field ids, e.g. customfield_10050' })
      .default({})
      .describe('Custom field values set on every ticket, as Jira\'s REST API takes them (e.g. {"customfield_10050": {"value": "High"}}).'),
    group_by: GroupBy,
    security_assignee: z
      .string()
      .min(1)
      .max(128)
      .nullable()
      .default(null)
      .describe('Account id that review-queue tickets are assigned to (and anomalies whose manager is not found); null: unassigned.'),
    done_transitions: z
      .array(Name)
      .min(1)
      .default(['Done', 'Close', 'Resolve', 'Close Issue', 'Resolve Issue'])
      .describe('Transition (or target status) names lapse tries, in order, to close a ticket whose grants are all resolved.'),
    done_resolution: Name.optional().describe('Resolution lapse sets when it closes a ticket, if the workflow asks for one.'),
    resolutions: z
      .record(Name, Outcome)
      .default(DEFAULT_RESOLUTIONS)
      .describe(
        'Read back on every run: what a ticket resolved with this name (or, failing that, moved to a status of this name) means. ' +
          "wont_do: never reopened; its grants become exemptions owned by whoever resolved it. keep: exemptions plus a recorded keep decision. " +
          'revoke: a recorded revoke decision; the grants go on the next revocation list. Names are matched case-insensitively.',
      ),
    wont_do_days: ExemptDays("How long a won't-do exemption lasts, from the day the ticket was resolved.", 180),
    keep_days: ExemptDays('How long a keep lasts when the ticket has no due date (a due date sets the last day).', 180),
    timeout_secs: z.number().positive().max(600).default(30).describe('Timeout of one HTTP request.'),
    retry: Retry.default({ max_retries: 5, base_delay_ms: 1000, max_delay_secs: 120 }),
  });
export type JiraOptions = z.infer<typeof JiraOptions>;
