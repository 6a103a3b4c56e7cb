/**
 * The parts of a CloudTrail record the connector reads, defined once and turned into both a
 * `json_transform` structure (which parses a document once and sets missing or mistyped values to
 * NULL instead of failing) and the matching DuckDB STRUCT type. Keys match case-sensitively in
 * JSON but STRUCT field names are case-insensitive, so no two keys may differ only in case.
 * Record fields: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
type Shape = 'VARCHAR' | { [key: string]: Shape } | [Shape];

const S = 'VARCHAR';

/** One CloudTrail record (an element of `Records`, a JSONL line, or a LookupEvents `CloudTrailEvent`). */
export const RECORD: Record<string, Shape> = {
  eventTime: S,
  '@timestamp': S, // Logstash-shipped trails carry no eventTime, only this
  p_event_time: S, // Panther's normalised copy of the event time
  eventSource: S,
  eventName: S,
  eventID: S,
  eventType: S,
  eventCategory: S,
  errorCode: S,
  errorMessage: S,
  readOnly: S,
  responseElements: { ConsoleLogin: S },
  userIdentity: {
    type: S,
    arn: S,
    userName: S,
    accountId: S,
    principalId: S,
    invokedBy: S,
    // ec2RoleDelivery (1.0: IMDSv1, 2.0: IMDSv2) marks credentials an EC2 instance got from its instance profile.
    sessionContext: { sessionIssuer: { type: S, userName: S }, ec2RoleDelivery: S },
  },
  resources: [{ ARN: S }],
};

/** A whole line or document: a log file `{"Records":[...]}`, one record, or a LookupEvents result. */
export const DOCUMENT: Record<string, Shape> = {
  Records: [RECORD],
  ...RECORD,
  CloudTrailEvent: S, // LookupEvents: the record as a JSON string (its EventTime clashes with eventTime)
  digestStartTime: S, // digest files (CloudTrail-Digest/) hold hashes, not events
};

export function jsonStructure(shape: Record<string, Shape>): string {
  return JSON.stringify(shape);
}

export function sqlType(shape: Shape): string {
  if (shape === S) return 'VARCHAR';
  if (Array.isArray(shape)) return `${sqlType(shape[0])}[]`;
  const fields = Object.entries(shape).map(([k, v]) => `"${k.replaceAll('"', '""')}" ${sqlType(v)}`);
  return `STRUCT(${fields.join(', ')})`;
}
