//! The simulated estate: which databases, replicas, vaults and health checks exist.
//! Generated once from the seed and the fleet size; the signals module animates it.

use crate::fleet::{FailoverRecord, FailoverRole, ReplicaKind, Workload};
use std::time::Duration;

pub const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

/// The eight regions Route 53 runs health checkers from.
pub const CHECKER_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// How a replica's lag behaves when nothing is wrong.
#[derive(Debug, Clone)]
pub struct LagProfile {
    /// Typical lag in seconds.
    pub base: f64,
    /// Swing around the base, as a share of it.
    pub swing: f64,
    /// Seconds per full swing.
    pub period: f64,
    /// Occasional spikes: seconds of extra lag at the peak of a spike.
    pub spike: f64,
}

/// What happens to a replica, beyond its lag, while a regional outage is under way: the
/// things a cockpit must not mistake for a healthy replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageRole {
    /// Its lag follows its source, as any replica's does.
    Ordinary,
    /// Its lag metric stopped being published a while before the outage: CloudWatch keeps
    /// answering with the last datapoints it has, older and older.
    MetricStops,
    /// Someone is deleting it.
    Deleted,
    /// Its team promoted it as soon as the outage began, without a runbook, and no backup
    /// plan covers the new primary yet: a database with no recovery point at all.
    PromotedUncovered,
}

/// The regions, engines, vaults and resource types of the estate are a handful of names shared
/// by thousands of databases: `&'static str`, not a `String` each (at 10,000 replicas the
/// allocations were a megabyte or two of the demo's memory).
#[derive(Debug, Clone)]
pub struct SimReplica {
    pub id: String,
    pub region: &'static str,
    pub source_id: String,
    pub source_region: &'static str,
    pub engine: &'static str,
    pub kind: ReplicaKind,
    pub lag: LagProfile,
    pub in_outage: OutageRole,
}

#[derive(Debug, Clone)]
pub struct ProtectedResource {
    pub id: String,
    pub resource_type: &'static str,
    pub region: &'static str,
    pub vault: &'static str,
    /// Hours between scheduled backup jobs.
    pub every_hours: u32,
    /// A resource whose recent jobs keep failing, with the message AWS would give.
    pub chronic_failure: Option<&'static str>,
    /// The region and vault a copy of each recovery point goes to (a backup plan's copy
    /// rule); `None`: the backups stay in the resource's region.
    pub copy_to: Option<(&'static str, &'static str)>,
    /// An RDS instance taking writes: it has a point-in-time-restore window.
    pub point_in_time: bool,
    /// The region its automated backups are replicated to, if any.
    pub backups_replicated_to: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct SimHealthCheck {
    pub id: String,
    pub name: String,
    pub target: String,
    pub target_region: String,
    pub guards: Vec<FailoverRecord>,
    /// Flaps now and then even when no region is down.
    pub flappy: bool,
}

#[derive(Debug, Clone)]
pub struct Estate {
    pub replicas: Vec<SimReplica>,
    pub protected: Vec<ProtectedResource>,
    pub checks: Vec<SimHealthCheck>,
    pub workloads: Vec<Workload>,
}

fn replica(
    id: &str,
    region: &'static str,
    source: &str,
    source_region: &'static str,
    engine: &'static str,
    kind: ReplicaKind,
    lag: LagProfile,
) -> SimReplica {
    SimReplica {
        id: id.into(),
        region,
        source_id: source.into(),
        source_region,
        engine,
        kind,
        lag,
        in_outage: OutageRole::Ordinary,
    }
}

fn lag(base: f64, swing: f64, period: f64, spike: f64) -> LagProfile {
    LagProfile {
        base,
        swing,
        period,
        spike,
    }
}

fn protect(
    id: &str,
    resource_type: &'static str,
    region: &'static str,
    vault: &'static str,
    every_hours: u32,
) -> ProtectedResource {
    ProtectedResource {
        id: id.into(),
        resource_type,
        region,
        vault,
        every_hours,
        chronic_failure: None,
        copy_to: None,
        point_in_time: false,
        backups_replicated_to: None,
    }
}

fn failover(name: &str, set: &str, role: FailoverRole, value: &str) -> FailoverRecord {
    FailoverRecord {
        zone: "example.com.".into(),
        name: name.into(),
        record_type: "CNAME".into(),
        set_identifier: set.into(),
        role,
        value: value.into(),
    }
}

fn check(
    id: &str,
    name: &str,
    region: &str,
    path: &str,
    guards: Vec<FailoverRecord>,
    flappy: bool,
) -> SimHealthCheck {
    let host = format!("{name}.{region}.example.com");
    SimHealthCheck {
        id: id.into(),
        name: name.into(),
        target: format!("https://{host}:443{path}"),
        target_region: region.into(),
        guards,
        flappy,
    }
}

fn workload(name: &str, rpo_s: u64, rto_s: u64, backup_rpo_h: u64, resources: &[&str]) -> Workload {
    Workload {
        name: name.into(),
        rpo: Duration::from_secs(rpo_s),
        rto: Duration::from_secs(rto_s),
        backup_rpo: Some(Duration::from_secs(backup_rpo_h * 3600)),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        // Failover exercises quarterly, as the seeds' DR plan has it.
        drill_every: Some(Duration::from_secs(90 * 86_400)),
    }
}

/// The estate the demo shows: the seeds' active-passive shape (primary in us-east-1, DR in
/// us-west-2, a European read replica), an Aurora global database, and `fleet_size` replicas
/// in all (extra ones are generated services, for scale work).
pub fn build(fleet_size: usize) -> Estate {
    use ReplicaKind::{AuroraGlobalSecondary as Global, RdsReadReplica as Rds};
    let (east, west, eu) = (REGIONS[0], REGIONS[1], REGIONS[2]);
    let mut replicas = vec![
        replica(
            "orders-dr-usw2",
            west,
            "orders-primary",
            east,
            "postgres 15.4",
            Rds,
            lag(4.0, 0.5, 420.0, 20.0),
        ),
        SimReplica {
            in_outage: OutageRole::MetricStops,
            ..replica(
                "orders-read-euw1",
                eu,
                "orders-primary",
                east,
                "postgres 15.4",
                Rds,
                lag(9.0, 0.6, 300.0, 45.0),
            )
        },
        replica(
            "orders-read-use1",
            east,
            "orders-primary",
            east,
            "postgres 15.4",
            Rds,
            lag(0.4, 0.5, 120.0, 2.0),
        ),
        replica(
            "billing-usw2",
            west,
            "billing-use1",
            east,
            "aurora-postgresql 15.4",
            Global,
            lag(0.9, 0.4, 240.0, 3.0),
        ),
        SimReplica {
            in_outage: OutageRole::PromotedUncovered,
            ..replica(
                "catalog-dr-usw2",
                west,
                "catalog-primary",
                east,
                "mysql 8.0",
                Rds,
                lag(60.0, 0.7, 360.0, 140.0),
            )
        },
        SimReplica {
            in_outage: OutageRole::Deleted,
            ..replica(
                "sessions-read-euw1",
                eu,
                "sessions-primary",
                eu,
                "mysql 8.0",
                Rds,
                lag(0.6, 0.5, 90.0, 1.0),
            )
        },
    ];
    replicas.truncate(fleet_size);
    for n in replicas.len()..fleet_size {
        let region = REGIONS[1 + n % 2];
        let source = format!("svc{n:04}-primary");
        replicas.push(replica(
            &format!("svc{n:04}-replica-{}", short_region(region)),
            region,
            &source,
            east,
            "postgres 16.2",
            Rds,
            lag(
                2.0 + (n % 7) as f64,
                0.5,
                180.0 + (n % 11) as f64 * 30.0,
                10.0,
            ),
        ));
    }

    let mut protected = vec![
        // Readiness shows three kinds of workload: orders and billing copy their backups to
        // the DR region (billing is ready once drilled; orders has runbooks never drilled);
        // catalog's backups never leave us-east-1.
        ProtectedResource {
            copy_to: Some((west, "dr-usw2")),
            point_in_time: true,
            backups_replicated_to: Some(west),
            ..protect("orders-primary", "RDS", east, "prod-use1", 1)
        },
        ProtectedResource {
            copy_to: Some((west, "dr-usw2")),
            ..protect("billing-use1", "Aurora", east, "prod-use1", 4)
        },
        ProtectedResource {
            point_in_time: true,
            ..protect("catalog-primary", "RDS", east, "prod-use1", 12)
        },
        ProtectedResource {
            point_in_time: true,
            ..protect("sessions-primary", "RDS", eu, "prod-euw1", 24)
        },
        protect("sessions-table", "DynamoDB", eu, "prod-euw1", 24),
        protect("vol-0a12-app-data", "EBS", east, "prod-use1", 24),
        protect("fs-uploads", "EFS", east, "prod-use1", 24),
        protect("orders-primary-copy", "RDS", west, "dr-usw2", 1),
        protect("billing-use1-copy", "Aurora", west, "dr-usw2", 4),
        ProtectedResource {
            chronic_failure: Some(
                "Backup job failed: the volume vol-0f9e-reports is in an invalid state (error) and cannot be snapshotted",
            ),
            ..protect("vol-0f9e-reports", "EBS", east, "prod-use1", 24)
        },
    ];
    for n in 6..fleet_size {
        protected.push(protect(
            &format!("svc{n:04}-primary"),
            "RDS",
            east,
            "prod-use1",
            24,
        ));
    }

    let api = "api.example.com.";
    let checks = vec![
        check(
            "hc-api-use1",
            "api",
            east,
            "/health",
            vec![failover(
                api,
                "api-primary",
                FailoverRole::Primary,
                "api.us-east-1.example.com",
            )],
            false,
        ),
        check(
            "hc-api-usw2",
            "api",
            west,
            "/health",
            vec![failover(
                api,
                "api-dr",
                FailoverRole::Secondary,
                "api.us-west-2.example.com",
            )],
            false,
        ),
        check("hc-orders-use1", "orders", east, "/ready", vec![], false),
        check("hc-status-euw1", "status", eu, "/", vec![], true),
    ];

    let workloads = vec![
        workload("orders", 60, 15 * 60, 2, &["orders-*"]),
        workload("billing", 30, 15 * 60, 6, &["billing-*"]),
        workload("catalog", 300, 3600, 26, &["catalog-*"]),
        workload("sessions", 900, 4 * 3600, 26, &["sessions-*"]),
    ];

    Estate {
        replicas,
        protected,
        checks,
        workloads,
    }
}

pub fn short_region(region: &str) -> String {
    let mut parts = region.split('-');
    let (area, dir, n) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    format!("{area}{}{n}", dir.chars().next().unwrap_or('x'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_size_sets_the_replica_count() {
        assert_eq!(build(6).replicas.len(), 6);
        assert_eq!(build(2).replicas.len(), 2);
        let big = build(1200);
        assert_eq!(big.replicas.len(), 1200);
        let mut ids: Vec<_> = big.replicas.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 1200, "replica ids are unique");
    }

    #[test]
    fn short_region_names() {
        assert_eq!(short_region("us-west-2"), "usw2");
        assert_eq!(short_region("eu-west-1"), "euw1");
    }
}
