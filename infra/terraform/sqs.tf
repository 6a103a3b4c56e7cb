# The queue of S3 event notifications lapse ingests from, and its dead-letter queue: a message whose
# object cannot be processed (deleted, access denied, a crash) is received maxReceiveCount times, then
# parked in the DLQ for a person to look at (alarm below) and redrive.
resource "aws_sqs_queue" "logs_dlq" {
  name                      = "${local.name}-logs-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "logs" {
  name                       = "${local.name}-logs"
  visibility_timeout_seconds = var.queue_visibility_timeout_secs
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 1209600
  # SSE-SQS: S3 can send to it without a KMS key policy grant.
  sqs_managed_sse_enabled = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.logs_dlq.arn
    maxReceiveCount     = var.queue_max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "logs_dlq" {
  queue_url = aws_sqs_queue.logs_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.logs.arn]
  })
}

# Only this bucket, in this account, may send to the queue.
data "aws_iam_policy_document" "logs_queue" {
  statement {
    sid       = "S3Notifications"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.logs.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.lapse.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "logs" {
  queue_url = aws_sqs_queue.logs.id
  policy    = data.aws_iam_policy_document.logs_queue.json
}

# One queue per system's revoker: lapse announces each new revocation list there (notify.sqs).
resource "aws_sqs_queue" "revoker_dlq" {
  for_each = toset(var.revoker_systems)

  name                      = "${local.name}-revoker-${each.key}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "revoker" {
  for_each = toset(var.revoker_systems)

  name                       = "${local.name}-revoker-${each.key}"
  visibility_timeout_seconds = 300
  message_retention_seconds  = 1209600
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.revoker_dlq[each.key].arn
    maxReceiveCount     = var.queue_max_receive_count
  })
}
