//! The optional parts of a feed: the lag metrics of listed replicas, the failover records of
//! listed health checks, the three parts of a region's backup health. When a part fails, the
//! rest of its feed is still delivered, with the failure beside it; this module keeps a
//! failing part from costing more than that.

use crate::source::{SourceError, SourceErrorKind};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// How long one part may take. Shorter than the cockpit's 20 s deadline for a whole feed, so
/// that a part that hangs (a metrics endpoint that accepts and never answers) leaves the rest
/// of its feed on screen instead of taking it down too.
pub const PART_DEADLINE: Duration = Duration::from_secs(15);

/// How long a denied part is not asked again: as long as the poller waits after a feed that is
/// denied as a whole. Retrying a denial cannot help, and each attempt is noise in CloudTrail.
/// Expired credentials are not held: renewed ones must be used at the next refresh.
pub const DENIAL_HOLD_SECS: i64 = 300;

/// Remembers which parts were denied, and when.
#[derive(Default)]
pub struct Parts {
    denied: Mutex<BTreeMap<String, (Timestamp, SourceError)>>,
}

impl Parts {
    /// Fetches the part named `part` (e.g. `us-east-1 lag`) within `PART_DEADLINE`, unless it
    /// was denied in the last `DENIAL_HOLD_SECS`: then its denial is given again, uncalled.
    /// `call` names the API call in a timeout error.
    pub async fn fetch<T>(
        &self,
        part: impl Into<String>,
        call: &str,
        now: Timestamp,
        fetch: impl Future<Output = Result<T, SourceError>>,
    ) -> Result<T, SourceError> {
        self.fetch_within(part, call, now, PART_DEADLINE, fetch)
            .await
    }

    /// `fetch` with a deadline of its own: for a part that runs after another part of the
    /// same feed, and so gets what is left of `PART_DEADLINE` rather than all of it.
    pub async fn fetch_within<T>(
        &self,
        part: impl Into<String>,
        call: &str,
        now: Timestamp,
        deadline: Duration,
        fetch: impl Future<Output = Result<T, SourceError>>,
    ) -> Result<T, SourceError> {
        let part = part.into();
        if let Some(e) = self.recently_denied(&part, now) {
            return Err(e);
        }
        let result = match tokio::time::timeout(deadline, fetch).await {
            Ok(result) => result,
            Err(_) => Err(SourceError::new(
                SourceErrorKind::Timeout,
                call,
                format!("no answer within {}s", deadline.as_secs()),
            )),
        };
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

    fn recently_denied(&self, part: &str, now: Timestamp) -> Option<SourceError> {
        let denied = self.denied.lock().unwrap_or_else(|p| p.into_inner());
        denied
            .get(part)
            .filter(|(at, _)| now.as_second() - at.as_second() < DENIAL_HOLD_SECS)
            .map(|(_, e)| e.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    const CALL: &str = "cloudwatch:GetMetricData";

    #[tokio::test]
    async fn a_denied_part_is_not_asked_again_for_five_minutes() {
        let parts = Parts::default();
        let denied = || async {
            Err::<(), _>(SourceError::new(
                SourceErrorKind::AccessDenied,
                CALL,
                "not authorized",
            ))
        };
        let calls = AtomicUsize::new(0);
        let counted = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<(), SourceError>(())
        };
        assert!(
            parts
                .fetch("us-east-1 lag", CALL, t(0), denied())
                .await
                .is_err()
        );
        let again = parts.fetch("us-east-1 lag", CALL, t(299), counted()).await;
        assert_eq!(
            again.expect_err("still denied").kind,
            SourceErrorKind::AccessDenied
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0, "no call made");
        assert!(
            parts
                .fetch("eu-west-1 lag", CALL, t(1), counted())
                .await
                .is_ok()
        );
        assert!(
            parts
                .fetch("us-east-1 lag", CALL, t(300), counted())
                .await
                .is_ok()
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(
            parts
                .fetch("us-east-1 lag", CALL, t(301), counted())
                .await
                .is_ok(),
            "a success forgets the denial"
        );
    }

    #[tokio::test]
    async fn a_part_whose_credentials_expired_is_asked_again_at_once() {
        let parts = Parts::default();
        let expired = || async {
            Err::<(), _>(SourceError::new(
                crate::source::aws::error::kind_of_service_error(Some("ExpiredToken"), Some(400)),
                CALL,
                "ExpiredToken: The security token included in the request is expired",
            ))
        };
        let calls = AtomicUsize::new(0);
        let counted = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<(), SourceError>(())
        };
        assert!(
            parts
                .fetch("us-east-1 lag", CALL, t(0), expired())
                .await
                .is_err()
        );
        assert!(
            parts
                .fetch("us-east-1 lag", CALL, t(1), counted())
                .await
                .is_ok(),
            "renewed credentials are used at the next refresh"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_part_that_hangs_times_out_on_its_own() {
        let parts = Parts::default();
        let started = tokio::time::Instant::now();
        let hung = std::future::pending::<Result<(), SourceError>>();
        let err = parts
            .fetch("us-east-1 lag", CALL, t(0), hung)
            .await
            .expect_err("times out");
        assert_eq!(err.kind, SourceErrorKind::Timeout);
        assert_eq!(err.call, CALL);
        assert_eq!(started.elapsed(), PART_DEADLINE);
    }
}
