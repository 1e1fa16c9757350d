//! Turning SDK errors into `SourceError`s: which call failed, and what the operator (and the
//! poller's back-off) should make of it.

use crate::source::{SourceError, SourceErrorKind};
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};

/// Error codes that mean "these credentials may not do this"; retrying will not help.
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthorizationError",
    "NotAuthorized",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
];

/// Error codes that mean "these credentials were good and have expired": renewing them (and
/// nothing else) fixes it.
const EXPIRED_CODES: &[&str] = &["ExpiredToken", "ExpiredTokenException"];

/// Error codes that mean "slow down".
const THROTTLED_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "PriorRequestNotComplete",
    "SlowDown",
];

/// Sorts a service's answer by its error code, falling back on the HTTP status.
pub fn kind_of_service_error(code: Option<&str>, http_status: Option<u16>) -> SourceErrorKind {
    match (code, http_status) {
        (Some(c), _) if EXPIRED_CODES.contains(&c) => SourceErrorKind::CredentialsExpired,
        (Some(c), _) if DENIED_CODES.contains(&c) => SourceErrorKind::AccessDenied,
        (Some(c), _) if THROTTLED_CODES.contains(&c) => SourceErrorKind::Throttled,
        (_, Some(401 | 403)) => SourceErrorKind::AccessDenied,
        (_, Some(429)) => SourceErrorKind::Throttled,
        _ => SourceErrorKind::Other,
    }
}

/// Maps an SDK error of the call `call` (e.g. `rds:DescribeDBInstances`).
pub fn aws_error<E>(call: &str, err: SdkError<E>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // Whether the request may have reached AWS although no readable answer came back: after
    // a timeout, a connection that failed once the request could have gone out, or an answer
    // that could not be read, a change may have happened (see `SourceError::may_have_arrived`).
    let (kind, message, may_have_arrived) = match &err {
        SdkError::TimeoutError(_) => (
            SourceErrorKind::Timeout,
            "no answer within the call's time limit".to_string(),
            true,
        ),
        SdkError::DispatchFailure(failure) => {
            let detail = chain(&err);
            let (kind, sent) = if is_expired_credentials(&detail) {
                (SourceErrorKind::CredentialsExpired, false)
            } else if failure.is_timeout() {
                (SourceErrorKind::Timeout, true)
            } else if is_missing_credentials(&detail) {
                (SourceErrorKind::AccessDenied, false)
            } else if failure.is_user() {
                // The request could not be made (a bad URL, a body that would not send).
                (SourceErrorKind::Other, false)
            } else {
                // I/O and connector failures: nothing answered at that address, or the
                // connection broke after the request went out. Which, the error cannot tell.
                (SourceErrorKind::Unreachable, true)
            };
            (kind, detail, sent)
        }
        SdkError::ResponseError(_) => (
            SourceErrorKind::Other,
            format!("the answer could not be read: {}", chain(&err)),
            true,
        ),
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = err.code();
            let kind = kind_of_service_error(code, Some(status));
            // A success status whose body could not be parsed: AWS took the request.
            let unreadable = code.is_none() && (200..300).contains(&status);
            // A server error (500 InternalFailure, 503 ServiceUnavailable): the request reached
            // AWS, and AWS does not say whether it was carried out before the error.
            let server_error = (500..600).contains(&status);
            let message = match (code, err.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                (None, _) if unreadable => {
                    format!(
                        "HTTP {status}, but the answer could not be read: {}",
                        chain(&err)
                    )
                }
                (None, Some(message)) => format!("HTTP {status}: {message}"),
                // moto answers 404 for APIs it does not implement; so may a wrong endpoint.
                (None, None) => format!(
                    "HTTP {status} with no AWS error in the body: is the endpoint an AWS API \
                     that implements this call?"
                ),
            };
            (kind, message, unreadable || server_error)
        }
        _ => {
            let detail = chain(&err);
            let kind = if is_expired_credentials(&detail) {
                SourceErrorKind::CredentialsExpired
            } else if is_missing_credentials(&detail) {
                SourceErrorKind::AccessDenied
            } else {
                SourceErrorKind::Other
            };
            (kind, detail, false)
        }
    };
    // The one thing to do about it comes first: a pane's border may not show the rest.
    let message = if kind == SourceErrorKind::CredentialsExpired {
        format!("{} ({message})", super::sdk::login_hint())
    } else {
        message
    };
    SourceError {
        may_have_arrived,
        ..SourceError::new(kind, call, message)
    }
}

/// An error and its causes, each in its own words, without the debug dump that the SDK's
/// `DisplayErrorContext` appends.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

/// An SSO session (or the token behind a profile) that has run out fails while credentials are
/// resolved, before anything is sent: aws-config says "the SSO token has expired", and SSO
/// itself, asked with a stale token, "Session token not found or invalid".
fn is_expired_credentials(detail: &str) -> bool {
    let lower = detail.to_lowercase();
    (lower.contains("token") && lower.contains("expired"))
        || lower.contains("session token not found or invalid")
}

/// No credentials at all, or credentials that cannot be loaded (a profile's
/// `credential_process` that fails, a role that cannot be assumed), fails before anything is
/// sent; like a denial, retrying will not help until the operator acts.
fn is_missing_credentials(detail: &str) -> bool {
    let lower = detail.to_lowercase();
    lower.contains("credentials")
        && (lower.contains("no credentials")
            || lower.contains("failed to load")
            || lower.contains("while loading credentials"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::config::{Credentials, SharedCredentialsProvider};
    use aws_smithy_runtime_api::client::http::{
        HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers every request with `status` and `body`, counting them.
    #[derive(Debug, Clone)]
    struct Answer {
        status: u16,
        body: &'static str,
        calls: Arc<AtomicUsize>,
    }

    impl HttpConnector for Answer {
        fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
            self.calls.fetch_add(1, Ordering::SeqCst);
            HttpConnectorFuture::ready(Ok(HttpResponse::new(
                StatusCode::try_from(self.status).expect("valid"),
                SdkBody::from(self.body),
            )))
        }
    }

    /// A real RDS client (not a typed mock: the credentials are resolved as in production)
    /// with `credentials` and an HTTP layer that answers `status` and `body`.
    fn rds(
        credentials: SharedCredentialsProvider,
        status: u16,
        body: &'static str,
    ) -> (aws_sdk_rds::Client, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let answer = Answer {
            status,
            body,
            calls: calls.clone(),
        };
        let config = aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(answer.clone())
            }))
            .build();
        (aws_sdk_rds::Client::from_conf(config), calls)
    }

    const EXPIRED_TOKEN: &str = "<ErrorResponse><Error><Type>Sender</Type>\
        <Code>ExpiredToken</Code><Message>The security token included in the request is \
        expired</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";

    #[tokio::test]
    async fn an_expired_token_is_not_access_denied_and_says_how_to_log_in() {
        let (client, _) = rds(
            SharedCredentialsProvider::new(Credentials::for_tests_with_session_token()),
            403,
            EXPIRED_TOKEN,
        );
        let err = client
            .describe_db_instances()
            .send()
            .await
            .expect_err("expired");
        let err = aws_error("rds:DescribeDBInstances", err);
        assert_eq!(err.kind.to_string(), "credentials expired", "{err:?}");
        assert!(
            err.message.starts_with("run `aws sso login --profile ")
                && err.message.contains("ExpiredToken"),
            "{err:?}"
        );
        assert!(!err.may_have_happened(), "AWS answered: nothing was done");
    }

    /// What aws-config's SSO provider says when the SSO session behind a profile has expired
    /// (`SsoTokenProviderError::ExpiredToken`), given by a provider so the SDK reports it the
    /// way it reports the real one: before anything is sent.
    #[derive(Debug)]
    struct SsoSessionExpired;

    impl aws_sdk_rds::config::ProvideCredentials for SsoSessionExpired {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            aws_credential_types::provider::future::ProvideCredentials::ready(Err(
                aws_credential_types::provider::error::CredentialsError::provider_error(
                    "the SSO token has expired and cannot be refreshed",
                ),
            ))
        }
    }

    #[tokio::test]
    async fn an_expired_sso_session_is_credentials_expired_before_any_call() {
        let (client, calls) = rds(
            SharedCredentialsProvider::new(SsoSessionExpired),
            200,
            "unused",
        );
        let err = client
            .describe_db_instances()
            .send()
            .await
            .expect_err("no credentials");
        let err = aws_error("rds:DescribeDBInstances", err);
        assert_eq!(err.kind.to_string(), "credentials expired", "{err:?}");
        assert!(
            err.message.starts_with("run `aws sso login --profile "),
            "{err:?}"
        );
        assert!(err.message.contains("SSO token has expired"), "{err:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing was sent");
        assert!(!err.may_have_happened());
    }

    /// What aws-config says when a profile's `credential_process` fails (an expired session
    /// of the tool behind it, a tool that is not installed): before anything is sent.
    #[derive(Debug)]
    struct CredentialProcessFails;

    impl aws_sdk_rds::config::ProvideCredentials for CredentialProcessFails {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            aws_credential_types::provider::future::ProvideCredentials::ready(Err(
                aws_credential_types::provider::error::CredentialsError::provider_error(
                    "Error retrieving credentials: external process exited with code exit status: 1. Stderr: ",
                ),
            ))
        }
    }

    #[tokio::test]
    async fn credentials_that_cannot_be_loaded_are_a_credentials_problem_not_an_unreachable_region()
    {
        let (client, calls) = rds(
            SharedCredentialsProvider::new(CredentialProcessFails),
            200,
            "unused",
        );
        let err = client
            .describe_db_instances()
            .send()
            .await
            .expect_err("no credentials");
        let err = aws_error("rds:DescribeDBInstances", err);
        assert_eq!(err.kind, SourceErrorKind::AccessDenied, "{err:?}");
        assert!(err.message.contains("external process exited"), "{err:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing was sent");
        assert!(!err.may_have_happened(), "nothing was sent: {err:?}");
    }

    #[test]
    fn codes_decide_before_statuses() {
        assert_eq!(
            kind_of_service_error(Some("AccessDenied"), Some(403)),
            SourceErrorKind::AccessDenied
        );
        assert_eq!(
            kind_of_service_error(Some("ExpiredToken"), Some(403)),
            SourceErrorKind::CredentialsExpired
        );
        assert_eq!(
            kind_of_service_error(Some("ThrottlingException"), Some(400)),
            SourceErrorKind::Throttled
        );
        assert_eq!(
            kind_of_service_error(Some("Throttling"), Some(400)),
            SourceErrorKind::Throttled
        );
        assert_eq!(
            kind_of_service_error(None, Some(403)),
            SourceErrorKind::AccessDenied
        );
        assert_eq!(
            kind_of_service_error(None, Some(429)),
            SourceErrorKind::Throttled
        );
        assert_eq!(
            kind_of_service_error(Some("DBInstanceNotFound"), Some(404)),
            SourceErrorKind::Other
        );
        assert_eq!(
            kind_of_service_error(None, Some(404)),
            SourceErrorKind::Other
        );
    }
}
