resource "aws_s3_bucket" "lapse" {
  bucket        = var.bucket_name
  force_destroy = false
}

resource "aws_s3_bucket_ownership_controls" "lapse" {
  bucket = aws_s3_bucket.lapse.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lapse" {
  bucket = aws_s3_bucket.lapse.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Versioning: an overwritten or deleted object (a compacted shard, a replaced latest.json) can be restored.
resource "aws_s3_bucket_versioning" "lapse" {
  bucket = aws_s3_bucket.lapse.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lapse" {
  bucket = aws_s3_bucket.lapse.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.lapse.arn
    }
    # S3 Bucket Keys: far fewer KMS requests (and cost) for the many small lake objects.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lapse" {
  bucket = aws_s3_bucket.lapse.id

  # Raw logs are read once by ingest (the ledger remembers them); keep them for audits, then expire.
  rule {
    id     = "raw-logs"
    status = "Enabled"

    filter {
      prefix = local.logs_prefix
    }

    transition {
      days          = var.raw_logs_infrequent_access_days
      storage_class = "STANDARD_IA"
    }

    expiration {
      days = var.raw_logs_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  # Compaction replaces lake files every run: keep replaced versions long enough to restore from.
  rule {
    id     = "noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.lapse]
}

# TLS only.
data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.lapse.arn,
      "${aws_s3_bucket.lapse.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "lapse" {
  bucket = aws_s3_bucket.lapse.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.lapse]
}

# Every new raw log object is announced on the queue lapse ingests from.
resource "aws_s3_bucket_notification" "logs" {
  bucket = aws_s3_bucket.lapse.id

  queue {
    id            = "${local.name}-logs"
    queue_arn     = aws_sqs_queue.logs.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = local.logs_prefix
  }

  depends_on = [aws_sqs_queue_policy.logs]
}
