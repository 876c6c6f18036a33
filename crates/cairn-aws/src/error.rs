//! AWS API errors: the error code, message and HTTP status of a failed
//! call, turned into [`ProviderError`]s with a hint where one helps.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cairn_provider::ProviderError;

/// A failed API call, reduced to what callers branch on.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub code: Option<String>,
    pub message: String,
    pub status: Option<u16>,
    /// The request never got an answer (connection refused, timeout).
    pub unreachable: bool,
}

impl ApiError {
    pub(crate) fn from_sdk<E>(e: SdkError<E, HttpResponse>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let unreachable = matches!(e, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_));
        let code = e.code().map(str::to_string);
        let message = match (e.message(), &code, status) {
            (Some(m), _, _) if !m.is_empty() => m.to_string(),
            // An answer that is not this API's error format (an HTML 404
            // page, say): the SDK's debug dump would say nothing useful.
            (_, None, Some(s)) if matches!(e, SdkError::ServiceError(_)) => format!(
                "the endpoint answered HTTP {s} with a response that is not an error of this AWS API; \
                 the endpoint may not implement this operation or protocol"
            ),
            _ => DisplayErrorContext(&e).to_string(),
        };
        ApiError {
            code,
            message,
            status,
            unreachable,
        }
    }

    pub(crate) fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub(crate) fn is_any(&self, codes: &[&str]) -> bool {
        codes.iter().any(|c| self.is(c))
    }

    /// The object does not exist (any service's way of saying so).
    pub(crate) fn not_found(&self) -> bool {
        match self.code.as_deref() {
            Some(c) => {
                c.ends_with(".NotFound")
                    || c.ends_with("NotFound")
                    || c.starts_with("NoSuch")
                    || c == "NotFoundException"
                    || c == "ResourceNotFoundException"
            }
            // HEAD requests carry no body, so no code: the status tells.
            None => self.status == Some(404),
        }
    }

    /// As a provider error: `action` says what was being done
    /// ("creating EC2 VPC").
    pub(crate) fn into_error(self, action: impl std::fmt::Display) -> ProviderError {
        let summary = format!("{action} failed");
        let detail = self.message.clone();
        let hint = self.hint();
        let mut e = ProviderError::new(summary, detail);
        if let Some(c) = self.code {
            e = e.with_code(c);
        } else if let Some(s) = self.status {
            e = e.with_code(format!("HTTP {s}"));
        }
        if let Some(h) = hint {
            e = e.with_hint(h);
        }
        e
    }

    fn hint(&self) -> Option<String> {
        if self.unreachable {
            return Some(
                "The AWS API endpoint did not answer. Check the network, the region, and any \
                 endpoint override (AWS_ENDPOINT_URL or the provider's endpoints block)."
                    .into(),
            );
        }
        let code = self.code.as_deref().unwrap_or("");
        let h = match code {
            "InvalidVpcID.NotFound" => {
                "the VPC was deleted outside cairn; run cairn plan to recreate it"
            }
            "InvalidSubnetID.NotFound" => {
                "the subnet was deleted outside cairn; run cairn plan to recreate it"
            }
            "InvalidGroup.NotFound" => {
                "the security group was deleted outside cairn; run cairn plan to recreate it"
            }
            "InvalidInternetGatewayID.NotFound" => {
                "the internet gateway was deleted outside cairn; run cairn plan to recreate it"
            }
            "NoSuchBucket" => "the bucket does not exist (deleted outside cairn?); run cairn plan",
            "NoSuchEntity" => "the IAM object does not exist (deleted outside cairn?); run cairn plan",
            "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" => {
                "the credentials lack an IAM permission for this call; grant it to the role or user cairn runs as"
            }
            "InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException"
            | "AuthFailure" | "InvalidAccessKeyId" => {
                "the credentials were rejected; check access_key/secret_key, AWS_PROFILE or the environment"
            }
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                "the session credentials expired; refresh them (aws sso login, or new keys)"
            }
            "RequestLimitExceeded" | "Throttling" | "ThrottlingException" | "SlowDown"
            | "TooManyRequestsException" => {
                "the API throttled cairn; lower -parallelism or raise max_retries in the provider block"
            }
            "DependencyViolation" => {
                "another object still depends on this one; destroy or detach the dependents first"
            }
            "InvalidGroup.Duplicate" => {
                "a security group with this name already exists in the VPC; choose another name or import it"
            }
            "BucketAlreadyExists" => {
                "bucket names are global across all AWS accounts; choose another name or use bucket_prefix"
            }
            "BucketAlreadyOwnedByYou" | "EntityAlreadyExists" => {
                "it already exists in this account; import it with cairn import, or choose another name"
            }
            "BucketNotEmpty" => {
                "the bucket still holds objects; empty it, or set force_destroy = true and apply before destroying"
            }
            "DeleteConflict" => {
                "it is still attached or in use; detach it (remove the attachments) first"
            }
            "MalformedPolicyDocument" => {
                "the policy document is not valid IAM policy JSON; check it with aws_iam_policy_document"
            }
            "LimitExceeded" | "VpcLimitExceeded" | "RulesPerSecurityGroupLimitExceeded" => {
                "an account quota was reached; delete unused objects or request a quota increase"
            }
            "InvalidRouteTableID.NotFound" | "InvalidRouteTableId.NotFound" => {
                "the route table was deleted outside cairn; run cairn plan to recreate it"
            }
            "NatGatewayNotFound" | "InvalidNatGatewayID.NotFound" => {
                "the NAT gateway was deleted outside cairn; run cairn plan to recreate it"
            }
            "InvalidAllocationID.NotFound" => {
                "the elastic IP was released outside cairn; run cairn plan to allocate a new one"
            }
            "RouteAlreadyExists" => {
                "the route table already has a route for this destination (perhaps added outside cairn, or by an inline route block); remove the duplicate"
            }
            "NetworkAclEntryAlreadyExists" => {
                "another entry of this network ACL already uses this rule number in that direction; choose another rule_number"
            }
            "InvalidSecurityGroupRuleId.NotFound" => {
                "the security group rule was deleted outside cairn; run cairn plan to recreate it"
            }
            "InvalidNetworkAclID.NotFound" => {
                "the network ACL was deleted outside cairn; run cairn plan to recreate it"
            }
            "KMSInvalidStateException" => {
                "the KMS key is disabled or pending deletion; enable it (or cancel its deletion) or use another key"
            }
            "ParameterAlreadyExists" => {
                "an SSM parameter with this name exists; import it with cairn import, or set overwrite = true"
            }
            "ResourceExistsException" => {
                "it already exists (a secret scheduled for deletion keeps its name until it is deleted); import it, restore it, or choose another name"
            }
            "InvalidKeyPair.Duplicate" => {
                "a key pair with this name exists; import it with cairn import, or choose another key_name"
            }
            "InvalidPermission.Duplicate" => {
                "the rule already exists on the group (perhaps added outside cairn); remove the duplicate"
            }
            _ => "",
        };
        if !h.is_empty() {
            return Some(h.to_string());
        }
        if self.code.is_none() && self.status.is_some_and(|s| s >= 500) {
            return Some(
                "The API answered with a server error. Against a local emulator (moto) this \
                 usually means the operation is not implemented there."
                    .into(),
            );
        }
        None
    }
}

/// Shorthand on SDK results: `.ctx("creating EC2 VPC")?`.
pub(crate) trait SdkResultExt<T> {
    /// The error as an [`ApiError`], for branching on its code.
    fn api(self) -> Result<T, ApiError>;
    /// The error as a [`ProviderError`] about `action`.
    fn ctx(self, action: impl std::fmt::Display) -> Result<T, ProviderError>;
}

impl<T, E> SdkResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn api(self) -> Result<T, ApiError> {
        self.map_err(ApiError::from_sdk)
    }
    fn ctx(self, action: impl std::fmt::Display) -> Result<T, ProviderError> {
        self.map_err(|e| ApiError::from_sdk(e).into_error(action))
    }
}

/// Adds context to an [`ApiError`] result.
pub(crate) trait ApiResultExt<T> {
    fn ctx(self, action: impl std::fmt::Display) -> Result<T, ProviderError>;
}

impl<T> ApiResultExt<T> for Result<T, ApiError> {
    fn ctx(self, action: impl std::fmt::Display) -> Result<T, ProviderError> {
        self.map_err(|e| e.into_error(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: Option<&str>, status: Option<u16>) -> ApiError {
        ApiError {
            code: code.map(str::to_string),
            message: "m".into(),
            status,
            unreachable: false,
        }
    }

    #[test]
    fn not_found_codes() {
        assert!(err(Some("InvalidVpcID.NotFound"), Some(400)).not_found());
        assert!(err(Some("NoSuchBucket"), Some(404)).not_found());
        assert!(err(Some("NoSuchEntity"), Some(404)).not_found());
        assert!(err(None, Some(404)).not_found());
        assert!(!err(Some("DependencyViolation"), Some(400)).not_found());
    }

    #[test]
    fn errors_carry_code_and_hint() {
        let e = err(Some("InvalidVpcID.NotFound"), Some(400)).into_error("reading EC2 VPC");
        assert_eq!(e.code.as_deref(), Some("InvalidVpcID.NotFound"));
        assert_eq!(
            e.hint.as_deref(),
            Some("the VPC was deleted outside cairn; run cairn plan to recreate it")
        );
        assert_eq!(e.summary, "reading EC2 VPC failed");
        let e = err(None, Some(500)).into_error("x");
        assert_eq!(e.code.as_deref(), Some("HTTP 500"));
        assert!(e.hint.is_some_and(|h| h.contains("not implemented")));
    }
}
