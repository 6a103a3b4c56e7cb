# Alerting: every run that exits other than 0 (1 failed, 2 bad config, 3 a guard held something back;
# 137/143: killed or stopped), and any message in a dead-letter queue.
# Not encrypted with the AWS-managed SNS key: EventBridge and CloudWatch cannot publish to a topic
# encrypted with it. Alerts carry an exit code and a task ARN, nothing secret.
resource "aws_sns_topic" "alerts" {
  name = "${local.name}-alerts"
}

resource "aws_sns_topic_subscription" "alerts_email" {
  for_each = toset(var.alert_emails)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_event_rule" "run_not_ok" {
  name        = "${local.name}-run-not-ok"
  description = "lapse task stopped with an exit code other than 0"

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn        = [aws_ecs_cluster.lapse.arn]
      lastStatus        = ["STOPPED"]
      taskDefinitionArn = [{ prefix = "${aws_ecs_task_definition.lapse.arn_without_revision}:" }]
      containers = {
        name     = ["lapse"]
        exitCode = [{ "anything-but" = 0 }]
      }
    }
  })
}

resource "aws_cloudwatch_event_target" "run_not_ok" {
  rule = aws_cloudwatch_event_rule.run_not_ok.name
  arn  = aws_sns_topic.alerts.arn

  input_transformer {
    input_paths = {
      exit   = "$.detail.containers[0].exitCode"
      reason = "$.detail.stoppedReason"
      task   = "$.detail.taskArn"
    }
    input_template = "\"lapse exited <exit> (3: a guard held something back; 2: bad config; 1: failed). <reason> Task: <task>\""
  }
}

data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "EventBridge"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.run_not_ok.arn]
    }
  }

  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts.json
}

resource "aws_cloudwatch_metric_alarm" "dlq" {
  for_each = merge(
    { logs = aws_sqs_queue.logs_dlq.name },
    { for system, q in aws_sqs_queue.revoker_dlq : "revoker-${system}" => q.name },
  )

  alarm_name          = "${local.name}-${each.key}-dlq-not-empty"
  alarm_description   = "Messages in ${each.value}: an object or a list could not be processed. Fix the cause, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}
