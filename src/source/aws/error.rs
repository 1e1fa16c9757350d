//! Turning SDK errors into `SourceError`s: which call failed, and what the operator (and the
//! poller's back-off) should make of it.

use crate::source::{SourceError, SourceErrorKind};
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

/// Parts of feeds that were denied, remembered so that they are not asked again on every
/// refresh while the rest of their feed is. Retrying a denial cannot help, and each attempt is
/// noise in CloudTrail. (A feed denied as a whole fails, and its poller waits 5 minutes.)
#[derive(Default)]
pub struct DenialMemo {
    denied: Mutex<BTreeMap<String, (Timestamp, SourceError)>>,
}

impl DenialMemo {
    /// How long a denied part is not asked again: the poller's wait after a denied feed.
    pub const HOLD_SECS: i64 = 300;

    /// Runs `part` (named, e.g. `us-east-1 lag`) unless it was denied in the last
    /// `HOLD_SECS`; then its denial is returned again without a call.
    pub async fn unless_denied<T>(
        &self,
        part: impl Into<String>,
        now: Timestamp,
        fetch: impl Future<Output = Result<T, SourceError>>,
    ) -> Result<T, SourceError> {
        let part = part.into();
        if let Some(e) = self.recent(&part, now) {
            return Err(e);
        }
        let result = fetch.await;
        let mut denied = self.denied.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            Err(e) if e.kind == SourceErrorKind::AccessDenied => {
                denied.insert(part, (now, e.clone()));
            }
            _ => {
                denied.remove(&part);
            }
        }
        result
    }

    fn recent(&self, part: &str, now: Timestamp) -> Option<SourceError> {
        let denied = self.denied.lock().unwrap_or_else(|p| p.into_inner());
        denied
            .get(part)
            .filter(|(at, _)| now.as_second() - at.as_second() < Self::HOLD_SECS)
            .map(|(_, e)| e.clone())
    }
}

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
    let (kind, message) = match &err {
        SdkError::TimeoutError(_) => (
            SourceErrorKind::Timeout,
            "no answer within the call's time limit".to_string(),
        ),
        SdkError::DispatchFailure(failure) => {
            let detail = chain(&err);
            let kind = if failure.is_timeout() {
                SourceErrorKind::Timeout
            } else if is_missing_credentials(&detail) {
                SourceErrorKind::AccessDenied
            } else if failure.is_user() {
                SourceErrorKind::Other
            } else {
                // I/O and connector failures: nothing answered at that address.
                SourceErrorKind::Unreachable
            };
            (kind, detail)
        }
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = err.code();
            let kind = kind_of_service_error(code, Some(status));
            let message = match (code, err.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                (None, Some(message)) => format!("HTTP {status}: {message}"),
                // moto answers 404 for APIs it does not implement; so may a wrong endpoint.
                (None, None) => format!(
                    "HTTP {status} with no AWS error in the body: is the endpoint an AWS API \
                     that implements this call?"
                ),
            };
            (kind, message)
        }
        _ => {
            let detail = chain(&err);
            let kind = if is_missing_credentials(&detail) {
                SourceErrorKind::AccessDenied
            } else {
                SourceErrorKind::Other
            };
            (kind, detail)
        }
    };
    SourceError::new(kind, call, message)
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

    #[tokio::test]
    async fn a_denied_part_is_not_asked_again_for_five_minutes() {
        let memo = DenialMemo::default();
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).expect("valid");
        let denied = || async {
            Err::<(), _>(SourceError::new(
                SourceErrorKind::AccessDenied,
                "cloudwatch:GetMetricData",
                "not authorized",
            ))
        };
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let counted = || async {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<(), SourceError>(())
        };
        assert!(
            memo.unless_denied("us-east-1 lag", t(0), denied())
                .await
                .is_err()
        );
        let again = memo.unless_denied("us-east-1 lag", t(299), counted()).await;
        assert_eq!(
            again.expect_err("still denied").call,
            "cloudwatch:GetMetricData"
        );
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "no call made"
        );
        assert!(
            memo.unless_denied("eu-west-1 lag", t(1), counted())
                .await
                .is_ok()
        );
        assert!(
            memo.unless_denied("us-east-1 lag", t(300), counted())
                .await
                .is_ok()
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert!(
            memo.unless_denied("us-east-1 lag", t(301), counted())
                .await
                .is_ok(),
            "a success forgets the denial"
        );
    }

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
