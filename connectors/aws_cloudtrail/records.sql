-- CloudTrail records → lapse events: one row per record (EVENT_COLUMNS, connectors/_shared/define.ts).
-- Input:  records(file, ord, rec, is_log_file, doc_reason, outer_time, sub, e RECORD, raw), from
--         documents.sql (the text path) or typed.sql (the typed path: rec and raw NULL).
--         Macros: macros.sql. Drop reasons: connectors/aws_cloudtrail/README.md.
-- Output: a list of CTEs and the final SELECT, appended after `records`.
-- Parameters: $include_read_only BOOLEAN.
facts AS (
  SELECT file, ord, rec, is_log_file, doc_reason, sub, raw,
    aws_cloudtrail_time_text(e, outer_time) AS time_text,
    e.eventTime IS NULL AS no_event_time,
    e.userIdentity AS ui,
    e.userIdentity.type AS kind,
    e.eventSource AS source,
    CASE e.userIdentity.type
      WHEN 'AssumedRole' THEN regexp_matches(e.userIdentity.arn, aws_cloudtrail_role_arn())
      WHEN 'IAMUser' THEN regexp_matches(e.userIdentity.arn, aws_cloudtrail_user_arn())
    END AS arn_ok,
    nullif(trim(e.errorCode), '') IS NOT NULL OR nullif(trim(e.errorMessage), '') IS NOT NULL
      OR e.responseElements.ConsoleLogin = 'Failure' AS failed,
    e.eventType = 'AwsCloudTrailInsight' OR e.eventCategory = 'Insight' AS insight,
    lower(e.readOnly) = 'true' AS read_only,
    replace(e.eventSource, '.amazonaws.com', '') || ':' || e.eventName AS action,
    coalesce(nullif(trim(e.resources[1].ARN), ''),
             CASE WHEN len(e.resources) > 1 THEN list_filter(e.resources, r -> nullif(trim(r.ARN), '') IS NOT NULL)[1].ARN END)
      AS resource,
    e.eventID AS event_id
  FROM records
),
identities AS (
  SELECT *,
    lapse_time(time_text) AS t,
    -- arn:aws:sts::<account>:assumed-role/<role>/<session>, arn:aws:iam::<account>:user/<path/><name>
    coalesce(CASE WHEN arn_ok THEN split_part(ui.arn, ':', 5) END, nullif(trim(ui.accountId), '')) AS account,
    coalesce(CASE WHEN arn_ok AND kind = 'AssumedRole' THEN split_part(ui.arn, '/', 2) END,
             nullif(trim(ui.sessionContext.sessionIssuer.userName), '')) AS role,
    coalesce(CASE WHEN arn_ok AND kind = 'AssumedRole' THEN split_part(ui.arn, '/', 3) END,
             -- principalId of a role session: <role id>:<session>
             CASE WHEN regexp_matches(ui.principalId, '^[A-Z0-9]+:.') THEN ui.principalId[strpos(ui.principalId, ':') + 1:] END)
      AS session
  FROM facts
),
uses AS (
  -- Principal and permission forms: connectors/aws_cloudtrail/README.md, "What counts as a use".
  SELECT *,
    CASE kind
      WHEN 'IAMUser' THEN coalesce(nullif(trim(ui.userName), ''), CASE WHEN arn_ok THEN split_part(ui.arn, '/', -1) END)
      WHEN 'AssumedRole' THEN CASE WHEN contains(session, '@') THEN lower(session) ELSE session END
      -- GetFederationToken sessions act with the calling IAM user's permissions.
      WHEN 'FederatedUser' THEN CASE WHEN ui.sessionContext.sessionIssuer.type = 'IAMUser'
                                     THEN nullif(trim(ui.sessionContext.sessionIssuer.userName), '') END
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
      WHEN kind IS NULL AND ui.invokedBy IS NOT NULL THEN 'service_principal'
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
      WHEN kind = 'AssumedRole' AND (ui.sessionContext.ec2RoleDelivery IS NOT NULL OR regexp_full_match(session, 'i-[0-9a-f]{8,17}')
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
      WHEN kind IS NULL AND ui IS NOT NULL AND json_type(raw, '$.userIdentity') <> 'OBJECT' THEN 'bad_identity'
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
