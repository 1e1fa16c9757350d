//! `ripcord audit report RUN`: a run's audit log as a Markdown timeline, the postmortem's raw
//! material and a drill's "measure the RTO" report: each step with who confirmed it and how,
//! when, how long it took, the live values (and their age) the decision was taken on, every
//! interruption, and the total time against the runbook's RTO. A pure function of the file.

use super::model::Record;
use super::read::RunFile;
use crate::fleet::{age_between, format_duration};
use crate::runbook::exec::log::{Confirmation, InDoubtDecision, LogEvent, Seen, requests_text};
use jiff::Timestamp;
use std::fmt::Write;
use std::time::Duration;

/// One step as the report tells it.
#[derive(Debug, Default)]
struct StepStory {
    id: String,
    title: String,
    reached: Option<Timestamp>,
    finished: Option<Timestamp>,
    outcome: String,
    confirmed: Vec<String>,
    seen: Vec<String>,
    measured: Option<Duration>,
    attempts: u32,
}

fn time(t: Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}

fn date_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Markdown table cells must not break the table.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn seen_text(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .map(|s| {
            let mark = match s.holds {
                Some(true) => "✔",
                Some(false) => "✖",
                None => "?",
            };
            let age = s
                .age_ms
                .map(|ms| format!(" ({} old)", format_duration(Duration::from_millis(ms))))
                .unwrap_or_default();
            format!("{mark} {}: {}{age}", s.label, s.detail)
        })
        .collect()
}

fn confirmed_by(record: &Record, how: &Confirmation) -> String {
    format!("{} ({})", record.operator.describe(), how.describe())
}

/// Builds the report from a file `read_run` verified. `rto` is the runbook's, for a run that
/// has not finished (a finished run records its own).
/// With named accounts: each account the run's steps acted in, with the identity its records
/// name (`backup as arn:…`; `PROD` for a production account), in the order first met; `None`
/// when no record names an account.
fn accounts_acted_in(file: &RunFile) -> Option<String> {
    let mut seen: Vec<&super::model::ActedIn> = Vec::new();
    for account in file.records.iter().filter_map(|r| r.account.as_ref()) {
        if !seen.contains(&account) {
            seen.push(account);
        }
    }
    if seen.is_empty() {
        return None;
    }
    Some(
        seen.iter()
            .map(|a| {
                format!(
                    "{}{} as {}",
                    a.name,
                    if a.production { " (PROD)" } else { "" },
                    a.aws.describe()
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    )
}

pub fn markdown(file: &RunFile, rto: Option<Duration>) -> String {
    let mut out = String::new();
    let Some(first) = file.first() else {
        return format!(
            "# Run report\n\n`{}` holds no records.\n",
            file.path.display()
        );
    };
    let Some(last) = file.records.last() else {
        return String::new();
    };
    let title = file
        .records
        .iter()
        .find_map(|r| match &r.event {
            LogEvent::RunStarted { title, .. } => Some(title.clone()),
            _ => None,
        })
        .unwrap_or_else(|| first.runbook.name.clone());
    let mut steps: Vec<StepStory> = Vec::new();
    let mut interruptions: Vec<String> = Vec::new();
    let mut outcome = "UNFINISHED: the run has not ended".to_string();
    let mut end: Option<Timestamp> = None;
    let mut params = String::new();
    let mut rto = rto;
    for r in &file.records {
        let index = r
            .step
            .as_ref()
            .map(|id| match steps.iter().position(|s| s.id == *id) {
                Some(i) => i,
                None => {
                    steps.push(StepStory {
                        id: id.clone(),
                        title: id.clone(),
                        ..StepStory::default()
                    });
                    steps.len() - 1
                }
            });
        let step = index.and_then(|i| steps.get_mut(i));
        match (&r.event, step) {
            (LogEvent::ParamsBound { params: bound }, _) => {
                params = bound
                    .iter()
                    .map(|p| format!("`{}={}`", p.name, p.value))
                    .collect::<Vec<_>>()
                    .join(", ");
            }
            (LogEvent::StepReached { title }, Some(s)) => {
                s.title = title.clone();
                s.reached.get_or_insert(r.at);
            }
            (LogEvent::ItemTicked { item, how }, Some(s)) => {
                s.confirmed.push(confirmed_by(r, how));
                s.seen.push(format!("☑ {item}"));
            }
            (
                LogEvent::GateDecided {
                    holds,
                    readings,
                    goes_to,
                    how,
                },
                Some(s),
            ) => {
                s.confirmed.push(confirmed_by(r, how));
                s.seen.extend(seen_text(readings));
                s.finished = Some(r.at);
                s.outcome = if *holds {
                    format!("gate held → {goes_to}")
                } else {
                    format!("gate did NOT hold → {goes_to}")
                };
            }
            (
                LogEvent::GateOverridden {
                    reason,
                    readings,
                    goes_to,
                },
                Some(s),
            ) => {
                s.seen.extend(seen_text(readings));
                s.finished = Some(r.at);
                s.outcome = format!("gate OVERRIDDEN by the operator → {goes_to}: {reason}");
            }
            (
                LogEvent::Intent {
                    how,
                    readings,
                    attempt,
                    idempotency_token,
                    ..
                },
                Some(s),
            ) => {
                s.confirmed.push(confirmed_by(r, how));
                s.seen.extend(seen_text(readings));
                s.attempts = *attempt;
                s.outcome = "sent; no result recorded (IN DOUBT)".to_string();
                if let Some(token) = idempotency_token {
                    s.seen.push(format!("idempotency token `{token}`"));
                }
            }
            (
                LogEvent::StepDone {
                    summary,
                    measured_secs,
                    aws_ids,
                    requests,
                },
                Some(s),
            ) => {
                s.finished = Some(r.at);
                s.outcome = format!("done: {summary}");
                if !aws_ids.is_empty() {
                    s.outcome.push_str(&format!(" [{}]", aws_ids.join(", ")));
                }
                if let Some(ids) = requests_text(requests) {
                    s.outcome.push_str(&format!(" [{ids}]"));
                }
                s.measured = measured_secs.map(Duration::from_secs);
            }
            (LogEvent::StepFailed { error }, Some(s)) => {
                s.finished = Some(r.at);
                s.outcome = format!("FAILED: {error}");
            }
            (LogEvent::StepSkipped { reason }, Some(s)) => {
                s.finished = Some(r.at);
                s.outcome = format!("skipped: {reason}");
                s.confirmed
                    .push(format!("{} (skip)", r.operator.describe()));
            }
            (
                LogEvent::InDoubtResolved {
                    decision,
                    how,
                    readings,
                },
                Some(s),
            ) => {
                s.confirmed.push(confirmed_by(r, how));
                s.seen.extend(seen_text(readings));
                let what = match decision {
                    InDoubtDecision::AcceptEndState => "end state already held: accepted",
                    InDoubtDecision::RunAgain => "sent again",
                };
                interruptions.push(format!(
                    "{} — step `{}` was in doubt: {what} by {}",
                    time(r.at),
                    s.title,
                    confirmed_by(r, how)
                ));
            }
            (LogEvent::SessionLost { why }, _) => interruptions.push(format!(
                "{} — SESSION LOST ({why}), {}",
                time(r.at),
                r.operator.describe()
            )),
            (
                LogEvent::RunResumed {
                    operator,
                    in_doubt,
                    torn_tail,
                },
                _,
            ) => {
                let mut line = format!(
                    "{} — resumed by {operator} ({})",
                    time(r.at),
                    r.operator.describe()
                );
                if let Some(step) = in_doubt {
                    line.push_str(&format!("; step `{step}` IN DOUBT"));
                }
                if let Some(torn) = torn_tail {
                    line.push_str(&format!("; discarded a torn last line: {torn}"));
                }
                interruptions.push(line);
            }
            (
                LogEvent::RunFinished {
                    elapsed_secs,
                    rto_secs,
                    within_rto,
                },
                _,
            ) => {
                end = Some(r.at);
                rto = Some(Duration::from_secs(*rto_secs));
                outcome = format!(
                    "COMPLETED in {}: {} the RTO",
                    format_duration(Duration::from_secs(*elapsed_secs)),
                    if *within_rto { "within" } else { "MISSED" }
                );
            }
            (LogEvent::RunAborted { reason, .. }, _) => {
                end = Some(r.at);
                outcome = format!("ABORTED: {reason}");
            }
            (
                LogEvent::LateResult {
                    ok,
                    detail,
                    requests,
                },
                Some(s),
            ) => {
                s.outcome = format!(
                    "late result after the abort: {} {detail}",
                    if *ok { "done" } else { "failed" }
                );
                if let Some(ids) = requests_text(requests) {
                    s.outcome.push_str(&format!(" [{ids}]"));
                }
            }
            _ => {}
        }
    }
    let total = age_between(first.at, end.unwrap_or(last.at));
    let _ = writeln!(out, "# Run report: {}\n", cell(&title));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Run | `{}` |", first.run);
    let _ = writeln!(
        out,
        "| Runbook | `{}` (`{}`), SHA-256 `{}` |",
        first.runbook.name, first.runbook.file, first.runbook.sha256
    );
    if !params.is_empty() {
        let _ = writeln!(out, "| Parameters | {} |", cell(&params));
    }
    let _ = writeln!(
        out,
        "| Started | {} by {} |",
        date_time(first.at),
        cell(&first.operator.describe())
    );
    let _ = writeln!(
        out,
        "| AWS identity | {} |",
        cell(&first.operator.aws.describe())
    );
    if let Some(accounts) = accounts_acted_in(file) {
        let _ = writeln!(out, "| Accounts acted in | {} |", cell(&accounts));
    }
    let _ = writeln!(
        out,
        "| Ended | {} |",
        end.map_or("not yet".to_string(), date_time)
    );
    let _ = writeln!(out, "| Outcome | {} |", cell(&outcome));
    let rto_text = match rto {
        Some(rto) => format!(
            "{} against an RTO of {}: {}",
            format_duration(total),
            format_duration(rto),
            if total <= rto { "within" } else { "MISSED" }
        ),
        None => format!("{} so far", format_duration(total)),
    };
    let _ = writeln!(out, "| Total time | {rto_text} |");
    let sealed = match (&file.seal, file.nonce()) {
        (Some(seal), _) => format!("sealed ({}), final", seal.seal.outcome),
        (None, Some(_)) if end.is_some() => {
            "ended but NOT SEALED: check it with `ripcord audit verify`,".to_string()
        }
        (None, Some(_)) => "open (not sealed yet),".to_string(),
        (None, None) => "written before seals,".to_string(),
    };
    let _ = writeln!(
        out,
        "| Audit log | `{}`: {} records, chain verified, {sealed} head `{}` (note it in the incident ticket) |",
        file.path.display(),
        file.records.len(),
        file.head
    );
    let _ = writeln!(out, "\n## Steps\n");
    let _ = writeln!(
        out,
        "| # | Step | Outcome | Reached | Finished | Took | Confirmed by | Values at the decision (age) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for (i, s) in steps.iter().enumerate() {
        let took = match (s.reached, s.finished) {
            (Some(a), Some(b)) => format_duration(age_between(a, b)),
            _ => "—".to_string(),
        };
        let mut confirmed = s.confirmed.clone();
        confirmed.dedup();
        let outcome = if s.outcome.is_empty() {
            "not taken".to_string()
        } else if s.attempts > 1 {
            format!("{} (attempt {})", s.outcome, s.attempts)
        } else {
            s.outcome.clone()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            cell(&s.title),
            cell(&outcome),
            s.reached.map_or("—".to_string(), time),
            s.finished.map_or("—".to_string(), time),
            took,
            cell(&confirmed.join("; ")),
            cell(&s.seen.join("; "))
        );
    }
    let measured: Vec<&StepStory> = steps.iter().filter(|s| s.measured.is_some()).collect();
    if !measured.is_empty() {
        let _ = writeln!(out, "\n## Measured recovery\n");
        for s in measured {
            let m = s.measured.unwrap_or_default();
            let verdict = match rto {
                Some(rto) if m <= rto => format!("within the RTO of {}", format_duration(rto)),
                Some(rto) => format!("OVER the RTO of {}", format_duration(rto)),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "- {}: measured {} — {verdict}",
                s.title,
                format_duration(m)
            );
        }
    }
    if !interruptions.is_empty() {
        let _ = writeln!(out, "\n## Interruptions\n");
        for line in &interruptions {
            let _ = writeln!(out, "- {}", cell(line));
        }
    }
    let _ = writeln!(out, "\n## Timeline (UTC)\n");
    let _ = writeln!(out, "| Time | # | Step | Event | By |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for r in &file.records {
        let title = r
            .step
            .as_ref()
            .and_then(|id| steps.iter().find(|s| s.id == *id))
            .map_or(String::new(), |s| s.title.clone());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            time(r.at),
            r.seq,
            cell(&title),
            cell(&r.event.describe_with_requests()),
            cell(&r.operator.describe())
        );
    }
    out
}
