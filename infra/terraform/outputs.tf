output "bucket" {
  description = "The lapse bucket."
  value       = aws_s3_bucket.lapse.bucket
}

output "store" {
  description = "The config's store: value."
  value       = "s3://${aws_s3_bucket.lapse.bucket}/${trimsuffix(local.lake_prefix, "/")}"
}

output "revocations_target" {
  description = "The config's revocations.target value."
  value       = "s3://${aws_s3_bucket.lapse.bucket}/${trimsuffix(local.revocations_prefix, "/")}"
}

output "config_uri" {
  description = "Where to upload the config bundle (the config file and the files it names, side by side)."
  value       = local.config_uri
}

output "logs_uri" {
  description = "Where raw logs go; each new object is announced on logs_queue_url."
  value       = "s3://${aws_s3_bucket.lapse.bucket}/${local.logs_prefix}"
}

output "logs_queue_url" {
  description = "The queue for the config's logs: [{ sqs: … }]."
  value       = aws_sqs_queue.logs.id
}

output "logs_dlq_url" {
  description = "Dead-letter queue of the logs queue."
  value       = aws_sqs_queue.logs_dlq.id
}

output "revoker_queue_urls" {
  description = "Revoker queue per system, for the config's revocations.notify.sqs."
  value       = { for system, q in aws_sqs_queue.revoker : system => q.id }
}

output "kms_key_arn" {
  description = "The bucket's KMS key (aws.sse.kms_key_id in the config)."
  value       = aws_kms_key.lapse.arn
}

output "task_role_arn" {
  description = "The role lapse runs as."
  value       = aws_iam_role.task.arn
}

output "cluster_arn" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.lapse.arn
}

output "task_definition_arn" {
  description = "The task definition (run it by hand with aws ecs run-task for a one-off run)."
  value       = aws_ecs_task_definition.lapse.arn
}

output "alerts_topic_arn" {
  description = "SNS topic of the alerts."
  value       = aws_sns_topic.alerts.arn
}
