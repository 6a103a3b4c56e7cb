-- Macros of the aws_cloudtrail connector, created by events() before its query runs.
-- {{DOCUMENT}}, {{RECORD}} and {{RECORD_TYPE}} are constants from record.ts (never user input).

-- A line or document, parsed once; a missing or mistyped field is NULL, never an error.
CREATE OR REPLACE MACRO aws_cloudtrail_doc(j) AS json_transform(j, '{{DOCUMENT}}');

-- A LookupEvents `CloudTrailEvent` string; NULL when it is not JSON.
CREATE OR REPLACE MACRO aws_cloudtrail_inner(s) AS
  json_transform(CASE WHEN json_valid(s) THEN s END, '{{RECORD}}');

-- The record inside a document that is itself one record (a JSONL line): its fields by name.
CREATE OR REPLACE MACRO aws_cloudtrail_self(d) AS d::{{RECORD_TYPE}};

-- When the record happened: eventTime, else Logstash's @timestamp, else the LookupEvents time,
-- else Panther's p_event_time.
CREATE OR REPLACE MACRO aws_cloudtrail_time_text(event_time, logstash_time, outer_time, panther_time) AS
  coalesce(nullif(trim(event_time), ''), nullif(trim(logstash_time), ''),
           nullif(trim(outer_time), ''), nullif(trim(panther_time), ''));

-- The ARN forms that name a principal: a record whose ARN matches names one for sure, and its parts
-- are then read with split_part (a regex with capture groups costs ~1 µs a record; a match, ~0.05).
-- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
CREATE OR REPLACE MACRO aws_cloudtrail_role_arn() AS
  '^arn:[^:]+:sts::[0-9]{12}:assumed-role/[^/:]+/[^/:]+$';
CREATE OR REPLACE MACRO aws_cloudtrail_user_arn() AS
  '^arn:[^:]+:iam::[0-9]{12}:user/([^:]*/)?[^/:]+$';

-- Whether a log-file record looks like it may end quarantined: a time not of CloudTrail's own form
-- (2024-05-01T12:00:00Z), or an identity without its ARN or type. Then the whole file is split into
-- record texts once, for the quarantine; a quarantined record this misses has its text extracted on
-- its own (events.sql), which is slower but rare: this test is about speed, not correctness.
CREATE OR REPLACE MACRO aws_cloudtrail_suspect(e) AS
  NOT coalesce(regexp_full_match(e.eventTime, '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z'), false)
  OR (e.userIdentity.type IN ('AssumedRole', 'IAMUser', 'FederatedUser') AND e.userIdentity.arn IS NULL)
  OR (e.userIdentity IS NOT NULL AND e.userIdentity.type IS NULL);

CREATE OR REPLACE MACRO aws_cloudtrail_quarantined(reason) AS
  reason IN ('unreadable_file', 'malformed_json', 'not_an_object', 'bad_records', 'lowercase_keys',
             'missing_time', 'bad_time', 'bad_identity', 'missing_principal', 'missing_permission');
