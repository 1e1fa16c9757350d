//! Faults from AWS, one table: each fault as the SDK meets it (an HTTP answer, a connection
//! that hangs or is refused, a body that cannot be read), then through `App::update`.

use super::*;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use ripcord::app::Pane;
// The read clients carry it (RegionClients::new, GlobalClients::new); so do these.
use ripcord::source::aws::sdk::whole_xml::WholeXml;

pub(super) const DEAD: &str = "us-west-2";
pub(super) const ALIVE: &str = "eu-west-1";

/// An HTTP client that holds every answer back: for ever (`None`, a server that accepts
/// and never replies) or for a while (a slow answer that does arrive).
#[derive(Debug, Clone)]
struct Held {
    by: Option<Duration>,
    inner: SharedHttpClient,
}

#[derive(Debug)]
struct HeldConnector {
    by: Option<Duration>,
    inner: SharedHttpConnector,
}

impl HttpConnector for HeldConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match self.by {
            None => HttpConnectorFuture::new(std::future::pending()),
            Some(by) => {
                let answer = self.inner.call(request);
                HttpConnectorFuture::new(async move {
                    tokio::time::sleep(by).await;
                    answer.await
                })
            }
        }
    }
}

impl HttpClient for Held {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(HeldConnector {
            by: self.by,
            inner: self.inner.http_connector(settings, components),
        })
    }
}

fn held(by: Option<Duration>) -> SharedHttpClient {
    SharedHttpClient::new(Held {
        by,
        inner: aws_smithy_mocks::create_mock_http_client(),
    })
}

/// An RDS (awsquery, XML) error answer.
fn rds_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).expect("valid status"),
        SdkBody::from(format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
        )),
    )
}

fn rds_ok_body(body: &'static str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(200).expect("valid status"),
        SdkBody::from(body),
    )
}

/// DescribeDBInstances over db-0 and db-1, as RDS writes it.
const TWO_REPLICAS: &str = "<DescribeDBInstancesResponse><DescribeDBInstancesResult>\
        <DBInstances>\
        <DBInstance><DBInstanceIdentifier>db-0</DBInstanceIdentifier><Engine>postgres</Engine>\
        <DBInstanceStatus>available</DBInstanceStatus><ReadReplicaSourceDBInstanceIdentifier>\
        arn:aws:rds:us-east-1:123456789012:db:src-0</ReadReplicaSourceDBInstanceIdentifier>\
        </DBInstance>\
        <DBInstance><DBInstanceIdentifier>db-1</DBInstanceIdentifier><Engine>postgres</Engine>\
        <DBInstanceStatus>available</DBInstanceStatus><ReadReplicaSourceDBInstanceIdentifier>\
        arn:aws:rds:us-east-1:123456789012:db:src-1</ReadReplicaSourceDBInstanceIdentifier>\
        </DBInstance>\
        </DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>";

/// How one fault is served to DescribeDBInstances.
enum Serve {
    Http(fn() -> HttpResponse),
    /// The answer comes after this long; `None`: never.
    Held(Option<Duration>),
    /// Nothing listens on the endpoint's port.
    Refused,
}

struct Case {
    name: &'static str,
    serve: Serve,
    /// `None`: the answer arrives and the feed is good.
    kind: Option<SourceErrorKind>,
    /// Words the operator must see in the message.
    says: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "HTTP 500",
            serve: Serve::Http(|| rds_error(500, "InternalFailure", "internal error")),
            kind: Some(SourceErrorKind::Other),
            says: "InternalFailure",
        },
        Case {
            name: "HTTP 503",
            serve: Serve::Http(|| rds_error(503, "ServiceUnavailable", "try later")),
            kind: Some(SourceErrorKind::Other),
            says: "ServiceUnavailable",
        },
        Case {
            name: "throttling",
            serve: Serve::Http(|| rds_error(400, "Throttling", "Rate exceeded")),
            kind: Some(SourceErrorKind::Throttled),
            says: "Rate exceeded",
        },
        Case {
            name: "access denied",
            serve: Serve::Http(|| rds_error(403, "AccessDenied", "not authorized")),
            kind: Some(SourceErrorKind::AccessDenied),
            says: "not authorized",
        },
        Case {
            name: "expired credentials",
            serve: Serve::Http(|| {
                rds_error(
                    403,
                    "ExpiredToken",
                    "The security token included has expired",
                )
            }),
            kind: Some(SourceErrorKind::CredentialsExpired),
            says: "aws sso login",
        },
        Case {
            name: "malformed body",
            serve: Serve::Http(|| rds_ok_body("this is not XML {{{")),
            kind: Some(SourceErrorKind::Other),
            says: "could not be read",
        },
        Case {
            name: "truncated body",
            serve: Serve::Http(|| {
                rds_ok_body(
                    "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances>\
                         <DBInstance><DBInstanceIdentifier>db-0</DBInstanceIdentifier>\
                         <Engine>postgres</Engine><DBInstanceStatus>available</DBInstanceStatus>\
                         <ReadReplicaSourceDBInstanceIdentifier>arn:aws:rds:us-east-1:\
                         123456789012:db:src-0</ReadReplicaSourceDBInstanceIdentifier>\
                         </DBInstance><DBInstance><DBInstanceIdentifier>db-1</DBInstanceIdent",
                )
            }),
            kind: Some(SourceErrorKind::Other),
            says: "could not be read",
        },
        Case {
            name: "no answer (timeout)",
            serve: Serve::Held(None),
            kind: Some(SourceErrorKind::Timeout),
            says: "no answer",
        },
        Case {
            name: "connection refused",
            serve: Serve::Refused,
            kind: Some(SourceErrorKind::Unreachable),
            says: "",
        },
        Case {
            name: "slow but arrives",
            serve: Serve::Held(Some(Duration::from_secs(8))),
            kind: None,
            says: "",
        },
    ]
}

/// A port nothing listens on: bound, then let go.
pub(super) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("address").port()
}

pub(super) fn good_fleet(region: &str, replicas: usize) -> (AwsFleet, Rule, Rule, Rule, Rule) {
    let (instances, globals) = (instances_rule(replicas), no_global_clusters());
    let clusters = no_clusters();
    let metrics = metrics_rule(Arc::new(Mutex::new(Vec::new())));
    let fleet = replicas_fleet(
        region,
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &clusters]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    (fleet, instances, globals, clusters, metrics)
}

/// The dead region's fleet for one fault; the rules are returned to keep them alive.
fn faulty_fleet(serve: &Serve) -> (AwsFleet, Vec<Rule>) {
    let globals = no_global_clusters();
    let clusters = no_clusters();
    let metrics = metrics_rule(Arc::new(Mutex::new(Vec::new())));
    let cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let rds = match serve {
        Serve::Http(answer) => {
            let answer = *answer;
            let fault =
                mock!(aws_sdk_rds::Client::describe_db_instances).then_http_response(answer);
            let client = mock_client!(
                aws_sdk_rds,
                RuleMode::MatchAny,
                [&fault, &globals, &clusters],
                |c| c.interceptor(WholeXml)
            );
            return (
                replicas_fleet(DEAD, client, cloudwatch),
                vec![fault, globals, clusters, metrics],
            );
        }
        Serve::Held(by) => {
            // An HTTP answer, so that it goes through the (held) HTTP client.
            let instances = mock!(aws_sdk_rds::Client::describe_db_instances)
                .then_http_response(|| rds_ok_body(TWO_REPLICAS));
            let by = *by;
            let client = mock_client!(
                aws_sdk_rds,
                RuleMode::MatchAny,
                [&instances, &globals, &clusters],
                |c| c
                    .http_client(held(by))
                    .interceptor(WholeXml)
                    .timeout_config(CallLimits::READS.timeout_config())
                    .retry_config(CallLimits::READS.retry_config())
            );
            return (
                replicas_fleet(DEAD, client, cloudwatch),
                vec![instances, globals, clusters, metrics],
            );
        }
        Serve::Refused => {
            let config = aws_sdk_rds::Config::builder()
                .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
                .region(aws_sdk_rds::config::Region::new(DEAD))
                .credentials_provider(aws_sdk_rds::config::Credentials::new(
                    "AKIDFAULTS",
                    "not-a-secret",
                    None,
                    None,
                    "faults",
                ))
                .endpoint_url(format!("http://127.0.0.1:{}", closed_port()))
                .http_client(ripcord::source::aws::sdk::https_client())
                .retry_config(CallLimits::READS.retry_config())
                .timeout_config(CallLimits::READS.timeout_config())
                .interceptor(WholeXml)
                .build();
            aws_sdk_rds::Client::from_conf(config)
        }
    };
    (
        replicas_fleet(DEAD, rds, cloudwatch),
        vec![globals, metrics],
    )
}

pub(super) fn live_app(at: Timestamp) -> App {
    App::new(
        Mode::Live { profile: None },
        "aws",
        &[DEAD.to_string(), ALIVE.to_string()],
        Workloads::default(),
        Refresh::default(),
        Theme::mono(),
        at,
    )
}

/// One feed fetch as the poller makes it: under a deadline, here longer than the read
/// limits' 20 s so that the SDK's own time limit names the call that hung.
async fn fetch(
    fleet: &AwsFleet,
    region: &str,
) -> ripcord::source::FetchResult<Vec<ripcord::fleet::Replica>> {
    ripcord::source::with_deadline(Duration::from_secs(30), "replicas", fleet.replicas(region))
        .await
}

#[tokio::test(start_paused = true)]
async fn every_fault_keeps_the_last_good_data_stale_with_its_reason_and_other_regions_refresh() {
    for case in cases() {
        // Loopback connections (the refused case) need real time to fail; the others
        // run on paused time so the hung and slow answers take no wall-clock time.
        let (good_dead, _i1, _g1, _c1, _m1) = good_fleet(DEAD, 2);
        let (alive, _i2, _g2, _c2, _m2) = good_fleet(ALIVE, 3);
        let (faulty, _rules) = faulty_fleet(&case.serve);

        let mut app = live_app(Timestamp::now());
        let first = Timestamp::now();
        for (region, fleet) in [(DEAD, &good_dead), (ALIVE, &alive)] {
            let result = fetch(fleet, region).await;
            assert!(result.is_ok(), "{}: the first fetch is good", case.name);
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.to_string().into(),
                    result,
                }),
                first,
            );
        }

        let faulted = fetch(&faulty, DEAD).await;
        match (&case.kind, &faulted) {
            (None, Ok(snapshot)) => {
                assert_eq!(snapshot.data.len(), 2, "{}", case.name);
            }
            (Some(kind), Err(e)) => {
                assert_eq!(&e.kind, kind, "{}: {e}", case.name);
                assert_eq!(e.call, "rds:DescribeDBInstances", "{}", case.name);
                assert!(
                    e.message.contains(case.says),
                    "{}: {:?} should say {:?}",
                    case.name,
                    e.message,
                    case.says
                );
            }
            (want, got) => panic!("{}: wanted {want:?}, got {got:?}", case.name),
        }
        let later = Timestamp::now();
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: DEAD.to_string().into(),
                result: faulted,
            }),
            later,
        );
        if case.kind.is_none() {
            assert!(
                app.stale_feeds().is_empty(),
                "{}: a slow answer that arrives is fresh data: {:?}",
                case.name,
                app.stale_feeds()
            );
        }
        // Two intervals on, the healthy region has refreshed again and the dead one has
        // not: the dead one is stale, the other not.
        let interval = app.fleet.replicas[&Place::from(DEAD)].interval;
        let stale_at = later
            .checked_add(jiff::SignedDuration::try_from(interval * 3).expect("fits"))
            .expect("in range");
        let alive_again = fetch(&alive, ALIVE).await;
        let alive_again = alive_again.map(|mut s| {
            s.fetched_at = stale_at;
            s
        });
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: ALIVE.to_string().into(),
                result: alive_again,
            }),
            stale_at,
        );

        let dead_feed = &app.fleet.replicas[&Place::from(DEAD)];
        assert_eq!(
            dead_feed.data().map(Vec::len),
            Some(2),
            "{}: the last good replicas stay on screen",
            case.name
        );
        let stale = app.stale_feeds();
        let alive_feed = &app.fleet.replicas[&Place::from(ALIVE)];
        assert!(alive_feed.last_error.is_none(), "{}", case.name);
        assert!(
            !stale.contains(&(Pane::Replicas, ALIVE.to_string())),
            "{}: the other region keeps refreshing: {stale:?}",
            case.name
        );
        let screen = draw(&app);
        if let Some(kind) = &case.kind {
            let (_, reason) = dead_feed.last_error.as_ref().expect("the reason is kept");
            assert_eq!(&reason.kind, kind, "{}", case.name);
            assert!(
                stale.contains(&(Pane::Replicas, DEAD.to_string())),
                "{}: the failed region is stale: {stale:?}",
                case.name
            );
            // One failed call: "us-west-2: timed out — ..."; several: "us-west-2: 2 calls
            // failed — rds:DescribeDBInstances unreachable, ...".
            let said = format!("{DEAD}: {kind}");
            let among = format!("rds:DescribeDBInstances {kind}");
            assert!(
                screen.contains(&said) || (screen.contains(DEAD) && screen.contains(&among)),
                "{}: the pane names the failure ({said}):\n{screen}",
                case.name
            );
            assert!(
                screen.contains("db-0"),
                "{}: the last good rows are drawn:\n{screen}",
                case.name
            );
        } else {
            assert!(dead_feed.last_error.is_none(), "{}", case.name);
            assert!(
                stale.contains(&(Pane::Replicas, DEAD.to_string())),
                "{}: a slow answer that came is fresh until it is old: {stale:?}",
                case.name
            );
        }
    }
}

/// The whole cockpit at 160x50, as text.
pub(super) fn draw(app: &App) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50)).expect("backend");
    terminal
        .draw(|frame| ripcord::ui::render(app, frame))
        .expect("draws");
    terminal.backend().to_string()
}
