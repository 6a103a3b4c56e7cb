-- CloudTrail records → lapse events: one row per record (EVENT_COLUMNS, connectors/_shared/define.ts).
-- Input:  records(file, ord, rec, is_log_file, doc_reason, outer_time, sub, e RECORD, raw), from
--         documents.sql (the text path) or typed.sql (the typed path: rec and raw NULL).
--         Macros: macros.sql. Drop reasons: connectors/aws_cloudtrail/README.md.
-- Output: a list of CTEs and the final SELECT, appended after `records`.
-- Parameters: $include_read_only BOOLEAN.
fields AS (
  -- Every field read, as a plain column: the steps below branch on them (CASE, coalesce), which on a
  -- STRUCT column slices the whole struct for every branch (the typed path took 1.5x as long).
  SELECT file, ord, rec, is_log_file, doc_reason, sub, raw, outer_time,
    e.eventTime AS event_time,
    e."@timestamp" AS logstash_time,
    e.p_event_time AS panther_time,
    e.eventSource AS source,
    e.eventName AS event_name,
    e.eventID AS event_id,
    e.eventType AS event_type,
    e.eventCategory AS event_category,
    e.errorCode AS error_code,
    e.errorMessage AS error_message,
    e.readOnly AS read_only_text,
    e.responseElements.ConsoleLogin AS console_login,
    e.userIdentity IS NOT NULL AS has_identity,
    e.userIdentity.type AS kind,
    e.userIdentity.arn AS arn,
    e.userIdentity.accountId AS account_id,
    e.userIdentity.userName AS user_name,
    e.userIdentity.principalId AS principal_id,
    e.userIdentity.invokedBy AS invoked_by,
    e.userIdentity.sessionContext.sessionIssuer.type AS issuer_type,
    e.userIdentity.sessionContext.sessionIssuer.userName AS issuer_name,
    e.userIdentity.sessionContext.ec2RoleDelivery AS ec2_delivery,
    e.resources AS resources
  FROM records
),
facts AS (
  SELECT file, ord, rec, is_log_file, doc_reason, sub, raw, source, event_id,
    has_identity, kind, arn, account_id, user_name, principal_id, invoked_by, issuer_type, issuer_name, ec2_delivery,
    aws_cloudtrail_time_text(event_time, logstash_time, outer_time, panther_time) AS time_text,
    event_time IS NULL AS no_event_time,
    CASE kind
      WHEN 'AssumedRole' THEN regexp_matches(arn, aws_cloudtrail_role_arn())
      WHEN 'IAMUser' THEN regexp_matches(arn, aws_cloudtrail_user_arn())
    END AS arn_ok,
    nullif(trim(error_code), '') IS NOT NULL OR nullif(trim(error_message), '') IS NOT NULL
      OR console_login = 'Failure' AS failed,
    event_type = 'AwsCloudTrailInsight' OR event_category = 'Insight' AS insight,
    lower(read_only_text) = 'true' AS read_only,
    replace(source, '.amazonaws.com', '') || ':' || event_name AS action,
    coalesce(nullif(trim(resources[1].ARN), ''),
             CASE WHEN len(resources) > 1 THEN list_filter(resources, r -> nullif(trim(r.ARN), '') IS NOT NULL)[1].ARN END)
      AS resource
  FROM fields
),
identities AS (
  SELECT *,
    lapse_time(time_text) AS t,
    -- arn:aws:sts::<account>:assumed-role/<role>/<session>, arn:aws:iam::<account>:user/<path/><name>
    coalesce(CASE WHEN arn_ok THEN split_part(arn, ':', 5) END, nullif(trim(account_id), '')) AS account,
    coalesce(CASE WHEN arn_ok AND kind = 'AssumedRole' THEN split_part(arn, '/', 2) END,
             nullif(trim(issuer_name), '')) AS role,
    coalesce(CASE WHEN arn_ok AND kind = 'AssumedRole' THEN split_part(arn, '/', 3) END,
             -- principalId of a role session: <role id>:<session>
             CASE WHEN regexp_matches(principal_id, '^[A-Z0-9]+:.') THEN principal_id[strpos(principal_id, ':') + 1:] END)
      AS session
  FROM facts
),
uses AS (
  -- Principal and permission forms: connectors/aws_cloudtrail/README.md, "What counts as a use".
  SELECT *,
    CASE kind
      WHEN 'IAMUser' THEN coalesce(nullif(trim(user_name), ''), CASE WHEN arn_ok THEN split_part(arn, '/', -1) END)
      WHEN 'AssumedRole' THEN CASE WHEN contains(session, '@') THEN lower(session) ELSE session END
      -- GetFederationToken sessions act with the calling IAM user's permissions.
      WHEN 'FederatedUser' THEN CASE WHEN issuer_type = 'IAMUser'
                                     THEN nullif(trim(issuer_name), '') END
    END AS principal,
    CASE kind
      WHEN 'IAMUser' THEN account || '/iam_user'
      WHEN 'FederatedUser' THEN account || '/iam_user'
      -- Identity Center roles are AWSReservedSSO_<PermissionSetName>_<16 hex>; the name may hold `_`.
      WHEN 'AssumedRole' THEN account || CASE
        -- the text between 'AWSReservedSSO_' and the last '_' (all of it when there is no other '_')
        WHEN starts_with(role, 'AWSReservedSSO_') THEN '/' || coalesce(
          nullif(role[16:length(role) - strpos(reverse(role), '_')], ''), role[16:])
        ELSE '/role/' || role END
    END AS permission,
    CASE
      WHEN kind IS NULL AND invoked_by IS NOT NULL THEN 'service_principal'
      WHEN kind IS NULL THEN 'no_identity'
      WHEN kind = 'Root' THEN 'root'
      WHEN kind = 'AWSService' THEN 'service_principal'
      WHEN kind = 'AWSAccount' THEN 'cross_account'
      WHEN kind IN ('IdentityCenterUser', 'SAMLUser', 'WebIdentityUser') THEN 'sign_in'
      WHEN kind = 'Unknown' AND regexp_full_match(source, '(signin|sso[a-z-]*|identitystore[a-z-]*)\.amazonaws\.com')
        THEN 'sign_in'
      WHEN kind NOT IN ('IAMUser', 'AssumedRole', 'FederatedUser') THEN 'unknown_identity'
      -- EC2 instance-profile sessions: credentials delivered by the instance metadata service
      -- (sessionContext.ec2RoleDelivery), or a session named after the instance, whatever the name looks like.
      -- Service-linked roles belong to AWS.
      WHEN kind = 'AssumedRole' AND (ec2_delivery IS NOT NULL OR regexp_full_match(session, 'i-[0-9a-f]{8,17}')
                                     OR starts_with(role, 'AWSServiceRoleFor'))
        THEN 'service_principal'
    END AS skip
  FROM identities
),
reasons AS (
  SELECT *,
    CASE
      WHEN doc_reason IS NOT NULL THEN doc_reason
      WHEN insight THEN 'insight'
      WHEN time_text IS NULL AND NOT starts_with(raw, '{') THEN 'not_an_object'
      -- Lower-cased keys (`eventtime`, `useridentity`) come from warehouse exports, not from CloudTrail.
      WHEN no_event_time AND regexp_matches(raw, '"event(time|name|source)"') THEN 'lowercase_keys'
      WHEN time_text IS NULL THEN 'missing_time'
      WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
      WHEN kind IS NULL AND has_identity AND json_type(raw, '$.userIdentity') <> 'OBJECT' THEN 'bad_identity'
      WHEN skip IS NOT NULL THEN skip
      WHEN principal IS NULL THEN 'missing_principal'
      WHEN permission IS NULL THEN 'missing_permission'
      WHEN failed THEN 'denied'
      WHEN read_only AND NOT $include_read_only THEN 'read_only'
    END AS drop_reason
  FROM uses
)
SELECT file, ord, sub,
  CASE WHEN NOT quarantine THEN t END AS time,
  principal, permission, action, resource, event_id, drop_reason, quarantine,
  -- A quarantined log-file record the file-wide split missed (see aws_cloudtrail_suspect): its own text.
  CASE WHEN raw IS NULL AND quarantine AND is_log_file
       THEN json_extract(rec, '$.Records[' || (sub - 1) || ']')::VARCHAR ELSE raw END AS raw
FROM (SELECT *, coalesce(aws_cloudtrail_quarantined(drop_reason), false) AS quarantine FROM reasons)
