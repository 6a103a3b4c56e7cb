# `terraform test` with a mocked AWS provider: no credentials and no network, nothing is created. Each
# run plans and "applies" against the mock, then checks what lapse depends on. Run from infra/terraform:
#   terraform init -backend=false && terraform test

mock_provider "aws" {
  # Policy documents built by the data source are not checked here (the mock cannot render them); the
  # task policy, the one that matters for least privilege, is plain jsonencode and is checked below.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  # ARNs the provider checks the shape of (the mock's random strings are not ARNs).
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:mock" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:mock" }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/mock" }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = {
      arn                  = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock:1"
      arn_without_revision = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/mock" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:rule/mock" }
  }

  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }

  override_data {
    target = data.aws_partition.current
    values = { partition = "aws" }
  }
}

variables {
  aws_region  = "us-east-1"
  bucket_name = "corp-lapse"
  image       = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lapse:1.0.0"
  vpc_id      = "vpc-0123456789abcdef0"
  subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "least_privilege" {
  command = apply

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Sid] == [
      "BucketList", "LakeObjects", "ReadOnlyObjects", "LogQueue", "Kms",
    ]
    error_message = "task policy: unexpected statements"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.task.policy).Statement[0].Condition.StringLike["s3:prefix"] == [
      "lake/*", "revocations/*", "config/*", "logs/*",
    ]
    error_message = "task policy: ListBucket must be limited to lapse's prefixes"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.task.policy).Statement[1].Resource == [
      "arn:aws:s3:::corp-lapse/lake/*", "arn:aws:s3:::corp-lapse/revocations/*",
    ]
    error_message = "task policy: writes only to the lake and the revocation lists"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.task.policy).Statement[2] == {
      Sid      = "ReadOnlyObjects"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["arn:aws:s3:::corp-lapse/config/*", "arn:aws:s3:::corp-lapse/logs/*"]
    }
    error_message = "task policy: the config bundle and raw logs are read only"
  }

  assert {
    condition = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : [
      for r in s.Resource : r != "*" && !endswith(r, ":::corp-lapse/*")
    ]]))
    error_message = "task policy: no statement may name every resource or the whole bucket"
  }

  assert {
    condition = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : [
      for a in s.Action : !endswith(a, "*")
    ]]))
    error_message = "task policy: no wildcard actions"
  }
}

run "container_and_schedule" {
  command = apply

  assert {
    condition     = jsondecode(aws_ecs_task_definition.lapse.container_definitions)[0].command == ["run", "--config", "s3://corp-lapse/config/lapse.yaml"]
    error_message = "the task runs `lapse run` on the config bundle"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.lapse.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "the root filesystem is read-only"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.lapse.container_definitions)[0].user == "1000:1000"
    error_message = "the container runs as the image's non-root user"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.lapse.container_definitions)[0].mountPoints == [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    error_message = "/tmp (HOME, TMPDIR) is a writable volume"
  }

  assert {
    condition     = aws_scheduler_schedule.daily.schedule_expression == "cron(30 6 * * ? *)" && aws_scheduler_schedule.daily.state == "ENABLED"
    error_message = "the schedule runs daily"
  }

  assert {
    condition     = aws_scheduler_schedule.daily.target[0].ecs_parameters[0].launch_type == "FARGATE" && aws_scheduler_schedule.daily.target[0].ecs_parameters[0].task_count == 1
    error_message = "the schedule starts one Fargate task"
  }
}

run "bucket_and_queue" {
  command = apply

  assert {
    condition     = aws_s3_bucket_versioning.lapse.versioning_configuration[0].status == "Enabled"
    error_message = "the bucket is versioned"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.lapse.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "the bucket encrypts with SSE-KMS"
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.lapse.block_public_acls,
      aws_s3_bucket_public_access_block.lapse.block_public_policy,
      aws_s3_bucket_public_access_block.lapse.ignore_public_acls,
      aws_s3_bucket_public_access_block.lapse.restrict_public_buckets,
    ])
    error_message = "public access is blocked"
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_lifecycle_configuration.lapse.rule[0].id == "raw-logs",
      aws_s3_bucket_lifecycle_configuration.lapse.rule[0].filter[0].prefix == "logs/",
      aws_s3_bucket_lifecycle_configuration.lapse.rule[0].expiration[0].days == 400,
      aws_s3_bucket_lifecycle_configuration.lapse.rule[1].noncurrent_version_expiration[0].noncurrent_days == 30,
      length(aws_s3_bucket_lifecycle_configuration.lapse.rule[1].expiration) == 0,
    ])
    error_message = "raw logs expire; other objects keep their replaced versions for a while"
  }

  assert {
    condition     = one(aws_s3_bucket_notification.logs.queue).filter_prefix == "logs/" && one(aws_s3_bucket_notification.logs.queue).events == toset(["s3:ObjectCreated:*"])
    error_message = "new raw logs are announced on the queue"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.logs.redrive_policy).maxReceiveCount == 5
    error_message = "the logs queue has a dead-letter queue"
  }
}

run "revokers_and_external_logs" {
  command = apply

  override_resource {
    target = aws_sqs_queue.revoker["aws"]
    values = { arn = "arn:aws:sqs:us-east-1:123456789012:lapse-revoker-aws" }
  }

  override_resource {
    target = aws_sqs_queue.revoker["okta"]
    values = { arn = "arn:aws:sqs:us-east-1:123456789012:lapse-revoker-okta" }
  }

  variables {
    revoker_systems = ["aws", "okta"]
    external_log_sources = [
      { bucket = "corp-cloudtrail", prefix = "AWSLogs/", kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/cloudtrail" },
    ]
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Sid] == [
      "BucketList", "LakeObjects", "ReadOnlyObjects", "LogQueue", "Kms", "RevokerQueues", "ExternalLogs0", "ExternalLogsList0", "ExternalLogsKms",
    ]
    error_message = "task policy: one statement for the revoker queues, two per external bucket, one for their keys"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.task.policy).Statement[5].Resource == ["arn:aws:sqs:us-east-1:123456789012:lapse-revoker-aws", "arn:aws:sqs:us-east-1:123456789012:lapse-revoker-okta"]
    error_message = "task policy: sends to exactly the revoker queues"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.task.policy).Statement[6].Resource == ["arn:aws:s3:::corp-cloudtrail/AWSLogs/*"]
    error_message = "task policy: reads exactly the external prefix"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dlq) == 3
    error_message = "one DLQ alarm for the logs queue and one per revoker queue"
  }
}

run "rejects_bad_sizes" {
  command = plan

  variables {
    ephemeral_storage_gib = 10
    log_level             = "trace"
  }

  expect_failures = [var.ephemeral_storage_gib, var.log_level]
}
