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
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
];

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
            let (kind, sent) = if failure.is_timeout() {
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
            (kind, message, unreadable)
        }
        _ => {
            let detail = chain(&err);
            let kind = if is_missing_credentials(&detail) {
                SourceErrorKind::AccessDenied
            } else {
                SourceErrorKind::Other
            };
            (kind, detail, false)
        }
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

/// No credentials at all fails before anything is sent; like a denial, retrying will not help.
fn is_missing_credentials(detail: &str) -> bool {
    let lower = detail.to_lowercase();
    lower.contains("credentials")
        && (lower.contains("no credentials") || lower.contains("failed to load"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_decide_before_statuses() {
        assert_eq!(
            kind_of_service_error(Some("AccessDenied"), Some(403)),
            SourceErrorKind::AccessDenied
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
