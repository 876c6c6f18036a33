variable "bucket_prefix" {
  description = "Prefix of the generated bucket name."
  type        = string

  validation {
    condition     = length(var.bucket_prefix) <= 37 && lower(var.bucket_prefix) == var.bucket_prefix
    error_message = "bucket_prefix must be lowercase and at most 37 characters long."
  }
}

variable "versioning_enabled" {
  description = "Keep every version of every object."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key for default encryption; null uses SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow deleting a bucket that still contains objects."
  type        = bool
  default     = false
}

variable "access_log_bucket" {
  description = "Bucket that receives access logs; null disables access logging."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted; null keeps them forever."
  type        = number
  default     = null
}
