//! `ripcord status` for people: one line per workload, then the problems with their reasons,
//! then whatever could not be fetched.

use super::report::{BackupLine, Report};
use crate::fleet::backup::ALL_VAULTS;
use crate::fleet::{Place, Verdict, age_between, format_duration, format_lag};
use std::time::Duration;

fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r >= 0.9995 => "100%".to_string(),
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_string(),
    }
}

/// Lays out rows of cells in columns as wide as their widest cell.
fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect()
}

/// The table for people: one line per workload, then the problems with their reasons, then
/// whatever could not be fetched.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let profile = report
        .profile
        .as_deref()
        .map(|p| format!(" (profile {p})"))
        .unwrap_or_default();
    // The accounts in view, production ones marked in words: a table has no style to lean on.
    let accounts = if report.accounts.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = report
            .accounts
            .iter()
            .map(|a| {
                if a.is_production() {
                    format!("{} (PROD)", a.name)
                } else {
                    a.name.clone()
                }
            })
            .collect();
        format!(" · accounts {}", names.join(", "))
    };
    out.push_str(&format!(
        "ripcord status · {}{profile}{accounts} · {} · {}\n",
        report.source,
        report.regions.join(", "),
        report.generated_at.strftime("%Y-%m-%d %H:%M:%SZ"),
    ));
    let count = |v: Verdict| report.problems.iter().filter(|p| p.verdict == v).count();
    let mut headline = format!(
        "{}  {} crit · {} warn",
        report.overall.label(),
        count(Verdict::Crit),
        count(Verdict::Warn)
    );
    if count(Verdict::Unknown) > 0 {
        headline.push_str(&format!(" · {} n/a", count(Verdict::Unknown)));
    }
    if !report.fetch_errors.is_empty() {
        headline.push_str(&format!(
            " · {} feed{} not fetched",
            report.fetch_errors.len(),
            if report.fetch_errors.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    out.push_str(&headline);
    out.push_str("\n\n");

    let mut rows = vec![
        [
            "WORKLOAD",
            "VERDICT",
            "READINESS",
            "REPLICAS",
            "WORST LAG / RPO",
            "BACKUPS 24H / 7D",
            "OLDEST GOOD POINT / BACKUP RPO",
            "CHECKS FAILING",
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    for w in &report.workloads {
        let lag = w.worst_lag_seconds.map_or_else(
            || "—".to_string(),
            |s| format_lag(Duration::from_secs_f64(s)),
        );
        let oldest = match (w.oldest_recovery_point, w.resources_without_recovery_point) {
            (_, n) if n > 0 => format!("NONE for {n}"),
            (Some(t), _) => format!(
                "{} ago",
                format_duration(age_between(t, report.generated_at))
            ),
            (None, _) => "—".to_string(),
        };
        rows.push(vec![
            w.name
                .clone()
                .unwrap_or_else(|| "(no workload)".to_string()),
            w.verdict.label().to_string(),
            w.readiness.map_or_else(|| "—".to_string(), |r| r.label()),
            w.replicas.to_string(),
            format!(
                "{lag} / {}",
                format_duration(Duration::from_secs(w.rpo_seconds))
            ),
            format!(
                "{} / {}",
                percent(w.backup_success_24h),
                percent(w.backup_success_7d)
            ),
            format!(
                "{oldest} / {}",
                format_duration(Duration::from_secs(w.backup_rpo_seconds))
            ),
            format!("{}/{}", w.failing_health_checks.len(), w.health_checks),
        ]);
    }
    for line in columns(&rows) {
        out.push_str(&line);
        out.push('\n');
    }

    let region_wide: Vec<&BackupLine> = report
        .backups
        .iter()
        .filter(|b| b.vault == ALL_VAULTS)
        .collect();
    if !region_wide.is_empty() {
        out.push_str("\nBACKUPS, WHOLE REGION\n");
        let mut rows = vec![
            ["REGION", "TYPE", "24H", "7D", "14D"]
                .map(str::to_string)
                .to_vec(),
        ];
        for b in region_wide {
            rows.push(vec![
                Place::new(b.account.as_deref(), b.region.clone()).to_string(),
                b.resource_type.clone(),
                percent(b.success_24h),
                percent(b.success_7d),
                percent(b.success_14d),
            ]);
        }
        for line in columns(&rows) {
            out.push_str(&line);
            out.push('\n');
        }
    }

    let not_ready: Vec<Vec<String>> = report
        .readiness
        .iter()
        .filter(|w| w.verdict != crate::fleet::readiness::Readiness::Ready)
        .filter_map(|w| {
            let why = w.headline()?;
            Some(vec![
                w.workload.clone(),
                w.verdict.label(),
                format!("{}: {}", why.subject, why.text),
            ])
        })
        .collect();
    if !not_ready.is_empty() {
        out.push_str("\nREADINESS (the worst reason of each; --json and `ripcord report readiness` have them all)\n");
        for line in columns(&not_ready) {
            out.push_str(&line);
            out.push('\n');
        }
    }

    if !report.problems.is_empty() {
        out.push_str("\nPROBLEMS\n");
        let rows: Vec<Vec<String>> = report
            .problems
            .iter()
            .map(|p| {
                vec![
                    p.verdict.label().to_string(),
                    p.what.clone(),
                    p.reason.clone(),
                ]
            })
            .collect();
        for line in columns(&rows) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if !report.fetch_errors.is_empty() {
        out.push_str("\nNOT FETCHED (the rest is shown; these may hide worse)\n");
        for e in &report.fetch_errors {
            out.push_str(&format!(
                "{} {}: {} — {}: {}\n",
                Place::new(e.account.as_deref(), e.region.clone()),
                e.feed,
                e.kind,
                e.call,
                e.message
            ));
        }
    }
    out
}
