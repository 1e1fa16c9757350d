//! The log through a service's fault table. The product's pollers (`poll::spawn_all`, as the
//! cockpit starts them) fetch one feed from clients that meet each fault of the table in turn,
//! three fetches each, then a good answer, then a denial; the log, written by tracing's fmt
//! layer as `logging::init` writes it (to a writer here rather than a file), must hold one
//! line per change of state and none per retry of the same failure.
//!
//! The denial comes last: a denied part is not asked again for five minutes of the wall
//! clock (`parts::DENIAL_HOLD_SECS`), which a test on the paused tokio clock never reaches.

use super::super::faults::DEAD;
use super::*;
use ripcord::fleet::{
    BackupHealth, CheckerObservation, HealthCheck, HistoryOf, LagHistory, Replica,
};
use ripcord::source::{FetchResult, FleetSource};

/// The longest a fetch may take, as the cockpit caps it.
const MAX_FETCH_DEADLINE: Duration = Duration::from_secs(20);
/// Fetches per phase: the first may change the state, the others are retries.
const FETCHES_PER_PHASE: usize = 3;

/// Everything the fmt layer writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Which feed of the fleet is under test.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Feed {
    Replicas,
    Backups,
    Health,
}

impl Feed {
    /// As the poller names it in the log (`FeedId::name`).
    fn name(self) -> String {
        match self {
            Feed::Replicas => format!("replicas/{DEAD}"),
            Feed::Backups => format!("backups/{DEAD}"),
            Feed::Health => "health".to_string(),
        }
    }

    fn answered(self, fetched: &Fetched) -> bool {
        matches!(
            (self, fetched),
            (Feed::Replicas, Fetched::Replicas { .. })
                | (Feed::Backups, Fetched::Backups { .. })
                | (Feed::Health, Fetched::Health { .. })
        )
    }
}

/// The fleet as the pollers see it: the feed under test answers from the AWS source, the
/// others never do (their pollers' lines name their own feeds and are left aside).
struct OneFeed {
    fleet: AwsFleet,
    feed: Feed,
}

#[async_trait::async_trait]
impl FleetSource for OneFeed {
    fn name(&self) -> &str {
        "aws"
    }
    fn regions(&self) -> Vec<String> {
        vec![DEAD.to_string()]
    }
    async fn replicas(&self, region: &str) -> FetchResult<Vec<Replica>> {
        if self.feed != Feed::Replicas {
            return std::future::pending().await;
        }
        self.fleet.replicas(region).await
    }
    async fn backups(&self, region: &str) -> FetchResult<BackupHealth> {
        if self.feed != Feed::Backups {
            return std::future::pending().await;
        }
        self.fleet.backups(region).await
    }
    async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>> {
        if self.feed != Feed::Health {
            return std::future::pending().await;
        }
        self.fleet.health_checks().await
    }
    async fn checker_detail(&self, _: &str) -> FetchResult<Vec<CheckerObservation>> {
        std::future::pending().await
    }
    async fn lag_history(&self, _: &HistoryOf) -> FetchResult<LagHistory> {
        std::future::pending().await
    }
}

/// What the log must say at a change of state.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    Failed(SourceErrorKind),
    /// The feed arrived without a part: this call failed, this way.
    Partial(&'static str, SourceErrorKind),
    Recovered,
}

/// The phases of the run: every failing case of `table` but the denial, in table order, then
/// `good` (which the log tells as `good_line`), then the denial; and the lines a change of
/// state gives.
fn phases(table: &[Case], good: Fault, good_line: Line) -> (Vec<(&'static str, Fault)>, Vec<Line>) {
    let failing = table.iter().filter(|c| c.kind.is_some());
    let (denied, others): (Vec<&Case>, Vec<&Case>) =
        failing.partition(|c| c.kind == Some(SourceErrorKind::AccessDenied));
    let mut run = Vec::new();
    let mut lines = Vec::new();
    let mut state = Line::Recovered;
    let mut enter = |name, fault, line: Line| {
        run.push((name, fault));
        if line != state {
            lines.push(line.clone());
            state = line;
        }
    };
    let failed = |case: &Case| Line::Failed(case.failure());
    for case in others {
        enter(case.name, case.fault.clone(), failed(case));
    }
    enter("good answer", good, good_line);
    for case in denied {
        enter(case.name, case.fault.clone(), failed(case));
    }
    (run, lines)
}

/// Runs the pollers over `fleet`, whose clients of the service under test meet `switch`,
/// through the phases of `table`, and checks the lines the log holds for `feed`.
async fn one_line_per_change_of_state(
    table: &[Case],
    good: Fault,
    good_line: Line,
    switch: &Arc<Mutex<Fault>>,
    fleet: AwsFleet,
    feed: Feed,
) {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (run, expected) = phases(table, good, good_line);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let _refresh = ripcord::poll::spawn_all(
        Arc::new(OneFeed { fleet, feed }),
        Refresh::default(),
        MAX_FETCH_DEADLINE,
        tx,
        cancel.clone(),
    );
    let mut kinds = Vec::new();
    for (name, fault) in &run {
        // The poller is waiting out its interval (it sent its last answer): the next fetch
        // meets the new fault.
        *switch.lock().expect("not poisoned") = fault.clone();
        let mut seen = 0;
        while seen < FETCHES_PER_PHASE {
            let Some(Event::Fetched(fetched)) = rx.recv().await else {
                continue;
            };
            if feed.answered(&fetched) {
                kinds.push((*name, fetched.error().map(|e| e.kind.clone())));
                seen += 1;
            }
        }
    }
    cancel.cancel();

    let text = String::from_utf8(log.0.lock().expect("not poisoned").clone()).expect("utf-8");
    let field = format!("feed={}", feed.name());
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.split(' ').any(|word| word == field))
        .collect();
    let shown = lines.join("\n");
    assert_eq!(
        lines.len(),
        expected.len(),
        "one line per change of state {expected:?}, none per retry; fetched {kinds:?}:\n{shown}"
    );
    for (line, want) in lines.iter().zip(&expected) {
        match want {
            Line::Failed(kind) => assert!(
                line.contains(&format!("kind={kind} ")),
                "{want:?}: {line}\n{shown}"
            ),
            Line::Partial(call, kind) => assert!(
                line.contains("fetched without some parts")
                    && line.contains(&format!("kind={kind} "))
                    && line.contains(call),
                "{want:?}: {line}\n{shown}"
            ),
            Line::Recovered => assert!(line.contains("recovered"), "{line}\n{shown}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The log through each table: one line per change of state, none per retry (`log`)

/// An idle RDS client: a test that reaches it has called something it should not.
fn idle_rds() -> aws_sdk_rds::Client {
    mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[] as &[&Rule])
}

fn idle_global() -> GlobalClients {
    GlobalClients {
        route53: idle_route53(),
        health_metrics: idle_cloudwatch(),
    }
}

#[tokio::test(start_paused = true)]
async fn the_backup_log_has_one_line_per_change_of_state_not_one_per_retry() {
    let switch = Arc::new(Mutex::new(Fault::Never));
    let faulty = RegionClients::new(
        &faulty_sdk(&Fault::Switch(switch.clone()), DEAD),
        DEAD,
        CallLimits::READS,
    );
    // The readiness parts of the backups feed read RDS: it answers, empty.
    let instances = mock!(aws_sdk_rds::Client::describe_db_instances)
        .then_output(|| DescribeDbInstancesOutput::builder().build());
    let automated = mock!(aws_sdk_rds::Client::describe_db_instance_automated_backups).then_output(
        || {
            aws_sdk_rds::operation::describe_db_instance_automated_backups::DescribeDbInstanceAutomatedBackupsOutput::builder()
                .build()
        },
    );
    let clients = RegionClients {
        rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&instances, &automated]),
        backup: faulty.backup,
        cloudwatch: idle_cloudwatch(),
    };
    let fleet =
        AwsFleet::from_clients(BTreeMap::from([(DEAD.to_string(), clients)]), idle_global());
    // Every listing of the feed, empty: one body answers them all.
    let good = Fault::Http(Arc::new(|| {
        json_body(
            r#"{"BackupJobs":[],"BackupJobSummaries":[],"Results":[],"RecoveryPoints":[],"CopyJobs":[]}"#,
        )
    }));
    one_line_per_change_of_state(
        &backup_cases(),
        good,
        Line::Recovered,
        &switch,
        fleet,
        Feed::Backups,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_route53_log_has_one_line_per_change_of_state_not_one_per_retry() {
    let switch = Arc::new(Mutex::new(Fault::Never));
    let global = GlobalClients::new(
        &faulty_sdk(&Fault::Switch(switch.clone()), "us-east-1"),
        CallLimits::READS,
    );
    let clients = RegionClients {
        rds: idle_rds(),
        backup: idle_backup(),
        cloudwatch: idle_cloudwatch(),
    };
    let fleet = AwsFleet::from_clients(BTreeMap::from([(DEAD.to_string(), clients)]), global);
    // No health checks, no zones: each listing answered by its own (empty) kind.
    let good = Fault::Reply(Arc::new(|request: &HttpRequest| {
        let (root, list) = if request.uri().contains("/hostedzone") {
            ("ListHostedZonesResponse", "HostedZones")
        } else {
            ("ListHealthChecksResponse", "HealthChecks")
        };
        HttpResponse::new(
            status(200),
            SdkBody::from(format!(
                "<{root} xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><{list}></{list}>\
                 <Marker></Marker><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></{root}>"
            )),
        )
    }));
    // The zones (the failover records) are read at most every five minutes of the wall
    // clock (`GUARDS_TTL_SECS`), and their first read failed: until then the feed arrives
    // without them, and the log says so once, where the others say "recovered".
    let zones_held = Line::Partial("route53:ListHostedZones", SourceErrorKind::Other);
    one_line_per_change_of_state(
        &route53_cases(),
        good,
        zones_held,
        &switch,
        fleet,
        Feed::Health,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_lag_log_has_one_line_per_change_of_state_not_one_per_retry() {
    let switch = Arc::new(Mutex::new(Fault::Never));
    let faulty = RegionClients::new(
        &faulty_sdk(&Fault::Switch(switch.clone()), DEAD),
        DEAD,
        CallLimits::READS,
    );
    let (instances, globals, clusters) = (instances_rule(2), no_global_clusters(), no_clusters());
    let fleet = replicas_fleet(
        DEAD,
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &clusters]
        ),
        faulty.cloudwatch,
    );
    // No datapoints: a complete answer that has nothing to say.
    let good = Fault::Http(Arc::new(|| {
        let mut body = vec![0xA1];
        cbor_text(&mut body, "MetricDataResults");
        body.push(0x80);
        with_headers(
            HttpResponse::new(status(200), SdkBody::from(body)),
            &CBOR_HEADERS,
        )
    }));
    one_line_per_change_of_state(
        &cloudwatch_cases(),
        good,
        Line::Recovered,
        &switch,
        fleet,
        Feed::Replicas,
    )
    .await;
}
