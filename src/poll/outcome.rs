//! What a fetch came to, as the log tells it. A change of outcome gets one line; the same
//! outcome again (a retry of the same failure, a part that keeps failing) gets none, so the
//! log of a long outage is a few lines, not one a minute.

use crate::app::Fetched;
use crate::source::{SourceError, SourceErrorKind};

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) enum Outcome {
    /// Every part answered.
    #[default]
    Complete,
    /// The fetch failed as a whole, as this kind.
    Failed(SourceErrorKind),
    /// The feed arrived without these parts (the call, and how it failed): e.g. the lag of
    /// listed replicas. Worth a line: the screen says "cannot tell", the log must say why.
    Partial(Vec<(String, SourceErrorKind)>),
}

impl Outcome {
    pub(super) fn of(fetched: &Fetched) -> Self {
        if let Some(e) = fetched.error() {
            return Outcome::Failed(e.kind.clone());
        }
        let missing = missing(fetched);
        if missing.is_empty() {
            Outcome::Complete
        } else {
            Outcome::Partial(
                missing
                    .iter()
                    .map(|e| (e.call.clone(), e.kind.clone()))
                    .collect(),
            )
        }
    }

    /// Writes the line for a change to this outcome; `failures` is the streak of whole
    /// failures that ended with it, if it is `Complete`.
    pub(super) fn log(&self, feed: &str, fetched: &Fetched, failures: u32) {
        match (self, fetched.error()) {
            (Outcome::Failed(kind), Some(e)) => {
                tracing::warn!(target: "ripcord::poll", feed = %feed, kind = %kind, error = %e, "fetch failed");
            }
            (Outcome::Partial(parts), _) => {
                let mut kinds: Vec<String> = parts.iter().map(|(_, k)| k.to_string()).collect();
                kinds.sort();
                kinds.dedup();
                let missing: Vec<String> = missing(fetched).iter().map(|e| e.to_string()).collect();
                tracing::warn!(
                    target: "ripcord::poll",
                    feed = %feed,
                    kind = %kinds.join(", "),
                    missing = %missing.join("; "),
                    "fetched without some parts"
                );
            }
            (Outcome::Complete, _) if failures > 0 => {
                tracing::info!(target: "ripcord::poll", feed = %feed, "recovered after {failures} failures");
            }
            _ => {
                tracing::info!(target: "ripcord::poll", feed = %feed, "recovered: every part answered")
            }
        }
    }
}

fn missing(fetched: &Fetched) -> &[SourceError] {
    match fetched {
        Fetched::Replicas { result, .. } => result.as_ref().map_or(&[], |s| &s.missing),
        Fetched::Backups { result, .. } => result.as_ref().map_or(&[], |s| &s.missing),
        Fetched::Health { result, .. } => result.as_ref().map_or(&[], |s| &s.missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Snapshot;

    fn lag_missing(kind: SourceErrorKind, message: &str) -> Fetched {
        let at = jiff::Timestamp::UNIX_EPOCH;
        Fetched::Replicas {
            place: "us-west-2".to_string().into(),
            result: Ok(
                Snapshot::new(Vec::new(), at).with_missing(vec![SourceError::new(
                    kind,
                    "cloudwatch:GetMetricData",
                    message,
                )]),
            ),
        }
    }

    #[test]
    fn a_part_failing_again_the_same_way_is_the_same_state_and_another_way_is_not() {
        use SourceErrorKind::{AccessDenied, Timeout};
        let first = Outcome::of(&lag_missing(Timeout, "no answer within 15s"));
        assert_eq!(
            first,
            Outcome::Partial(vec![("cloudwatch:GetMetricData".to_string(), Timeout)])
        );
        // The message may differ (the time left); the state is the call and how it failed.
        assert_eq!(
            first,
            Outcome::of(&lag_missing(Timeout, "no answer within 12s"))
        );
        assert_ne!(
            first,
            Outcome::of(&lag_missing(AccessDenied, "not authorized"))
        );
        assert_ne!(first, Outcome::Complete);
    }
}
