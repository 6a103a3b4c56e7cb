resource "aws_cloudwatch_log_group" "lapse" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_ecs_cluster" "lapse" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# The daily job. The root filesystem is read-only: /tmp (HOME and TMPDIR in the image: DuckDB spill,
# downloaded log objects, the fetched config bundle) is the task's ephemeral storage.
resource "aws_ecs_task_definition" "lapse" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory_mib
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.execution.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  ephemeral_storage {
    size_in_gib = var.ephemeral_storage_gib
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "lapse"
      image                  = var.image
      essential              = true
      command                = concat(["run", "--config", local.config_uri], var.extra_args)
      user                   = "1000:1000"
      readonlyRootFilesystem = true
      # An init process reaps what a revoker command's timeout leaves behind (node is not an init).
      linuxParameters = { initProcessEnabled = true }
      mountPoints     = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      environment = [
        { name = "AWS_REGION", value = local.region },
        { name = "LAPSE_LOG_LEVEL", value = var.log_level },
      ]
      secrets = [for name, arn in var.secrets : { name = name, valueFrom = arn }]
      # The job gets SIGTERM, then SIGKILL after this many seconds, when the task is stopped.
      stopTimeout = 120
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.lapse.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "lapse"
        }
      }
    }
  ])
}

# Outbound HTTPS only (S3, SQS, KMS, Jira…); nothing listens.
resource "aws_security_group" "task" {
  name        = "${local.name}-task"
  description = "lapse task: outbound HTTPS only"
  vpc_id      = var.vpc_id

  egress {
    description = "HTTPS to AWS APIs and configured services"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_scheduler_schedule" "daily" {
  name                         = "${local.name}-daily"
  description                  = "lapse run, once a day"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.lapse.arn
    role_arn = aws_iam_role.scheduler.arn

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.lapse.arn
      launch_type         = "FARGATE"
      task_count          = 1

      network_configuration {
        subnets          = var.subnet_ids
        security_groups  = [aws_security_group.task.id]
        assign_public_ip = var.assign_public_ip
      }
    }

    # Starting the task is retried; the job itself is not (a failed run alerts, and the next day's
    # run catches up: ingest resumes from the ledger).
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }
}
