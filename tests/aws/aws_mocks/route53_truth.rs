//! Route 53 read as Route 53 decides (issue 9: items 1, 8, 9, 10, 11, 12 for health checks).
//! Kept apart from the replica and backup tests.

use super::backup_jobs::backup_client;
use super::route53_checks::*;
use super::*;

use aws_sdk_route53::operation::list_tags_for_resources::ListTagsForResourcesOutput;
use aws_sdk_route53::types::{AliasTarget, ResourceTagSet, Tag};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use ripcord::runbook::act::port::Actions;
use ripcord::source::aws::actions::{AwsActions, Route53Clients};

/// An HTTP client that never answers requests whose path contains `path` (a server that
/// accepts and hangs) and hands every other request to the mocks.
#[derive(Debug, Clone)]
struct HangOn {
    path: &'static str,
    inner: SharedHttpClient,
}

#[derive(Debug)]
struct HangingConnector {
    path: &'static str,
    inner: SharedHttpConnector,
}

impl HttpConnector for HangingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if request.uri().contains(self.path) {
            HttpConnectorFuture::new(std::future::pending())
        } else {
            self.inner.call(request)
        }
    }
}

impl HttpClient for HangOn {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(HangingConnector {
            path: self.path,
            inner: self.inner.http_connector(settings, components),
        })
    }
}

fn hang_on(path: &'static str) -> SharedHttpClient {
    SharedHttpClient::new(HangOn {
        path,
        inner: aws_smithy_mocks::create_mock_http_client(),
    })
}

fn minutes_ago(m: i64) -> DateTime {
    DateTime::from_secs(now().as_second() - m * 60)
}

fn configured(id: &str, config: HealthCheckConfig) -> AwsCheck {
    AwsCheck::builder()
        .id(id)
        .caller_reference(id)
        .health_check_version(1)
        .health_check_config(config)
        .build()
        .expect("valid")
}

fn endpoint(fqdn: &str) -> aws_sdk_route53::types::builders::HealthCheckConfigBuilder {
    HealthCheckConfig::builder()
        .r#type(HealthCheckType::Https)
        .fully_qualified_domain_name(fqdn)
        .port(443)
        .resource_path("/health")
}

fn listing(checks: Vec<AwsCheck>) -> Rule {
    mock!(aws_sdk_route53::Client::list_health_checks).then_output(move || {
        ListHealthChecksOutput::builder()
            .set_health_checks(Some(checks.clone()))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    })
}

fn one_zone() -> Rule {
    mock!(aws_sdk_route53::Client::list_hosted_zones).then_output(|| {
        ListHostedZonesOutput::builder()
            .hosted_zones(
                HostedZone::builder()
                    .id("/hostedzone/Z1")
                    .name("example.com.")
                    .caller_reference("z1")
                    .build()
                    .expect("valid"),
            )
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    })
}

fn records(sets: Vec<ResourceRecordSet>) -> Rule {
    mock!(aws_sdk_route53::Client::list_resource_record_sets).then_output(move || {
        ListResourceRecordSetsOutput::builder()
            .set_resource_record_sets(Some(sets.clone()))
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    })
}

/// Tags of the checks asked for, from `names` (check id, Name tag).
fn tags(names: &'static [(&'static str, &'static str)]) -> Rule {
    mock!(aws_sdk_route53::Client::list_tags_for_resources).then_compute_output(move |req| {
        let sets = req
            .resource_ids()
            .iter()
            .map(|id| {
                let mut set = ResourceTagSet::builder()
                    .resource_id(id)
                    .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
                    .tags(Tag::builder().key("team").value("payments").build());
                if let Some((_, name)) = names.iter().find(|(i, _)| i == id) {
                    set = set.tags(Tag::builder().key("Name").value(*name).build());
                }
                set.build()
            })
            .collect();
        ListTagsForResourcesOutput::builder()
            .set_resource_tag_sets(Some(sets))
            .build()
            .expect("valid")
    })
}

/// Status and healthy-share datapoints from `point` (check id, metric) -> (time, value).
fn metrics(point: fn(&str, &str) -> Option<(DateTime, f64)>) -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        let results = req
            .metric_data_queries()
            .iter()
            .filter_map(|q| {
                let m = q.metric_stat()?.metric()?;
                let check = m.dimensions().first()?.value()?;
                let (at, value) = point(check, m.metric_name()?)?;
                Some(
                    MetricDataResult::builder()
                        .set_id(q.id().map(str::to_string))
                        .timestamps(at)
                        .values(value)
                        .status_code(MetricStatus::Complete)
                        .build(),
                )
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    })
}

fn healthy_now(_: &str, metric: &str) -> Option<(DateTime, f64)> {
    Some((
        minutes_ago(1),
        if metric == "HealthCheckStatus" {
            1.0
        } else {
            100.0
        },
    ))
}

fn app_showing(snapshot: ripcord::fleet::Snapshot<Vec<ripcord::fleet::HealthCheck>>) -> App {
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &["us-east-1".to_string()],
        Workloads::default(),
        Refresh::default(),
        Theme::mono(),
        now(),
    );
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: Ok(snapshot),
        }),
        now(),
    );
    app
}

fn verdicts(app: &App) -> BTreeMap<String, (Verdict, String)> {
    app.check_rows()
        .iter()
        .map(|r| (r.check.id.clone(), (r.eval.verdict, r.eval.reason.clone())))
        .collect()
}

async fn read(
    route53: &aws_sdk_route53::Client,
    cloudwatch: &aws_sdk_cloudwatch::Client,
    cache: &route53::GuardCache,
    parts: &Parts,
) -> ripcord::fleet::Snapshot<Vec<ripcord::fleet::HealthCheck>> {
    route53::health_checks(route53, cloudwatch, cache, parts, now())
        .await
        .expect("health checks")
}

#[tokio::test]
async fn an_old_status_datapoint_is_no_recent_status_never_ok() {
    let checks = listing(vec![
        configured("hc-old", endpoint("old.example.com").build().expect("ok")),
        configured("hc-now", endpoint("now.example.com").build().expect("ok")),
    ]);
    // hc-old's metric stopped 20 minutes ago at "healthy".
    let metrics = metrics(|check, metric| {
        let at = if check == "hc-old" {
            minutes_ago(20)
        } else {
            minutes_ago(1)
        };
        Some((
            at,
            if metric == "HealthCheckStatus" {
                1.0
            } else {
                100.0
            },
        ))
    });
    let (zones, recs, tags) = (one_zone(), records(vec![]), tags(&[]));
    let route53_client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &recs, &tags]
    );
    let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let snapshot = read(
        &route53_client,
        &cw,
        &route53::GuardCache::default(),
        &Parts::default(),
    )
    .await;
    let app = app_showing(snapshot);
    let v = verdicts(&app);
    assert_eq!(v["hc-now"].0, Verdict::Ok, "{}", v["hc-now"].1);
    assert_eq!(v["hc-old"].0, Verdict::Unknown, "{}", v["hc-old"].1);
    assert!(v["hc-old"].1.contains("20m old"), "{}", v["hc-old"].1);
}

#[tokio::test(start_paused = true)]
async fn hung_parts_fail_alone_inside_the_feed_deadline_and_keep_their_last_good_value() {
    let checks = listing(vec![configured(
        "hc-east",
        endpoint("api.us-east-1.example.com").build().expect("ok"),
    )]);
    let zones = one_zone();
    let recs = records(vec![record(
        "api.example.com.",
        "use1",
        ResourceRecordSetFailover::Primary,
        "hc-east",
        "192.0.2.10",
    )]);
    let tags = tags(&[]);
    let metrics = metrics(healthy_now);
    let parts = Parts::default();
    let cache = route53::GuardCache::default();
    // A first refresh where everything answers.
    let route53_ok = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &recs, &tags]
    );
    let cw_ok = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let first = read(&route53_ok, &cw_ok, &cache, &parts).await;
    assert_eq!(first.data[0].status, CheckStatus::Healthy);
    assert_eq!(first.data[0].guards.len(), 1);

    // Then the zone scan and the metrics both hang; the list still answers. Six minutes
    // later the zone scan is due again.
    let later: Timestamp = now() + jiff::SignedDuration::from_secs(360);
    let route53_hung = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &recs, &tags],
        |c| c.http_client(hang_on("/hostedzone"))
    );
    let cw_hung = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics], |c| c
        .http_client(hang_on("/")));
    let second = ripcord::source::with_deadline(
        Duration::from_secs(20),
        "health",
        route53::health_checks(&route53_hung, &cw_hung, &cache, &parts, later),
    )
    .await
    .expect("the feed arrives inside its 20 s deadline, with its hung parts named");
    let failed: Vec<&str> = second.missing.iter().map(|e| e.call.as_str()).collect();
    assert!(
        failed.contains(&"route53:ListResourceRecordSets")
            && failed.contains(&"cloudwatch:GetMetricData"),
        "{failed:?}"
    );
    let check = &second.data[0];
    assert_eq!(
        check.status,
        CheckStatus::Healthy,
        "the last good status is kept (and judged by its own age)"
    );
    assert_eq!(
        check.guards.len(),
        1,
        "the last good failover records are kept"
    );

    // The failed scan is cached like a good one: the next refresh does not scan again.
    let zone_scans = zones.num_calls();
    let third = route53::health_checks(
        &route53_hung,
        &cw_ok,
        &cache,
        &parts,
        later + jiff::SignedDuration::from_secs(30),
    )
    .await
    .expect("health checks");
    assert_eq!(zones.num_calls(), zone_scans, "no new zone scan");
    assert!(
        third
            .missing
            .iter()
            .any(|e| e.call == "route53:ListResourceRecordSets"),
        "the cached failure is still shown: {:?}",
        third.missing
    );
}

#[tokio::test]
async fn every_failed_call_of_a_feed_is_named_on_screen_and_in_status() {
    let checks = listing(vec![configured(
        "hc-east",
        endpoint("api.us-east-1.example.com").build().expect("ok"),
    )]);
    let denied = || {
        HttpResponse::new(
            StatusCode::try_from(403).expect("valid"),
            SdkBody::from(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                     <Message>not authorized</Message></Error></ErrorResponse>",
            ),
        )
    };
    let zones = mock!(aws_sdk_route53::Client::list_hosted_zones).then_http_response(denied);
    let tags = tags(&[]);
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(403).expect("valid"),
            SdkBody::from(r#"{"__type":"AccessDenied","message":"not authorized"}"#),
        )
    });
    let route53_client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &tags]
    );
    let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let snapshot = read(
        &route53_client,
        &cw,
        &route53::GuardCache::default(),
        &Parts::default(),
    )
    .await;
    let app = app_showing(snapshot);
    let (_, error) = app.fleet.health[&None]
        .last_error
        .clone()
        .expect("failures shown");
    let shown = error.to_string();
    assert!(shown.contains("route53:ListHostedZones"), "{shown}");
    assert!(shown.contains("cloudwatch:GetMetricData"), "{shown}");
    let lines = ripcord::ui::widgets::feed_errors(
        std::iter::once((&"global".to_string(), &app.fleet.health[&None])),
        now(),
    );
    assert!(
        lines[0].contains("route53:ListHostedZones")
            && lines[0].contains("cloudwatch:GetMetricData"),
        "{lines:?}"
    );
    let report = ripcord::status::report::report(&app.fleet, None);
    let calls: Vec<&str> = report
        .fetch_errors
        .iter()
        .map(|e| e.call.as_str())
        .collect();
    assert_eq!(
        calls,
        vec!["cloudwatch:GetMetricData", "route53:ListHostedZones"],
        "one entry per failed call"
    );
}

#[tokio::test]
async fn a_backup_feed_that_fails_whole_names_all_three_calls() {
    let denied = || {
        HttpResponse::new(
            StatusCode::try_from(403).expect("valid"),
            SdkBody::from(r#"{"__type":"AccessDeniedException","message":"no"}"#),
        )
    };
    let summaries =
        mock!(aws_sdk_backup::Client::list_backup_job_summaries).then_http_response(denied);
    let jobs = mock!(aws_sdk_backup::Client::list_backup_jobs).then_http_response(denied);
    let protected =
        mock!(aws_sdk_backup::Client::list_protected_resources).then_http_response(denied);
    let vaults = mock!(aws_sdk_backup::Client::list_backup_vaults).then_http_response(denied);
    let client = backup_client(&[&summaries, &jobs, &protected, &vaults]);
    let err = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
        .await
        .expect_err("nothing arrived");
    let shown = err.to_string();
    for call in [
        "backup:ListBackupJobSummaries",
        "backup:ListBackupJobs",
        "backup:List",
    ] {
        assert!(shown.contains(call), "{call} in {shown}");
    }
    assert!(
        shown.matches("backup:").count() >= 3,
        "three failed calls named: {shown}"
    );
}

fn alias_primary() -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name("shop.example.com.")
        .r#type(RrType::A)
        .set_identifier("use1")
        .failover(ResourceRecordSetFailover::Primary)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id("Z35SXDOTRQ7X7K")
                .dns_name("shop-east.us-east-1.elb.amazonaws.com.")
                .evaluate_target_health(true)
                .build()
                .expect("valid"),
        )
        .build()
        .expect("valid")
}

#[tokio::test]
async fn failover_aliases_decided_by_target_health_are_shown_and_never_counted_healthy() {
    let checks = listing(vec![configured(
        "hc-west",
        endpoint("shop.us-west-2.example.com").build().expect("ok"),
    )]);
    let secondary = record(
        "shop.example.com.",
        "usw2",
        ResourceRecordSetFailover::Secondary,
        "hc-west",
        "198.51.100.20",
    );
    let (zones, recs, tags) = (
        one_zone(),
        records(vec![alias_primary(), secondary.clone()]),
        tags(&[]),
    );
    let metrics = metrics(healthy_now);
    let route53_client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &recs, &tags]
    );
    let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let snapshot = read(
        &route53_client,
        &cw,
        &route53::GuardCache::default(),
        &Parts::default(),
    )
    .await;
    let shown = snapshot
        .data
        .iter()
        .find(|c| c.guards.iter().any(|g| g.set_identifier == "use1"))
        .expect("the alias primary is shown");
    let app = app_showing(snapshot.clone());
    let row = app
        .check_rows()
        .into_iter()
        .find(|r| r.check.id == shown.id)
        .expect("a row");
    assert_eq!(row.eval.verdict, Verdict::Unknown);
    assert!(
        row.eval.reason.contains("alias target"),
        "{}",
        row.eval.reason
    );

    // dns-answer-is: the primary cannot be told healthy, so neither can the answer.
    let records_rule = records(vec![alias_primary(), secondary]);
    let actions = AwsActions::from_clients(
        BTreeMap::new(),
        Route53Clients {
            reads: mock_client!(aws_sdk_route53, RuleMode::MatchAny, [&records_rule]),
            changes: idle_route53(),
        },
    );
    let answer = actions
        .dns_answer("Z1", "shop.example.com", "A")
        .await
        .expect_err("cannot tell what Route 53 answers");
    assert!(answer.to_string().contains("alias target"), "{answer}");
}

#[tokio::test]
async fn calculated_inverted_and_disabled_checks_are_read_as_route53_reads_them() {
    let checks = listing(vec![
        configured(
            "hc-calc",
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Calculated)
                .child_health_checks("hc-a")
                .child_health_checks("hc-b")
                .health_threshold(1)
                .build()
                .expect("ok"),
        ),
        configured(
            "hc-off",
            endpoint("off.example.com")
                .disabled(true)
                .build()
                .expect("ok"),
        ),
        configured(
            "hc-inv",
            endpoint("maint.example.com")
                .inverted(true)
                .build()
                .expect("ok"),
        ),
    ]);
    let metrics = metrics(|check, metric| match (check, metric) {
        // A calculated check publishes a status, never a checker share.
        ("hc-calc", "HealthCheckStatus") => Some((minutes_ago(1), 1.0)),
        ("hc-calc", _) => None,
        // Inverted: healthy to Route 53 while every checker sees the endpoint down.
        ("hc-inv", "HealthCheckStatus") => Some((minutes_ago(1), 1.0)),
        ("hc-inv", _) => Some((minutes_ago(1), 0.0)),
        _ => healthy_now(check, metric),
    });
    let detail = mock!(aws_sdk_route53::Client::get_health_check_status).then_output(|| {
        GetHealthCheckStatusOutput::builder()
            .build()
            .expect("valid")
    });
    let (zones, recs, tags) = (one_zone(), records(vec![]), tags(&[]));
    let fleet = AwsFleet::from_clients(
        BTreeMap::new(),
        GlobalClients {
            route53: mock_client!(
                aws_sdk_route53,
                RuleMode::MatchAny,
                [&checks, &zones, &recs, &tags, &detail]
            ),
            health_metrics: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
        },
    );
    let snapshot = fleet.health_checks().await.expect("health checks");
    let app = app_showing(snapshot);
    let v = verdicts(&app);
    assert_eq!(v["hc-calc"].0, Verdict::Ok, "{}", v["hc-calc"].1);
    assert!(v["hc-calc"].1.contains("calculated"), "{}", v["hc-calc"].1);
    assert_eq!(v["hc-off"].0, Verdict::Warn, "{}", v["hc-off"].1);
    assert!(v["hc-off"].1.contains("disabled"), "{}", v["hc-off"].1);
    assert_eq!(v["hc-inv"].0, Verdict::Ok, "{}", v["hc-inv"].1);
    assert!(v["hc-inv"].1.contains("inverted"), "{}", v["hc-inv"].1);

    let refused = fleet
        .checker_detail("hc-calc")
        .await
        .expect_err("AWS does not answer GetHealthCheckStatus for calculated checks");
    assert!(refused.message.contains("calculated"), "{refused}");
    assert_eq!(detail.num_calls(), 0, "never asked");
}

#[tokio::test]
async fn checks_show_their_name_tag_read_ten_at_a_time() {
    let ids: Vec<String> = (0..12).map(|i| format!("hc-{i:02}")).collect();
    let checks = listing(
        ids.iter()
            .map(|id| {
                configured(
                    id,
                    endpoint(&format!("{id}.example.com")).build().expect("ok"),
                )
            })
            .collect(),
    );
    let tags = tags(&[("hc-03", "checkout API (primary)")]);
    let metrics = metrics(healthy_now);
    let (zones, recs) = (one_zone(), records(vec![]));
    let route53_client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &recs, &tags]
    );
    let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let snapshot = read(
        &route53_client,
        &cw,
        &route53::GuardCache::default(),
        &Parts::default(),
    )
    .await;
    let by_id: BTreeMap<&str, &str> = snapshot
        .data
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(by_id["hc-03"], "checkout API (primary)");
    assert_eq!(
        by_id["hc-04"], "hc-04.example.com",
        "no Name tag: what it probes"
    );
    assert_eq!(tags.num_calls(), 2, "12 checks, 10 a call");
}
