//! What an action or a condition is given (`ActionContext`, a shell step's `Env`) and what it
//! gives back (`Check`s read from live data, an `Outcome`, the `RequestId`s of the changes
//! sent): plain data that the executor (`exec/`) reads and records.

use crate::fleet::SourceError;
use crate::runbook::words::Pin;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// What an action needs to know about the run it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionContext {
    pub run: String,
    pub step: usize,
    pub attempt: u32,
    /// The runbook's RTO, to judge measured recovery times against.
    pub rto: Duration,
    /// Sent with calls that take one (backup:StartRestoreJob), so AWS starts one job for it.
    pub idempotency_token: String,
}

impl ActionContext {
    /// The context of one attempt. The same request retried (after a timeout) reuses its
    /// token, so AWS starts one job; an operator's deliberate retry is a new attempt and gets a
    /// new token; a step sent again after a lost session keeps the token of the attempt that
    /// was in doubt (`with_token`).
    pub fn new(run: &str, step: usize, attempt: u32, rto: Duration) -> Self {
        Self {
            run: run.to_string(),
            step,
            attempt,
            rto,
            idempotency_token: format!("{run}-s{}-a{attempt}", step + 1),
        }
    }

    pub fn with_token(mut self, token: String) -> Self {
        self.idempotency_token = token;
        self
    }

    pub fn idempotency_token(&self) -> &str {
        &self.idempotency_token
    }
}

/// Environment variables for a shell step. Debug output hides secret values, so a job can be
/// logged or printed without leaking them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Env(pub Vec<EnvVar>);

#[derive(Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

impl Env {
    /// `NAME=value` lines as they may be shown: secrets hidden, control characters escaped.
    pub fn shown(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|v| {
                let value = if v.secret {
                    crate::runbook::words::REDACTED.to_string()
                } else {
                    crate::runbook::words::shown(&v.value)
                };
                (v.name.clone(), value)
            })
            .collect()
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.shown()).finish()
    }
}

/// One thing checked against live data, with the value seen and how old it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What must hold: "orders-dr-usw2 is a read replica".
    pub label: String,
    /// `None` when it could not be told (the read failed).
    pub holds: Option<bool>,
    /// The value seen: "lag 3.1s", "status available", or the error.
    pub detail: String,
    /// When the value was observed at the source (a metric's datapoint time, a read's time).
    pub observed_at: Option<Timestamp>,
    /// A value the change must use exactly as read here (`Operation::pinned`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Pin>,
    /// A limit the operator may lift at the step (`o`, with a reason, on the record): the
    /// promotion's lag limit, which a region that does not answer can never let pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub liftable: bool,
}

impl Check {
    pub fn new(label: impl Into<String>, holds: bool, detail: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            holds: Some(holds),
            detail: detail.into(),
            observed_at: None,
            pin: None,
            liftable: false,
        }
    }

    pub fn unknown(label: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            holds: None,
            detail: detail.into(),
            observed_at: None,
            pin: None,
            liftable: false,
        }
    }

    pub fn at(mut self, t: Timestamp) -> Self {
        self.observed_at = Some(t);
        self
    }

    /// Marks the check as a limit the operator may lift (`Check::liftable`).
    pub fn liftable(mut self) -> Self {
        self.liftable = true;
        self
    }

    /// Whether the check stands in the way: it does not hold, or cannot be told.
    pub fn blocks(&self) -> bool {
        self.holds != Some(true)
    }

    pub fn pinning(mut self, pin: Pin) -> Self {
        self.pin = Some(pin);
        self
    }
}

/// How a step that ran ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub summary: String,
    /// A recovery time measured by the step (a restore job's duration).
    pub measured: Option<Duration>,
    /// Identifiers AWS returned for the change, for the audit log: `route53 change C123`,
    /// `backup restore job 42`.
    pub aws_ids: Vec<String>,
    /// The changes the source accepted on the way, with the request ids it knows them by.
    pub requests: Vec<RequestId>,
}

impl Outcome {
    pub fn new(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            measured: None,
            aws_ids: Vec::new(),
            requests: Vec::new(),
        }
    }

    pub fn with_aws_id(mut self, id: String) -> Self {
        self.aws_ids.push(id);
        self
    }
}

/// One accepted change call and the request id the source gave it (for CloudTrail and
/// support cases): `rds:PromoteReadReplica` and `4f1c…`. Written in the audit log with the
/// step's result, and read back from it when a run is resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestId {
    pub call: String,
    pub id: String,
}

/// What a read that failed tells: that it cannot be told, and why.
pub(crate) fn failed(label: &str, e: &SourceError) -> Check {
    Check::unknown(label, format!("could not read: {e}"))
}
