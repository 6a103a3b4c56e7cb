# Three roles, each allowed exactly what it does:
# - task: what lapse itself calls (the prefixes and queues of docs/scale.md's policy, nothing else);
# - execution: what ECS needs to start the container (pull the image, write logs, read secrets);
# - scheduler: what EventBridge Scheduler needs to start the task.

# The task role: only ECS tasks of this account, in this region (confused-deputy protection).
data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The execution role keeps the plain trust policy of AWS's ECS documentation.
data "aws_iam_policy_document" "ecs_execution_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  description        = "lapse daily job: its bucket prefixes, its queues, its key"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# Written with jsonencode rather than a policy document data source so that `terraform test` can read
# it back from a plan (tests/lapse.tftest.hcl) and check it statement by statement.
locals {
  bucket_arn        = "arn:${local.partition}:s3:::${var.bucket_name}"
  external_log_keys = compact([for s in var.external_log_sources : s.kms_key_arn])

  task_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        # Listing, only under the prefixes lapse reads: the lake, the lists, the config bundle, raw logs.
        {
          Sid       = "BucketList"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = [local.bucket_arn]
          Condition = { StringLike = { "s3:prefix" = [for p in [local.lake_prefix, local.revocations_prefix, local.config_prefix, local.logs_prefix] : "${p}*"] } }
        },
        # The lake and the revocation lists: lapse writes, reads back and compacts (deletes) them.
        {
          Sid      = "LakeObjects"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource = ["${local.bucket_arn}/${local.lake_prefix}*", "${local.bucket_arn}/${local.revocations_prefix}*"]
        },
        # The config bundle and raw logs are read only.
        {
          Sid      = "ReadOnlyObjects"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${local.bucket_arn}/${local.config_prefix}*", "${local.bucket_arn}/${local.logs_prefix}*"]
        },
        {
          Sid      = "LogQueue"
          Effect   = "Allow"
          Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
          Resource = [aws_sqs_queue.logs.arn]
        },
        {
          Sid      = "Kms"
          Effect   = "Allow"
          Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource = [aws_kms_key.lapse.arn]
        },
      ],
      length(var.revoker_systems) == 0 ? [] : [
        {
          Sid      = "RevokerQueues"
          Effect   = "Allow"
          Action   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
          Resource = [for system in var.revoker_systems : aws_sqs_queue.revoker[system].arn]
        },
      ],
      # Logs kept in other buckets (e.g. an existing CloudTrail bucket), read as `s3:` sources.
      flatten([for i, s in var.external_log_sources : [
        {
          Sid      = "ExternalLogs${i}"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["arn:${local.partition}:s3:::${s.bucket}/${s.prefix}*"]
        },
        {
          Sid       = "ExternalLogsList${i}"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = ["arn:${local.partition}:s3:::${s.bucket}"]
          Condition = { StringLike = { "s3:prefix" = ["${s.prefix}*"] } }
        },
      ]]),
      length(local.external_log_keys) == 0 ? [] : [
        {
          Sid      = "ExternalLogsKms"
          Effect   = "Allow"
          Action   = ["kms:Decrypt"]
          Resource = local.external_log_keys
        },
      ],
    )
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "${local.name}-task"
  role   = aws_iam_role.task.id
  policy = jsonencode(local.task_policy)
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  description        = "ECS: pull the lapse image, write its logs, read its secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_execution_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lapse.arn}:*"]
  }

  # ECR pull (GetAuthorizationToken cannot be scoped to a repository).
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.ecr_repository_arn == null ? [] : [var.ecr_repository_arn]

    content {
      sid       = "EcrPull"
      actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets) > 0 ? [1] : []

    content {
      sid       = "Secrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = distinct([for arn in values(var.secrets) : regex("^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)", arn)[0]])
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "${local.name}-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  description        = "EventBridge Scheduler: start the lapse task"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "RunTask"
    actions   = ["ecs:RunTask"]
    resources = ["${aws_ecs_task_definition.lapse.arn_without_revision}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.lapse.arn]
    }
  }

  statement {
    sid       = "PassRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.task.arn, aws_iam_role.execution.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
