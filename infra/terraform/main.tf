# lapse on AWS: one bucket (raw logs, the lake, revocation lists, the config bundle), an SQS queue fed
# by the bucket's event notifications, and the daily `lapse run` as an ECS Fargate task started by
# EventBridge Scheduler. See README.md in this folder for every variable and docs/scale.md for the config.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name       = var.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = var.aws_region

  # Key prefixes inside the bucket, each with a trailing slash; the IAM policy names exactly these.
  logs_prefix        = "${trimsuffix(var.logs_prefix, "/")}/"
  lake_prefix        = "${trimsuffix(var.lake_prefix, "/")}/"
  revocations_prefix = "${trimsuffix(var.revocations_prefix, "/")}/"
  config_prefix      = "${trimsuffix(var.config_prefix, "/")}/"

  # Where the task reads its config: the entrypoint fetches this object's folder (the config bundle).
  config_uri = "s3://${aws_s3_bucket.lapse.bucket}/${local.config_prefix}${var.config_file}"
}
