//! Every fetch has a deadline: a region that does not answer is "cannot tell" within one
//! interval, never a screen that waits.

use crate::fleet::failure::{FetchResult, SourceError, SourceErrorKind};
use std::future::Future;
use std::time::Duration;

/// Runs `fetch` with a deadline, turning a missed deadline into a `Timeout` error.
pub async fn with_deadline<T>(
    deadline: Duration,
    call: &str,
    fetch: impl Future<Output = FetchResult<T>>,
) -> FetchResult<T> {
    match tokio::time::timeout(deadline, fetch).await {
        Ok(result) => result,
        Err(_) => Err(SourceError::new(
            SourceErrorKind::Timeout,
            call,
            format!("no answer within {}", humantime::format_duration(deadline)),
        )),
    }
}
