//! DR readiness per workload: can it meet its RTO and RPO right now, and what proves it.
//!
//! A pure function of what was read (the feeds, the drills found in the audit log, which
//! runbooks serve which workload) and `now`. Every reason carries its evidence and how old it
//! is. A missing or old input is a reason of its own, "cannot tell", and never makes a
//! workload READY: READY needs every reason to be OK.

mod rpo;
mod rto;

use super::{BackupHealth, HealthCheck, Place, Replica, Targets, Verdict, Workloads, age_between};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The verdict on a workload, worst last (so `max()` gives the worst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Readiness {
    Ready,
    AtRisk,
    NotReady,
}

impl Readiness {
    /// CRIT anywhere is NOT READY; WARN or "cannot tell" is AT RISK: what cannot be shown
    /// ready is not ready.
    pub fn of(worst: Verdict) -> Readiness {
        match worst {
            Verdict::Ok => Readiness::Ready,
            Verdict::Unknown | Verdict::Warn => Readiness::AtRisk,
            Verdict::Crit => Readiness::NotReady,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Readiness::Ready => "READY",
            Readiness::AtRisk => "AT RISK",
            Readiness::NotReady => "NOT READY",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Readiness::Ready => "✔",
            Readiness::AtRisk => "▲",
            Readiness::NotReady => "✖",
        }
    }

    pub fn label(self) -> String {
        format!("{} {}", self.symbol(), self.word())
    }

    /// The verdict style a screen shows it in.
    pub fn as_verdict(self) -> Verdict {
        match self {
            Readiness::Ready => Verdict::Ok,
            Readiness::AtRisk => Verdict::Warn,
            Readiness::NotReady => Verdict::Crit,
        }
    }
}

/// Which objective a reason speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Side {
    /// How much data would be lost: replication, recovery points, copies, restore windows.
    Rpo,
    /// How long recovery would take: drills, the failover pair, the DR replica.
    Rto,
}

impl Side {
    pub fn word(self) -> &'static str {
        match self {
            Side::Rpo => "RPO",
            Side::Rto => "RTO",
        }
    }
}

/// One finding about a workload, with what shows it and how old that is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub side: Side,
    /// What it is about: `replica orders-dr-usw2 (us-west-2)`, `drills`, ...
    pub subject: String,
    /// OK, WARN, CRIT, or N/A ("cannot tell").
    pub verdict: Verdict,
    pub text: String,
    /// Where the finding comes from (a datapoint, a listing, an audit run and its head).
    pub evidence: String,
    /// When the evidence is from, when there is a time.
    pub evidence_at: Option<Timestamp>,
    /// Its age at the time of judging, in seconds.
    pub age_seconds: Option<u64>,
}

impl Reason {
    fn new(
        side: Side,
        subject: impl Into<String>,
        verdict: Verdict,
        text: impl Into<String>,
        evidence: impl Into<String>,
        at: Option<Timestamp>,
        now: Timestamp,
    ) -> Reason {
        Reason {
            side,
            subject: subject.into(),
            verdict,
            text: text.into(),
            evidence: evidence.into(),
            evidence_at: at,
            age_seconds: at.map(|t| age_between(t, now).as_secs()),
        }
    }

    /// "cannot tell" where the verdict is N/A, else the verdict's word.
    pub fn verdict_word(&self) -> &'static str {
        if self.verdict == Verdict::Unknown {
            "cannot tell"
        } else {
            self.verdict.word()
        }
    }
}

/// A workload's readiness: its verdict, targets and every reason, worst first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadReadiness {
    pub workload: String,
    pub verdict: Readiness,
    #[serde(skip)]
    pub targets: Targets,
    pub rpo_seconds: u64,
    pub rto_seconds: u64,
    pub backup_rpo_seconds: u64,
    pub drill_every_seconds: Option<u64>,
    pub reasons: Vec<Reason>,
}

impl WorkloadReadiness {
    /// The worst reason: what the one-line summary shows.
    pub fn headline(&self) -> Option<&Reason> {
        self.reasons.first()
    }
}

/// A feed as the judgement sees it: read (when, and whether that is too old now), or never
/// read and why.
#[derive(Debug, Clone)]
pub enum Seen<'a, T> {
    Read {
        data: &'a T,
        fetched_at: Timestamp,
        stale: bool,
        /// The age past which the feed's data is stale: also the bound for a part of it read
        /// earlier than the feed itself (a restore window from a shared listing).
        stale_after: Duration,
    },
    /// Why: the fetch's error, or that none has answered yet.
    NotRead(String),
}

/// What the sources have said, per place (an account's region, or a region of the one
/// account), and the health checks per account (Route 53 is global; `None` is the one
/// account when the config names none).
#[derive(Debug, Clone, Default)]
pub struct Fleet<'a> {
    pub replicas: BTreeMap<Place, Seen<'a, Vec<Replica>>>,
    pub backups: BTreeMap<Place, Seen<'a, BackupHealth>>,
    pub health: BTreeMap<Option<String>, Seen<'a, Vec<HealthCheck>>>,
}

/// How a drill (a runbook run found in the audit log) ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum DrillOutcome {
    Finished {
        #[serde(with = "humantime_serde")]
        elapsed: Duration,
        within_runbook_rto: bool,
    },
    Aborted(String),
    /// Not over: going on, or cut off and resumable.
    Unfinished,
}

/// A runbook run whose file passed `audit verify`: evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drill {
    pub run_id: String,
    pub runbook: String,
    pub started: Timestamp,
    /// When it finished or was aborted.
    pub ended: Option<Timestamp>,
    pub outcome: DrillOutcome,
    /// The recovery time a step measured (a restore job's duration): a restore test.
    #[serde(with = "humantime_serde")]
    pub measured_restore: Option<Duration>,
    /// The chain head (the seal's hash once sealed): what an auditor checks the file against.
    pub head: String,
    pub sealed: bool,
    /// Against what it ran: `the simulator`, or the AWS account and ARN.
    pub against: String,
    /// It ran against the simulator: evidence for the demo's fleet, not for an AWS account.
    pub simulated: bool,
}

/// A run file that is not evidence: it failed `audit verify` or could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotEvidence {
    pub file: String,
    pub why: String,
}

/// The drills in the audit directory, as far as they could be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Drills {
    /// No audit directory: nothing was ever recorded there.
    NoDirectory { dir: String },
    /// The directory could not be listed.
    Unlisted { dir: String, why: String },
    Found {
        dir: String,
        runs: Vec<Drill>,
        not_evidence: Vec<NotEvidence>,
    },
}

impl Drills {
    /// These drills (the audit directory's) with the demo's rehearsals added: drills run
    /// against the simulator by `ripcord demo` itself, from a directory of its own
    /// (`assemble::rehearsal`). Only their runs against the simulator are taken, each named
    /// as a rehearsal; their files that are not evidence are listed with their directory. An
    /// audit directory that could not be listed stays "cannot tell": a rehearsal does not
    /// hide what it may hold.
    pub fn with_rehearsals(&self, rehearsals: &Drills) -> Drills {
        let Drills::Found {
            dir: from,
            runs: rehearsed,
            not_evidence: rehearsed_bad,
        } = rehearsals
        else {
            return self.clone();
        };
        let (dir, mut runs, mut not_evidence) = match self {
            Drills::Unlisted { .. } => return self.clone(),
            Drills::NoDirectory { dir } => (format!("{dir} (none yet)"), Vec::new(), Vec::new()),
            Drills::Found {
                dir,
                runs,
                not_evidence,
            } => (dir.clone(), runs.clone(), not_evidence.clone()),
        };
        runs.extend(rehearsed.iter().filter(|d| d.simulated).map(|d| Drill {
            against: REHEARSED.to_string(),
            ..d.clone()
        }));
        not_evidence.extend(rehearsed_bad.iter().map(|n| NotEvidence {
            file: format!("{from}/{}", n.file),
            why: n.why.clone(),
        }));
        Drills::Found {
            dir: format!("{dir} and the demo's rehearsals in {from}"),
            runs,
            not_evidence,
        }
    }
}

/// What a drill the demo rehearsed ran against, as findings and reports name it.
pub const REHEARSED: &str = "the simulator (the demo's own rehearsal)";

/// A runbook that names the workload it serves in its front matter (`workload:`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Serving {
    pub runbook: String,
    pub workload: String,
}

/// Every workload's readiness at `now`, worst first, then by name.
pub fn judge(
    workloads: &Workloads,
    fleet: &Fleet<'_>,
    drills: &Drills,
    serving: &[Serving],
    now: Timestamp,
) -> Vec<WorkloadReadiness> {
    let mut out: Vec<WorkloadReadiness> = workloads
        .list
        .iter()
        .map(|w| {
            let targets = w.targets();
            let mine = |id: &str| workloads.targets_for(id).workload.as_deref() == Some(&w.name);
            let mut reasons = rpo::reasons(&mine, &targets, workloads, fleet, now);
            reasons.extend(rto::reasons(
                &w.name,
                &mine,
                &targets,
                w.drill_every,
                fleet,
                drills,
                serving,
                now,
            ));
            // Worst first; the RPO side before the RTO side among equals; stable otherwise.
            reasons.sort_by(|a, b| b.verdict.cmp(&a.verdict).then(a.side.cmp(&b.side)));
            let worst = reasons.iter().map(|r| r.verdict).max();
            WorkloadReadiness {
                workload: w.name.clone(),
                // No reason at all is nothing shown ready.
                verdict: worst.map_or(Readiness::AtRisk, Readiness::of),
                rpo_seconds: targets.rpo.as_secs(),
                rto_seconds: targets.rto.as_secs(),
                backup_rpo_seconds: targets.backup_rpo.as_secs(),
                drill_every_seconds: w.drill_every.map(|d| d.as_secs()),
                targets,
                reasons,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then_with(|| a.workload.cmp(&b.workload))
    });
    out
}

/// An OK read from old data is "cannot tell", with its age and what it said; a WARN or CRIT
/// stays (it was true then, and must not be lost), marked old.
fn aged(
    verdict: Verdict,
    text: String,
    fetched_at: Timestamp,
    stale: bool,
    now: Timestamp,
) -> (Verdict, String) {
    if !stale {
        return (verdict, text);
    }
    let age = super::format_duration(age_between(fetched_at, now));
    if verdict == Verdict::Ok {
        (
            Verdict::Unknown,
            format!("cannot tell: no fresh data, it is {age} old; it said then: {text}"),
        )
    } else {
        (verdict, format!("{text} (STALE: {age} old)"))
    }
}

#[cfg(test)]
mod tests;
