# One customer-managed key for everything lapse writes to the bucket (lake, lists, config bundle).
resource "aws_kms_key" "lapse" {
  description             = "${local.name}: encrypts the lapse bucket (raw logs, lake, revocation lists)"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
}

resource "aws_kms_alias" "lapse" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.lapse.key_id
}
