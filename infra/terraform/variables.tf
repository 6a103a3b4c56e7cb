variable "aws_region" {
  description = "AWS region for every resource (the bucket, queues, cluster and schedule)."
  type        = string
}

variable "name" {
  description = "Name prefix of every resource (cluster, task family, queues, roles, log group, alarms)."
  type        = string
  default     = "lapse"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name: lowercase letters, digits and dashes, 2-31 characters, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource (besides app = \"lapse\")."
  type        = map(string)
  default     = {}
}

variable "bucket_name" {
  description = "Name of the S3 bucket to create for raw logs, the lake, revocation lists and the config bundle (globally unique)."
  type        = string
}

variable "logs_prefix" {
  description = "Prefix of raw logs in the bucket; new objects under it are announced on the logs queue and expire after raw_logs_retention_days."
  type        = string
  default     = "logs/"
}

variable "lake_prefix" {
  description = "Prefix of the lake (the config's store: s3://<bucket>/<lake_prefix>)."
  type        = string
  default     = "lake/"
}

variable "revocations_prefix" {
  description = "Prefix of the revocation lists (the config's revocations.target: s3://<bucket>/<revocations_prefix>)."
  type        = string
  default     = "revocations/"
}

variable "config_prefix" {
  description = "Prefix of the config bundle: the config file with the directory and grants snapshots beside it, fetched whole at each run."
  type        = string
  default     = "config/"
}

variable "config_file" {
  description = "Name of the config file under config_prefix."
  type        = string
  default     = "lapse.yaml"
}

variable "raw_logs_infrequent_access_days" {
  description = "Days after which raw logs move to STANDARD_IA (at least 30: S3's minimum for the transition)."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_logs_infrequent_access_days >= 30
    error_message = "raw_logs_infrequent_access_days: at least 30."
  }
}

variable "raw_logs_retention_days" {
  description = "Days raw logs are kept before they expire. Ingest reads them once; keep them as long as your audit policy asks."
  type        = number
  default     = 400

  validation {
    condition     = var.raw_logs_retention_days > var.raw_logs_infrequent_access_days
    error_message = "raw_logs_retention_days must be greater than raw_logs_infrequent_access_days."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days replaced or deleted object versions (compacted lake files, replaced latest.json) are kept, to restore from."
  type        = number
  default     = 30
}

variable "kms_deletion_window_days" {
  description = "Waiting period (7-30 days) before the bucket's KMS key is deleted once scheduled for deletion."
  type        = number
  default     = 30
}

variable "queue_visibility_timeout_secs" {
  description = "Visibility timeout of the logs queue; match the config's visibility_timeout_secs (lapse extends it while it works)."
  type        = number
  default     = 60
}

variable "queue_max_receive_count" {
  description = "Receives after which a message moves to its dead-letter queue (the logs queue and the revoker queues)."
  type        = number
  default     = 5
}

variable "revoker_systems" {
  description = "Systems (names as in the config's systems:) that get a revoker queue lapse announces new lists on (notify.sqs)."
  type        = list(string)
  default     = []
}

variable "external_log_sources" {
  description = "Logs in other buckets read as s3: sources (e.g. an existing CloudTrail bucket): bucket, prefix (with a trailing slash), and the KMS key ARN if that bucket uses one."
  type = list(object({
    bucket      = string
    prefix      = string
    kms_key_arn = optional(string)
  }))
  default = []
}

variable "image" {
  description = "The lapse container image (built from infra/Dockerfile), e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/lapse:1.0.0."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the image, so the execution role may pull from it; null for a public registry."
  type        = string
  default     = null
}

variable "extra_args" {
  description = "Arguments appended to `lapse run --config <config bundle>`, e.g. [\"--dry-run\"] for a first trial."
  type        = list(string)
  default     = []
}

variable "secrets" {
  description = "Environment variables set from Secrets Manager: name => secret ARN (optionally with :json-key::), e.g. { JIRA_API_TOKEN = \"arn:aws:secretsmanager:…\" }."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^arn:[^:]+:secretsmanager:[^:]+:[0-9]+:secret:", arn))])
    error_message = "secrets: every value must be a Secrets Manager secret ARN."
  }
}

variable "log_level" {
  description = "LAPSE_LOG_LEVEL of the job: debug, info or warn."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn"], var.log_level)
    error_message = "log_level: debug, info or warn."
  }
}

variable "log_retention_days" {
  description = "Days the CloudWatch log group keeps the job's logs."
  type        = number
  default     = 90
}

variable "task_cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU); DuckDB uses every core (engine.threads)."
  type        = number
  default     = 2048
}

variable "task_memory_mib" {
  description = "Fargate task memory in MiB. Set the config's engine.memory_limit to about 75% of it (e.g. 6GB of 8192); detect on 10M grants needs about 3.5 GB."
  type        = number
  default     = 8192
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64: the platform the image was built for."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture: X86_64 or ARM64."
  }
}

variable "ephemeral_storage_gib" {
  description = "Task ephemeral storage in GiB (21-200), mounted at /tmp: DuckDB spill, downloaded log objects and the config bundle."
  type        = number
  default     = 50

  validation {
    condition     = var.ephemeral_storage_gib >= 21 && var.ephemeral_storage_gib <= 200
    error_message = "ephemeral_storage_gib: 21 to 200."
  }
}

variable "vpc_id" {
  description = "VPC of the task's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets the task runs in: private subnets with a NAT gateway or VPC endpoints for S3, SQS, KMS, ECR and CloudWatch Logs."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give the task a public IP (only for public subnets without NAT)."
  type        = bool
  default     = false
}

variable "schedule_expression" {
  description = "When the daily run starts (EventBridge Scheduler syntax), in schedule_timezone."
  type        = string
  default     = "cron(30 6 * * ? *)"
}

variable "schedule_timezone" {
  description = "Time zone of schedule_expression (IANA name)."
  type        = string
  default     = "UTC"
}

variable "schedule_enabled" {
  description = "Whether the daily schedule is on (turn it off to pause lapse without destroying anything)."
  type        = bool
  default     = true
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alerts topic (runs that exit other than 0, messages in a DLQ); each must confirm."
  type        = list(string)
  default     = []
}
