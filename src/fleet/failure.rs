//! Why a fetch failed, in the domain's words: what kind of failure (and so what the operator
//! and the poller's back-off should do), which call, what AWS or the simulator said, and every
//! other call of the same fetch that failed with it. Sources make these; snapshots, the app,
//! `status` and runbook checks read them.

use super::Snapshot;
use std::fmt;

/// Why a fetch failed, sorted by what the operator (and the poller's back-off) should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceErrorKind {
    /// The call did not answer in time; the region may be down.
    Timeout,
    /// Credentials lack a permission; retrying will not help.
    AccessDenied,
    /// The credentials (or the SSO session behind them) have expired: renewing them (`aws sso
    /// login`) fixes it, so the feed keeps trying at its usual pace and picks them up at once.
    CredentialsExpired,
    /// The API asked us to slow down.
    Throttled,
    /// Could not connect at all.
    Unreachable,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    pub kind: SourceErrorKind,
    /// The API call that failed, e.g. `rds:DescribeDBInstances`.
    pub call: String,
    pub message: String,
    /// The request may have reached AWS and been carried out, but no readable answer came
    /// back: it timed out, the connection failed after sending, or the answer could not be
    /// read. For a change this means "it may have happened": read the end state to find out.
    pub may_have_arrived: bool,
    /// Other calls of the same fetch that failed too, each named: a feed whose listing and
    /// metrics both failed says so, not only the first.
    pub also: Vec<SourceError>,
}

impl SourceError {
    pub fn new(kind: SourceErrorKind, call: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            may_have_arrived: kind == SourceErrorKind::Timeout,
            kind,
            call: call.into(),
            message: message.into(),
            also: Vec::new(),
        }
    }

    /// As `new`, for a failure after which the request may have reached AWS (see
    /// `may_have_arrived`).
    pub fn unanswered(
        kind: SourceErrorKind,
        call: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            may_have_arrived: true,
            ..Self::new(kind, call, message)
        }
    }

    /// Whether a change that failed this way may nevertheless have happened, so that its end
    /// state, not this error, decides the outcome. Unknown is not false.
    pub fn may_have_happened(&self) -> bool {
        self.may_have_arrived
    }

    /// How the answer was lost, for a progress line: "timed out", "got no readable answer".
    pub fn lost_answer(&self) -> &'static str {
        if self.kind == SourceErrorKind::Timeout {
            "timed out"
        } else {
            "got no readable answer"
        }
    }

    /// The first of `errors`, carrying the rest; `None` when there are none.
    pub fn all_of(errors: Vec<SourceError>) -> Option<SourceError> {
        let mut flat: Vec<SourceError> = errors.into_iter().flat_map(SourceError::split).collect();
        if flat.is_empty() {
            return None;
        }
        let mut first = flat.remove(0);
        first.also = flat;
        Some(first)
    }

    /// This failure and every other it carries, each on its own.
    pub fn split(self) -> Vec<SourceError> {
        let mut this = self;
        let also = std::mem::take(&mut this.also);
        std::iter::once(this)
            .chain(also.into_iter().flat_map(SourceError::split))
            .collect()
    }

    /// Every failed call, this one first.
    pub fn every(&self) -> Vec<&SourceError> {
        std::iter::once(self)
            .chain(self.also.iter().flat_map(SourceError::every))
            .collect()
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.call, self.message)?;
        for other in &self.also {
            write!(f, "; {other}")?;
        }
        Ok(())
    }
}

impl fmt::Display for SourceErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceErrorKind::Timeout => "timed out",
            SourceErrorKind::AccessDenied => "access denied",
            SourceErrorKind::CredentialsExpired => "credentials expired",
            SourceErrorKind::Throttled => "throttled",
            SourceErrorKind::Unreachable => "unreachable",
            SourceErrorKind::Other => "error",
        })
    }
}

pub type FetchResult<T> = Result<Snapshot<T>, SourceError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(call: &str) -> SourceError {
        SourceError::new(SourceErrorKind::Timeout, call, "no answer")
    }

    #[test]
    fn several_failed_calls_travel_as_one_error_naming_each() {
        assert!(SourceError::all_of(vec![]).is_none());
        let one = SourceError::all_of(vec![failed("a:One")]).expect("one");
        assert_eq!(one.to_string(), "a:One: no answer");
        let all = SourceError::all_of(vec![
            failed("a:One"),
            SourceError::all_of(vec![failed("b:Two"), failed("c:Three")]).expect("two"),
        ])
        .expect("three");
        let calls: Vec<&str> = all.every().iter().map(|e| e.call.as_str()).collect();
        assert_eq!(calls, vec!["a:One", "b:Two", "c:Three"]);
        assert_eq!(
            all.to_string(),
            "a:One: no answer; b:Two: no answer; c:Three: no answer"
        );
        assert_eq!(all.split().len(), 3);
    }
}
