//! The RTO side: the last drill of each runbook serving the workload (from the audit log) and
//! the failover pair its DNS depends on. The DR replica's availability is judged with its lag.

use super::{Drill, DrillOutcome, Drills, Fleet, Reason, Seen, Serving, Side, aged};
use crate::fleet::{
    FailoverRole, HealthCheck, Targets, Verdict, age_between, format_age, format_duration, health,
};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::time::Duration;

#[allow(clippy::too_many_arguments)]
pub(super) fn reasons(
    workload: &str,
    mine: &dyn Fn(&str) -> bool,
    targets: &Targets,
    drill_every: Option<Duration>,
    fleet: &Fleet<'_>,
    drills: &Drills,
    serving: &[Serving],
    now: Timestamp,
) -> Vec<Reason> {
    let mut out = drill_reasons(workload, targets, drill_every, drills, serving, now);
    out.extend(failover_pairs(mine, fleet, now));
    out
}

fn drill_reasons(
    workload: &str,
    targets: &Targets,
    drill_every: Option<Duration>,
    drills: &Drills,
    serving: &[Serving],
    now: Timestamp,
) -> Vec<Reason> {
    let runbooks: Vec<&str> = serving
        .iter()
        .filter(|s| s.workload == workload)
        .map(|s| s.runbook.as_str())
        .collect();
    if runbooks.is_empty() {
        return vec![Reason::new(
            Side::Rto,
            "runbooks",
            Verdict::Warn,
            format!(
                "no runbook serves {workload}: none names it in its front matter (`workload: {workload}`), so no recovery of it can be drilled"
            ),
            "the runbooks ripcord knows (`ripcord runbook list`)",
            None,
            now,
        )];
    }
    let (dir, runs, not_evidence) = match drills {
        Drills::NoDirectory { dir } => {
            return vec![Reason::new(
                Side::Rto,
                "drills",
                Verdict::Warn,
                format!(
                    "never drilled: there is no audit directory ({dir}), so no run of {} was ever recorded here",
                    runbooks.join(", ")
                ),
                format!("no audit directory at {dir}"),
                None,
                now,
            )];
        }
        Drills::Unlisted { dir, why } => {
            return vec![Reason::new(
                Side::Rto,
                "drills",
                Verdict::Unknown,
                format!("cannot tell when it was last drilled: {why}"),
                format!("audit directory {dir}"),
                None,
                now,
            )];
        }
        Drills::Found {
            dir,
            runs,
            not_evidence,
        } => (dir, runs, not_evidence),
    };
    let mut out = Vec::new();
    for bad in not_evidence {
        let stem = std::path::Path::new(&bad.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(runbook) = runbooks.iter().find(|r| stem.starts_with(&format!("{r}-"))) {
            out.push(Reason::new(
                Side::Rto,
                format!("drill of {runbook}"),
                Verdict::Unknown,
                format!(
                    "run file {} is not evidence: it fails `ripcord audit verify` ({})",
                    bad.file, bad.why
                ),
                // A rehearsal's file is named with its own directory already.
                if bad.file.contains('/') {
                    bad.file.clone()
                } else {
                    format!("{dir}/{}", bad.file)
                },
                None,
                now,
            ));
        }
    }
    // The last drill of any runbook serving the workload: the newest evidence that a recovery
    // of it was carried out, and how long that took.
    let last = runs
        .iter()
        .filter(|d| runbooks.contains(&d.runbook.as_str()) && d.outcome != DrillOutcome::Unfinished)
        .max_by_key(|d| d.ended.unwrap_or(d.started));
    out.push(match last {
        None => Reason::new(
            Side::Rto,
            "drills",
            Verdict::Warn,
            format!(
                "never drilled: no finished or aborted run of {} in the audit log",
                runbooks.join(", ")
            ),
            format!("audit directory {dir}"),
            None,
            now,
        ),
        Some(d) => last_drill(d, targets, drill_every, now),
    });
    // The last restore test: a drill that measured a restore (a backup you cannot restore is
    // not a backup), its measured time against the RTO.
    let restored = runs
        .iter()
        .filter(|d| runbooks.contains(&d.runbook.as_str()))
        .filter_map(|d| Some((d, d.measured_restore?)))
        .max_by_key(|(d, _)| d.ended.unwrap_or(d.started));
    if let Some((d, took)) = restored {
        let rto = format_duration(targets.rto);
        let at = d.ended.unwrap_or(d.started);
        let (verdict, text) = if took > targets.rto {
            (
                Verdict::Crit,
                format!(
                    "last restore test {} restored in {}, over the RTO {rto}",
                    format_age(at, now),
                    format_duration(took)
                ),
            )
        } else {
            (
                Verdict::Ok,
                format!(
                    "last restore test {} restored in {}, within the RTO {rto}",
                    format_age(at, now),
                    format_duration(took)
                ),
            )
        };
        out.push(Reason::new(
            Side::Rto,
            format!("restore test ({})", d.runbook),
            verdict,
            text,
            format!("audit run {}, chain head {}", d.run_id, d.head),
            Some(at),
            now,
        ));
    }
    out
}

/// The workload's last drill: how it ended, its measured time against the workload's RTO,
/// and its age against the drill policy.
fn last_drill(
    d: &Drill,
    targets: &Targets,
    drill_every: Option<Duration>,
    now: Timestamp,
) -> Reason {
    let ended = d.ended.unwrap_or(d.started);
    let when = format_age(ended, now);
    let rto = format_duration(targets.rto);
    let seal = if d.sealed { "sealed" } else { "not sealed" };
    let evidence = format!(
        "audit run {} against {}, ended {ended}, chain head {} ({seal})",
        d.run_id, d.against, d.head
    );
    // A drill against the simulator says so in its words, not only in its evidence: it shows
    // how the runbook goes, and proves nothing about an AWS account.
    let last = if d.simulated {
        format!("drilled in the simulator {when}:")
    } else {
        format!("last drill {when}")
    };
    let (verdict, mut text) = match &d.outcome {
        DrillOutcome::Aborted(why) if d.simulated => {
            (Verdict::Crit, format!("{last} aborted: {why}"))
        }
        DrillOutcome::Aborted(why) => (Verdict::Crit, format!("{last} was aborted: {why}")),
        DrillOutcome::Finished { elapsed, .. } if *elapsed > targets.rto => (
            Verdict::Crit,
            format!(
                "{last} took {}, over the RTO {rto}",
                format_duration(*elapsed)
            ),
        ),
        DrillOutcome::Finished { elapsed, .. } => (
            Verdict::Ok,
            format!(
                "{last} took {}, within the RTO {rto}",
                format_duration(*elapsed)
            ),
        ),
        DrillOutcome::Unfinished => (Verdict::Unknown, "the last run has not ended".into()),
    };
    let mut verdict = verdict;
    if let Some(every) = drill_every
        && age_between(ended, now) > every
    {
        verdict = verdict.max(Verdict::Warn);
        text.push_str(&format!(
            "; older than the drill policy (every {})",
            format_duration(every)
        ));
    }
    Reason::new(
        Side::Rto,
        format!("drill of {}", d.runbook),
        verdict,
        text,
        evidence,
        Some(ended),
        now,
    )
}

/// Names a health check is claimed by: its id, its name, the host it probes.
fn claimed(mine: &dyn Fn(&str) -> bool, c: &HealthCheck) -> bool {
    mine(&c.id) || mine(&c.name) || c.probed_host().is_some_and(mine)
}

/// " of account NAME" where accounts are named; nothing for the one account.
fn of_account(account: Option<&str>) -> String {
    account.map_or_else(String::new, |a| format!(" of account {a}"))
}

/// A health check as read, with the account it lives in and when that account's were read.
struct Read<'a> {
    account: Option<&'a str>,
    check: &'a HealthCheck,
    fetched_at: Timestamp,
    stale: bool,
}

/// For each failover record the workload's health checks decide, the check of its
/// SECONDARY: failing over lands there, so it must be healthy. The two checks of a pair may
/// live in different accounts (DNS in an account of its own): the pair is joined across
/// every account in view, and a secondary that may be in an account not read is "cannot
/// tell", never "missing".
fn failover_pairs(mine: &dyn Fn(&str) -> bool, fleet: &Fleet<'_>, now: Timestamp) -> Vec<Reason> {
    let mut out = Vec::new();
    let mut read: Vec<Read<'_>> = Vec::new();
    let mut unread: Vec<(Option<&str>, &str)> = Vec::new();
    for (account, seen) in &fleet.health {
        match seen {
            Seen::NotRead(why) => unread.push((account.as_deref(), why.as_str())),
            Seen::Read {
                data,
                fetched_at,
                stale,
                ..
            } => read.extend(data.iter().map(|check| Read {
                account: account.as_deref(),
                check,
                fetched_at: *fetched_at,
                stale: *stale,
            })),
        }
    }
    for (account, why) in &unread {
        out.push(Reason::new(
            Side::Rto,
            "DNS failover",
            Verdict::Unknown,
            format!(
                "cannot tell: the health checks{} were not read ({why})",
                of_account(*account)
            ),
            format!("no Route 53 answer{}", of_account(*account)),
            None,
            now,
        ));
    }
    // Each record the workload's checks decide, with the first claiming check's read (what
    // dates "no SECONDARY" when there is none).
    let mut records: BTreeMap<&str, &Read<'_>> = BTreeMap::new();
    for r in read.iter().filter(|r| claimed(mine, r.check)) {
        for g in &r.check.guards {
            records.entry(g.name.as_str()).or_insert(r);
        }
    }
    for (record, claiming) in records {
        let shown = record.trim_end_matches('.');
        let subject = format!("DNS failover {shown}");
        let secondary = read.iter().find(|r| {
            r.check
                .guards
                .iter()
                .any(|g| g.name == record && g.role == FailoverRole::Secondary)
        });
        let Some(r) = secondary else {
            if !unread.is_empty() {
                let accounts: Vec<String> = unread
                    .iter()
                    .map(|(a, _)| a.unwrap_or("the one account").to_string())
                    .collect();
                out.push(Reason::new(
                    Side::Rto,
                    subject,
                    Verdict::Unknown,
                    format!(
                        "cannot tell whether {shown} has a SECONDARY to fail over to: none in the accounts read, and the health checks of {} were not read",
                        accounts.join(", ")
                    ),
                    format!(
                        "Route 53 health checks read at {}; none of {}",
                        claiming.fetched_at,
                        accounts.join(", ")
                    ),
                    None,
                    now,
                ));
                continue;
            }
            let (verdict, text) = aged(
                Verdict::Warn,
                format!("{shown} has no health-checked SECONDARY record to fail over to"),
                claiming.fetched_at,
                claiming.stale,
                now,
            );
            out.push(Reason::new(
                Side::Rto,
                subject,
                verdict,
                text,
                format!("Route 53 health checks read at {}", claiming.fetched_at),
                Some(claiming.fetched_at),
                now,
            ));
            continue;
        };
        let c = r.check;
        let eval = health::judge(c, now);
        let text = match eval.verdict {
            Verdict::Ok => format!("secondary {} is healthy: {}", c.name, eval.reason),
            _ => format!("secondary {}: {}", c.name, eval.reason),
        };
        let (verdict, text) = aged(eval.verdict, text, r.fetched_at, r.stale, now);
        let at = c.status_at.unwrap_or(r.fetched_at);
        let account = r
            .account
            .map(|a| format!(" in account {a}"))
            .unwrap_or_default();
        out.push(Reason::new(
            Side::Rto,
            subject,
            verdict,
            text,
            format!(
                "health check {} ({}){account}, status {} at {at}",
                c.id,
                c.target,
                c.status.word()
            ),
            Some(at),
            now,
        ));
    }
    out
}
