# terraform apply -var-file=example.tfvars (copy it and fill in your own values)
aws_region         = "us-east-1"
bucket_name        = "corp-lapse"
image              = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lapse:0.1.0"
ecr_repository_arn = "arn:aws:ecr:us-east-1:123456789012:repository/lapse"
vpc_id             = "vpc-0123456789abcdef0"
subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
revoker_systems    = ["aws", "okta"]
alert_emails       = ["security-oncall@corp.example"]
secrets = {
  JIRA_EMAIL     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lapse/jira-AbCdEf:email::"
  JIRA_API_TOKEN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lapse/jira-AbCdEf:token::"
}
external_log_sources = [
  { bucket = "corp-cloudtrail", prefix = "AWSLogs/", kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0000-cloudtrail" },
]
