//! The RPO side: replication against the RPO, the newest recovery point against the backup
//! RPO, a recovery point in another region (copies), and RDS point-in-time restore.

use super::{Fleet, Reason, Seen, Side, aged};
use crate::fleet::coverage::{self, Read};
use crate::fleet::{
    BackupHealth, NewestPoint, Place, RecoveryPointAge, Replica, Targets, Verdict, Workloads,
    evaluate, format_age, format_duration,
};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// The last segment of an ARN or identifier, so an ARN and a bare name meet.
fn tail(id: &str) -> &str {
    id.rsplit([':', '/']).next().unwrap_or(id)
}

pub(super) fn reasons(
    mine: &dyn Fn(&str) -> bool,
    targets: &Targets,
    workloads: &Workloads,
    fleet: &Fleet<'_>,
    now: Timestamp,
) -> Vec<Reason> {
    let mut out = replicas(mine, targets, workloads, fleet, now);
    out.extend(points_and_copies(mine, targets, workloads, fleet, now));
    out.extend(restore_windows(mine, targets, fleet, now));
    out
}

fn replicas(
    mine: &dyn Fn(&str) -> bool,
    targets: &Targets,
    workloads: &Workloads,
    fleet: &Fleet<'_>,
    now: Timestamp,
) -> Vec<Reason> {
    let mut out = Vec::new();
    for (place, seen) in &fleet.replicas {
        match seen {
            Seen::NotRead(why) => out.push(Reason::new(
                Side::Rpo,
                format!("replicas in {place}"),
                Verdict::Unknown,
                format!("cannot tell: the replicas of {place} were not read ({why})"),
                format!("no answer from {place}"),
                None,
                now,
            )),
            Seen::Read {
                data,
                fetched_at,
                stale,
                ..
            } => {
                for r in data.iter().filter(|r| mine(&r.id)) {
                    out.push(replica(r, targets, workloads, *fetched_at, *stale, now));
                }
            }
        }
    }
    out
}

/// Lag against the RPO, as the replica pane judges it; a replica in another region than its
/// source is the DR replica, and whether it is available is part of the same judgement.
fn replica(
    r: &Replica,
    targets: &Targets,
    workloads: &Workloads,
    fetched_at: Timestamp,
    stale: bool,
    now: Timestamp,
) -> Reason {
    let eval = evaluate::replica(r, targets, &workloads.thresholds, now);
    let (verdict, text) = aged(eval.verdict, eval.reason, fetched_at, stale, now);
    let dr = if r.region != r.source_region {
        "DR replica"
    } else {
        "replica"
    };
    let newest = r.latest_sample();
    let evidence = match newest {
        Some(s) => format!(
            "{} ({}) of {} in {}, state {}; newest lag datapoint at {}",
            r.id,
            r.kind.short(),
            r.source_id,
            r.source_region,
            r.state.short(),
            s.at
        ),
        None => format!(
            "{} of {}, state {}; no lag datapoint; listed at {fetched_at}",
            r.id,
            r.source_id,
            r.state.short()
        ),
    };
    Reason::new(
        Side::Rpo,
        format!("{dr} {} ({})", r.id, r.region),
        verdict,
        text,
        evidence,
        Some(newest.map_or(fetched_at, |s| s.at)),
        now,
    )
}

/// The replica and backup feeds of one account as the coverage join reads them, by region:
/// a database is joined to the backups of its own account, as the backups pane joins them.
type CoverageReads<'a> = (
    BTreeMap<String, Read<'a, [Replica]>>,
    BTreeMap<String, Read<'a, BackupHealth>>,
);

fn coverage_reads<'a>(fleet: &'a Fleet<'a>, account: Option<&str>) -> CoverageReads<'a> {
    let of_account = |place: &Place| place.account.as_deref() == account;
    let replicas = fleet
        .replicas
        .iter()
        .filter(|(place, _)| of_account(place))
        .map(|(place, seen)| {
            let read = match seen {
                Seen::Read { data, .. } => Read::Known(data.as_slice()),
                Seen::NotRead(why) => Read::NotRead(why.as_str()),
            };
            (place.region.clone(), read)
        })
        .collect();
    let backups = fleet
        .backups
        .iter()
        .filter(|(place, _)| of_account(place))
        .map(|(place, seen)| {
            let read = match seen {
                Seen::Read { data, .. } => Read::Known(*data),
                Seen::NotRead(why) => Read::NotRead(why.as_str()),
            };
            (place.region.clone(), read)
        })
        .collect();
    (replicas, backups)
}

/// What the recovery-point listings cannot show (`coverage::uncovered`), account by account,
/// each row with the place whose backups it speaks of.
fn uncovered(fleet: &Fleet<'_>) -> Vec<(Place, RecoveryPointAge)> {
    let accounts: BTreeSet<Option<&str>> = fleet
        .replicas
        .keys()
        .chain(fleet.backups.keys())
        .map(|p| p.account.as_deref())
        .collect();
    let mut out = Vec::new();
    for account in accounts {
        let (replicas, backups) = coverage_reads(fleet, account);
        out.extend(
            coverage::uncovered(&replicas, &backups)
                .into_iter()
                .map(|p| (Place::new(account, p.region.to_string()), p)),
        );
    }
    out
}

fn points_and_copies(
    mine: &dyn Fn(&str) -> bool,
    targets: &Targets,
    workloads: &Workloads,
    fleet: &Fleet<'_>,
    now: Timestamp,
) -> Vec<Reason> {
    let mut out = Vec::new();
    // Vaults that copies land in hold copies, not resources of their own to copy again.
    let copy_vaults: BTreeSet<(String, String)> = fleet
        .backups
        .values()
        .filter_map(|seen| match seen {
            Seen::Read { data, .. } => data.copies.read().ok(),
            Seen::NotRead(_) => None,
        })
        .flatten()
        .map(|c| (c.destination_region.clone(), c.destination_vault.clone()))
        .collect();
    let uncovered = uncovered(fleet);
    let mut any_point = false;
    let mut all_read = true;
    for (place, seen) in &fleet.backups {
        let (health, fetched_at, stale) = match seen {
            Seen::Read {
                data,
                fetched_at,
                stale,
                ..
            } => (*data, *fetched_at, *stale),
            Seen::NotRead(why) => {
                all_read = false;
                out.push(Reason::new(
                    Side::Rpo,
                    format!("backups in {place}"),
                    Verdict::Unknown,
                    format!("cannot tell: the backups of {place} were not read ({why})"),
                    format!("no answer from {place}"),
                    None,
                    now,
                ));
                continue;
            }
        };
        for p in health
            .recovery_points
            .iter()
            .filter(|p| mine(&p.resource_id))
        {
            any_point = true;
            out.push(point(p, targets, workloads, fetched_at, stale, now));
            let is_copy = copy_vaults.contains(&(p.region.to_string(), p.vault.to_string()));
            if !is_copy && p.newest.taken_at().is_some() {
                out.push(copy(p, health, targets, fetched_at, stale, now));
            }
        }
    }
    for (place, p) in uncovered.iter().filter(|(_, p)| mine(&p.resource_id)) {
        any_point = true;
        let fetched_at = match fleet.backups.get(place) {
            Some(Seen::Read { fetched_at, .. }) => *fetched_at,
            _ => now,
        };
        out.push(point(p, targets, workloads, fetched_at, false, now));
    }
    if fleet.backups.is_empty() {
        out.push(Reason::new(
            Side::Rpo,
            "recovery points",
            Verdict::Unknown,
            "cannot tell: no region's backups were read",
            "no AWS Backup answer",
            None,
            now,
        ));
    } else if !any_point && all_read {
        out.push(Reason::new(
            Side::Rpo,
            "recovery points",
            Verdict::Crit,
            "no recovery point of any of its resources in any region read",
            format!(
                "AWS Backup listings of {}",
                fleet
                    .backups
                    .keys()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
            now,
        ));
    }
    out
}

fn point(
    p: &RecoveryPointAge,
    targets: &Targets,
    workloads: &Workloads,
    fetched_at: Timestamp,
    stale: bool,
    now: Timestamp,
) -> Reason {
    let eval = evaluate::recovery_point(p, targets, &workloads.thresholds, now);
    let (verdict, text) = aged(eval.verdict, eval.reason, fetched_at, stale, now);
    let (evidence, at) = match &p.newest {
        NewestPoint::Taken(t) => (
            format!(
                "newest completed recovery point taken at {t}, vault {} ({})",
                p.vault, p.region
            ),
            Some(*t),
        ),
        NewestPoint::None => (
            format!("AWS Backup in {} lists no recovery point", p.region),
            Some(fetched_at),
        ),
        NewestPoint::CannotTell(why) => (why.clone(), None),
    };
    Reason::new(
        Side::Rpo,
        format!("recovery point {} ({})", tail(&p.resource_id), p.region),
        verdict,
        text,
        evidence,
        at,
        now,
    )
}

/// A recovery point of the resource in another region: without one, losing the region loses
/// the backups with it.
fn copy(
    p: &RecoveryPointAge,
    health: &BackupHealth,
    targets: &Targets,
    fetched_at: Timestamp,
    stale: bool,
    now: Timestamp,
) -> Reason {
    let subject = format!("copy of {} out of {}", tail(&p.resource_id), p.region);
    let copies = match health.copies.read() {
        Ok(copies) => copies,
        Err(why) => {
            return Reason::new(
                Side::Rpo,
                subject,
                Verdict::Unknown,
                format!(
                    "cannot tell whether a recovery point exists in another region: the copy jobs of {} were not read ({why})",
                    p.region
                ),
                "no copy-job listing".to_string(),
                None,
                now,
            );
        }
    };
    let newest = copies
        .iter()
        .filter(|c| {
            tail(&c.resource_id) == tail(&p.resource_id) && *c.destination_region != *p.region
        })
        .max_by_key(|c| c.completed_at);
    let Some(c) = newest else {
        let (verdict, text) = aged(
            Verdict::Crit,
            format!(
                "no recovery point in another region: its backups are not copied out of {}",
                p.region
            ),
            fetched_at,
            stale,
            now,
        );
        return Reason::new(
            Side::Rpo,
            subject,
            verdict,
            text,
            format!("AWS Backup copy jobs of {} list none of it", p.region),
            Some(fetched_at),
            now,
        );
    };
    let age = crate::fleet::age_between(c.completed_at, now);
    let shown = format_duration(age);
    let limit = format_duration(targets.backup_rpo);
    let (verdict, text) = if age > targets.backup_rpo {
        (
            Verdict::Warn,
            format!(
                "newest copy in {} is {shown} old, older than the backup RPO {limit}",
                c.destination_region
            ),
        )
    } else {
        (
            Verdict::Ok,
            format!(
                "copied to {} {shown} ago, within the backup RPO {limit}",
                c.destination_region
            ),
        )
    };
    let (verdict, text) = aged(verdict, text, fetched_at, stale, now);
    Reason::new(
        Side::Rpo,
        subject,
        verdict,
        text,
        format!(
            "copy job to vault {} ({}) completed at {}",
            c.destination_vault, c.destination_region, c.completed_at
        ),
        Some(c.completed_at),
        now,
    )
}

/// RDS point-in-time restore: how recent a restore can reach, and automated backups
/// replicated to another region where there are any.
fn restore_windows(
    mine: &dyn Fn(&str) -> bool,
    targets: &Targets,
    fleet: &Fleet<'_>,
    now: Timestamp,
) -> Vec<Reason> {
    let mut out = Vec::new();
    let replicated: Vec<_> = fleet
        .backups
        .values()
        .filter_map(|seen| match seen {
            Seen::Read { data, .. } => data.automated_backups.read().ok(),
            Seen::NotRead(_) => None,
        })
        .flatten()
        .filter(|b| b.held_in != b.db_region && mine(&b.db_id))
        .collect();
    for (place, seen) in &fleet.backups {
        let Seen::Read {
            data,
            stale,
            stale_after,
            ..
        } = seen
        else {
            continue; // said once, with the recovery points
        };
        let windows = match &data.restore_windows {
            crate::fleet::Listing::NotAsked => continue,
            crate::fleet::Listing::Failed(why) => {
                out.push(Reason::new(
                    Side::Rpo,
                    format!("point-in-time restore in {place}"),
                    Verdict::Unknown,
                    format!("cannot tell: the restore windows of {place} were not read ({why})"),
                    "no DescribeDBInstances answer".to_string(),
                    None,
                    now,
                ));
                continue;
            }
            crate::fleet::Listing::Read(list) => list,
        };
        for w in windows.iter().filter(|w| mine(&w.db_id)) {
            // A window is as old as the listing it was read from, which may be older than
            // the backups feed that carries it (the AWS source shares the replicas feed's):
            // it is judged by its own age, against the feed's bound.
            let listed_at = w.listed_at;
            let old = *stale || crate::fleet::age_between(listed_at, now) > *stale_after;
            let subject = format!("point-in-time restore {} ({})", w.db_id, w.region);
            let limit = format_duration(targets.backup_rpo);
            let (verdict, text, evidence, at) = match w.latest_restorable {
                None => (
                    Verdict::Warn,
                    "automated backups are off: no point-in-time restore".to_string(),
                    format!("no LatestRestorableTime, listed at {listed_at}"),
                    Some(listed_at),
                ),
                Some(t) => {
                    let age = crate::fleet::age_between(t, now);
                    let shown = format_duration(age);
                    let verdict = if age > targets.backup_rpo {
                        Verdict::Warn
                    } else {
                        Verdict::Ok
                    };
                    (
                        verdict,
                        format!("restorable to {shown} ago (backup RPO {limit})"),
                        format!("LatestRestorableTime {t}"),
                        Some(t),
                    )
                }
            };
            let (verdict, text) = aged(verdict, text, listed_at, old, now);
            out.push(Reason::new(
                Side::Rpo,
                subject,
                verdict,
                text,
                evidence,
                at,
                now,
            ));
            for b in replicated
                .iter()
                .filter(|b| tail(&b.db_id) == tail(&w.db_id) && b.db_region == w.region)
            {
                let text = match b.latest_restorable {
                    Some(t) => format!(
                        "automated backups replicated to {}, restorable to {}",
                        b.held_in,
                        format_age(t, now)
                    ),
                    None => format!(
                        "automated backups replicated to {}, no restorable time yet",
                        b.held_in
                    ),
                };
                out.push(Reason::new(
                    Side::Rpo,
                    format!("replicated backups of {} in {}", w.db_id, b.held_in),
                    if b.latest_restorable.is_some() {
                        Verdict::Ok
                    } else {
                        Verdict::Warn
                    },
                    text,
                    format!(
                        "DescribeDBInstanceAutomatedBackups in {}: latest {}",
                        b.held_in,
                        b.latest_restorable
                            .map_or_else(|| "none".to_string(), |t| t.to_string())
                    ),
                    b.latest_restorable,
                    now,
                ));
            }
        }
    }
    out
}
