//! The fault table of `faults` (RDS) for the other services, each in its own protocol:
//! AWS Backup (REST-JSON), CloudWatch (Smithy RPC v2 CBOR) and Route 53 (REST-XML). Every
//! call of the service under test gets the fault: HTTP 500, HTTP 503, throttling, access
//! denied, expired credentials, a malformed body, a truncated body, a call that never
//! answers, a refused connection; and a slow answer that arrives (the good answer held back,
//! inside the service's deadlines), which is fresh data, never stale. The faulty clients are built as the cockpit builds them
//! (`RegionClients::new`, `GlobalClients::new`: the read limits, the `WholeXml` check), from
//! an SDK config whose HTTP client is the fault. For each fault, through `App::update`: the
//! affected pane keeps its last good data, marked stale (or, for the lag, "cannot tell")
//! with the failed call and why, and the other panes keep refreshing.

use super::backup_jobs::*;
use super::faults::{ALIVE, DEAD, closed_port, live_app};
use super::route53_checks::check;
use super::*;
use aws_sdk_route53::operation::list_tags_for_resources::ListTagsForResourcesOutput;
use ripcord::app::{Fetched, Pane};
use ripcord::fleet::Place;
use ripcord::source::aws::GlobalClients;
use std::sync::atomic::{AtomicBool, Ordering};

mod kit;
mod log;
use kit::*;

// ---------------------------------------------------------------------------------------
// AWS Backup

fn good_backup() -> (aws_sdk_backup::Client, Vec<Rule>) {
    let (summaries, jobs) = (summaries_rule(), jobs_rule());
    let [protected, points, by_resource] = recovery_rules();
    let client = backup_client(&[&summaries, &jobs, &protected, &points, &by_resource]);
    (
        client,
        vec![summaries, jobs, protected, points, by_resource],
    )
}

/// The dead region's Backup client for `case`: built as the cockpit builds it, from an SDK
/// config whose HTTP client is the fault; for the slow answer, the typed mocks' good answers
/// held back, under the read limits. The rules are returned to keep them alive.
fn faulty_backup(case: &Case) -> (aws_sdk_backup::Client, Vec<Rule>) {
    if !matches!(case.fault, Fault::Slow(_)) {
        let clients = RegionClients::new(&faulty_sdk(&case.fault, DEAD), DEAD, CallLimits::READS);
        return (clients.backup, Vec::new());
    }
    let (summaries, jobs) = (summaries_rule(), jobs_rule());
    let [protected, points, by_resource] = recovery_rules();
    let client = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        [&summaries, &jobs, &protected, &points, &by_resource],
        |c| c
            .http_client(armed(&case.fault))
            .timeout_config(CallLimits::READS.timeout_config())
            .retry_config(CallLimits::READS.retry_config())
    );
    (
        client,
        vec![summaries, jobs, protected, points, by_resource],
    )
}

fn backup_cases() -> Vec<Case> {
    cases(
        // A part of up to three calls in a row inside the parts' 15 s.
        Duration::from_secs(4),
        json_error,
        || json_body("this is not JSON {{{"),
        || {
            json_body(
                r#"{"BackupJobs":[{"BackupJobId":"j-1","State":"COMPLETED"},{"BackupJobId":"j-2","Sta"#,
            )
        },
    )
}

#[tokio::test(start_paused = true)]
async fn every_backup_fault_keeps_the_last_good_backups_stale_with_the_reason_and_other_regions_refresh()
 {
    for case in backup_cases() {
        let (good, _rules) = good_backup();
        let parts = Parts::default();
        let t0 = now();
        let mut app = live_app(t0);
        for region in [DEAD, ALIVE] {
            let result = backup::backup_health(&good, region, t0, &parts).await;
            assert!(result.is_ok(), "{}: the first read is good", case.name);
            app.update(
                Event::Fetched(Fetched::Backups {
                    place: region.to_string().into(),
                    result,
                }),
                t0,
            );
        }
        let good_points = app.fleet.backups[&Place::from(DEAD)]
            .data()
            .map(|b| b.recovery_points.len())
            .expect("read");
        assert!(good_points > 0, "the fixture has recovery points");

        let (faulty, _slow_rules) = faulty_backup(&case);
        let t1 = later(t0, jiff::SignedDuration::from_secs(60));
        let asked = tokio::time::Instant::now();
        let faulted = within_deadline(
            "backups",
            backup::backup_health(&faulty, DEAD, t1, &Parts::default()),
        )
        .await;
        if case.kind.is_some() {
            assert_failed_as(&case, &faulted, "backup:");
        } else {
            assert_slow_but_whole(&case, asked, &faulted);
        }
        app.update(
            Event::Fetched(Fetched::Backups {
                place: DEAD.to_string().into(),
                result: faulted,
            }),
            t1,
        );
        if case.kind.is_none() {
            let dead = &app.fleet.backups[&Place::from(DEAD)];
            assert_eq!(
                dead.fetched_at(),
                Some(t1),
                "{}: the slow answer is the data now",
                case.name
            );
            assert_fresh(&case, &app, Pane::Backups, DEAD);
        }
        let stale_at = later(
            t1,
            three_intervals(app.fleet.backups[&Place::from(DEAD)].interval),
        );
        let alive_again = backup::backup_health(&good, ALIVE, stale_at, &parts).await;
        app.update(
            Event::Fetched(Fetched::Backups {
                place: ALIVE.to_string().into(),
                result: alive_again,
            }),
            stale_at,
        );

        let dead = &app.fleet.backups[&Place::from(DEAD)];
        assert_eq!(
            dead.data().map(|b| b.recovery_points.len()),
            Some(good_points),
            "{}: the last good backups stay",
            case.name
        );
        let stale = app.stale_feeds();
        assert!(
            stale.contains(&(Pane::Backups, DEAD.to_string())),
            "{}: the failed region (or the slow one, not read since) is stale: {stale:?}",
            case.name
        );
        assert!(
            !stale.contains(&(Pane::Backups, ALIVE.to_string())),
            "{}: the other region keeps refreshing: {stale:?}",
            case.name
        );
        assert!(
            app.fleet.backups[&Place::from(ALIVE)].last_error.is_none(),
            "{}",
            case.name
        );
        if case.kind.is_some() {
            let (_, reason) = dead.last_error.as_ref().expect("the reason is kept");
            assert_eq!(Some(&reason.kind), case.kind.as_ref(), "{}", case.name);
            assert_shown(&case, &app, DEAD, "daily");
        } else {
            assert!(dead.last_error.is_none(), "{}", case.name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Route 53 (the health checks, a global feed): the replicas of both regions keep refreshing

fn good_route53() -> (
    aws_sdk_route53::Client,
    aws_sdk_cloudwatch::Client,
    Vec<Rule>,
) {
    let checks = mock!(aws_sdk_route53::Client::list_health_checks).then_output(|| {
        ListHealthChecksOutput::builder()
            .health_checks(check("hc-east", "api.us-east-1.example.com"))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    });
    let zones = mock!(aws_sdk_route53::Client::list_hosted_zones).then_output(|| {
        ListHostedZonesOutput::builder()
            .set_hosted_zones(Some(Vec::new()))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    });
    let tags = mock!(aws_sdk_route53::Client::list_tags_for_resources).then_output(|| {
        ListTagsForResourcesOutput::builder()
            .set_resource_tag_sets(Some(Vec::new()))
            .build()
            .expect("valid")
    });
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let at = req.end_time().cloned().expect("end time");
        let results = req
            .metric_data_queries()
            .iter()
            .filter_map(|q| {
                let name = q.metric_stat()?.metric()?.metric_name()?;
                Some(
                    MetricDataResult::builder()
                        .set_id(q.id().map(str::to_string))
                        .timestamps(at)
                        .values(if name == "HealthCheckStatus" {
                            1.0
                        } else {
                            100.0
                        })
                        .status_code(MetricStatus::Complete)
                        .build(),
                )
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    });
    let route53 = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &tags]
    );
    let cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    (route53, cloudwatch, vec![checks, zones, tags, metrics])
}

/// The Route 53 client for `case`: built as the cockpit builds it, from an SDK config whose
/// HTTP client is the fault; for the slow answer, the typed mocks' good answers held back,
/// under the read limits. The rules are returned to keep them alive.
fn faulty_route53(case: &Case) -> (aws_sdk_route53::Client, Vec<Rule>) {
    if !matches!(case.fault, Fault::Slow(_)) {
        let clients = GlobalClients::new(&faulty_sdk(&case.fault, "us-east-1"), CallLimits::READS);
        return (clients.route53, Vec::new());
    }
    let (_, _, rules) = good_route53();
    let client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&rules[0], &rules[1], &rules[2]],
        |c| c
            .http_client(armed(&case.fault))
            .timeout_config(CallLimits::READS.timeout_config())
            .retry_config(CallLimits::READS.retry_config())
    );
    (client, rules)
}

fn route53_cases() -> Vec<Case> {
    cases(
        // The listing inside its 8 s, then the parts side by side inside their 10 s.
        Duration::from_secs(6),
        xml_error,
        || HttpResponse::new(status(200), SdkBody::from("this is not XML {{{")),
        || {
            HttpResponse::new(
                status(200),
                SdkBody::from(
                    "<ListHealthChecksResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">\
                     <HealthChecks><HealthCheck><Id>hc-east</Id><CallerReference>hc-east\
                     </CallerReference><HealthCheckConfig><Type>HTTPS</Type></HealthCheckConfig>\
                     <HealthCheckVersion>1</HealthCheckVersion></HealthCheck><HealthCheck><Id>hc-w",
                ),
            )
        },
    )
}

#[tokio::test(start_paused = true)]
async fn every_route53_fault_keeps_the_last_good_checks_stale_with_the_reason_and_replicas_refresh()
{
    for case in route53_cases() {
        let (route53, cloudwatch, _rules) = good_route53();
        let t0 = Timestamp::now();
        let mut app = live_app(t0);
        let first = route53::health_checks(
            &route53,
            &cloudwatch,
            &route53::GuardCache::default(),
            &Parts::default(),
            t0,
        )
        .await;
        assert!(
            first.is_ok(),
            "{}: the first read is good: {first:?}",
            case.name
        );
        app.update(
            Event::Fetched(Fetched::Health {
                account: None,
                result: first,
            }),
            t0,
        );
        let replicas: Vec<_> = [DEAD, ALIVE]
            .into_iter()
            .map(|region| (region, super::faults::good_fleet(region, 2)))
            .collect();
        for (region, (fleet, ..)) in &replicas {
            let result = fleet.replicas(region).await;
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.to_string().into(),
                    result,
                }),
                t0,
            );
        }

        let (faulty, _slow_rules) = faulty_route53(&case);
        let t1 = later(t0, jiff::SignedDuration::from_secs(60));
        let asked = tokio::time::Instant::now();
        let faulted = within_deadline(
            "health",
            route53::health_checks(
                &faulty,
                &cloudwatch,
                &route53::GuardCache::default(),
                &Parts::default(),
                t1,
            ),
        )
        .await;
        if case.kind.is_some() {
            assert_failed_as(&case, &faulted, "route53:");
        } else {
            assert_slow_but_whole(&case, asked, &faulted);
        }
        app.update(
            Event::Fetched(Fetched::Health {
                account: None,
                result: faulted,
            }),
            t1,
        );
        if case.kind.is_none() {
            assert_eq!(
                app.fleet.health[&None].fetched_at(),
                Some(t1),
                "{}: the slow answer is the data now",
                case.name
            );
            assert_fresh(&case, &app, Pane::Health, "global");
        }
        let stale_at = later(t1, three_intervals(app.fleet.health[&None].interval));
        for (region, (fleet, ..)) in &replicas {
            let result = fleet.replicas(region).await.map(|mut s| {
                s.fetched_at = stale_at;
                s
            });
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.to_string().into(),
                    result,
                }),
                stale_at,
            );
        }

        assert_eq!(
            app.fleet.health[&None].data().map(Vec::len),
            Some(1),
            "{}: the last good checks stay",
            case.name
        );
        let stale = app.stale_feeds();
        assert!(
            stale.contains(&(Pane::Health, "global".to_string())),
            "{}: the checks (failed, or slow and not read since) are stale: {stale:?}",
            case.name
        );
        assert!(
            !stale.iter().any(|(pane, _)| *pane == Pane::Replicas),
            "{}: the replicas keep refreshing: {stale:?}",
            case.name
        );
        let last_error = app.fleet.health[&None].last_error.as_ref();
        if case.kind.is_some() {
            let (_, reason) = last_error.expect("the reason is kept");
            assert_eq!(Some(&reason.kind), case.kind.as_ref(), "{}", case.name);
            assert_shown(&case, &app, "global", "api.us-east-1.example.com");
        } else {
            assert!(last_error.is_none(), "{}", case.name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// CloudWatch (the lag, a part of the replicas feed): the listing stays, the lag is "cannot
// tell" with the last good samples kept as history; the other region keeps its lag

fn cloudwatch_cases() -> Vec<Case> {
    // One GetMetricData call inside the read limits' 10 s and the parts' 15 s.
    cases(
        Duration::from_secs(8),
        cbor_error,
        cbor_malformed,
        cbor_truncated,
    )
}

/// GetMetricData with 7 s of lag for db-0 and db-1 (two series each), a minute ago.
fn seven_seconds() -> GetMetricDataOutput {
    let minute = Timestamp::now().as_second() / 60 * 60 - 60;
    GetMetricDataOutput::builder()
        .set_metric_data_results(Some(
            ["q0", "q1", "q2", "q3"]
                .iter()
                .map(|id| point(minute, 7.0).id(*id).build())
                .collect(),
        ))
        .build()
}

/// A replicas fleet of `region` (db-0, db-1) whose lag answers 7 s, and, when `armed` is
/// given, meets `fault` from the moment it is set.
fn lag_fleet(
    region: &str,
    fault: &Fault,
    armed: Option<&Arc<AtomicBool>>,
) -> (AwsFleet, Vec<Rule>) {
    let (instances, globals, clusters) = (instances_rule(2), no_global_clusters(), no_clusters());
    let lag = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .sequence()
        .output(seven_seconds);
    let lag = match armed {
        // Then an answer that only the unarmed client would hand over: armed, the fault
        // answers instead (the mocks insist that every call meets a rule).
        Some(_) if !matches!(fault, Fault::Slow(_)) => {
            lag.http_response(cbor_malformed).repeatedly().build()
        }
        // The slow answer is the good one, held back.
        _ => lag.repeatedly().build(),
    };
    let armed = armed.cloned().unwrap_or_default();
    let client = Faulty {
        fault: fault.clone(),
        armed: armed.clone(),
    };
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let fleet = replicas_fleet(
        region,
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &clusters]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lag], |c| c
            .http_client(client.clone())
            .endpoint_url(endpoint.clone())
            .timeout_config(CallLimits::READS.timeout_config())
            .retry_config(CallLimits::READS.retry_config())),
    );
    (fleet, vec![instances, globals, clusters, lag])
}

#[tokio::test(start_paused = true)]
async fn every_cloudwatch_fault_keeps_the_last_lag_as_history_cannot_tell_with_the_reason() {
    for case in cloudwatch_cases() {
        let armed = Arc::new(AtomicBool::new(false));
        let (dead, _dead_rules) = lag_fleet(DEAD, &case.fault, Some(&armed));
        let (alive, _alive_rules) = lag_fleet(ALIVE, &case.fault, None);
        let t0 = Timestamp::now();
        let mut app = live_app(t0);
        for (region, fleet) in [(DEAD, &dead), (ALIVE, &alive)] {
            let result = fleet.replicas(region).await;
            let lag = result
                .as_ref()
                .ok()
                .and_then(|s| s.data.first())
                .and_then(|r| r.latest_sample())
                .and_then(|s| s.lag);
            assert_eq!(
                lag,
                Some(Duration::from_secs(7)),
                "{}: the first read is good",
                case.name
            );
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.to_string().into(),
                    result,
                }),
                t0,
            );
        }

        armed.store(true, Ordering::SeqCst);
        let asked = tokio::time::Instant::now();
        let faulted = within_deadline("replicas", dead.replicas(DEAD)).await;
        let snapshot = faulted.as_ref().expect("the listing still arrives");
        assert_eq!(snapshot.data.len(), 2, "{}", case.name);
        if case.kind.is_none() {
            assert_slow_but_whole(&case, asked, &faulted);
            assert_slow_lag_is_the_lag_now(&case, &mut app, faulted);
            continue;
        }
        let failed = snapshot.missing.first().expect("the lag part failed");
        assert_eq!(
            Some(&failed.kind),
            case.kind.as_ref(),
            "{}: {failed}",
            case.name
        );
        assert_eq!(failed.call, "cloudwatch:GetMetricData", "{}", case.name);
        assert!(
            failed.message.contains(case.says),
            "{}: {:?} should say {:?}",
            case.name,
            failed.message,
            case.says
        );
        let db0 = &snapshot.data[0];
        assert_eq!(
            db0.latest_sample().and_then(|s| s.lag),
            Some(Duration::from_secs(7)),
            "{}: the last good samples are kept, as history",
            case.name
        );
        let why = db0.lag_problem.as_deref().unwrap_or_default();
        assert!(
            why.contains("cloudwatch:GetMetricData"),
            "{}: {why}",
            case.name
        );
        let t1 = Timestamp::now();
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: DEAD.to_string().into(),
                result: faulted,
            }),
            t1,
        );
        let alive_again = alive.replicas(ALIVE).await;
        assert!(
            alive_again.as_ref().is_ok_and(|s| s.missing.is_empty()),
            "{}: the other region's lag still answers",
            case.name
        );
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: ALIVE.to_string().into(),
                result: alive_again,
            }),
            t1,
        );

        let report = ripcord::status::report::report(&app.fleet, None);
        let line = |region: &str| {
            report
                .replicas
                .iter()
                .find(|r| r.id == "db-0" && r.region == region)
                .unwrap_or_else(|| panic!("db-0 of {region} listed: {:#?}", report.replicas))
        };
        let dead_line = line(DEAD);
        assert_eq!(
            dead_line.verdict,
            Verdict::Unknown,
            "{}: {}",
            case.name,
            dead_line.reason
        );
        assert!(
            dead_line.reason.contains("cannot tell"),
            "{}: {}",
            case.name,
            dead_line.reason
        );
        assert_eq!(
            dead_line.lag_seconds, None,
            "{}: the old value is not the lag now",
            case.name
        );
        let alive_line = line(ALIVE);
        assert_eq!(alive_line.lag_seconds, Some(7.0), "{}", case.name);
        assert_ne!(alive_line.verdict, Verdict::Unknown, "{}", case.name);
        let (_, reason) = app.fleet.replicas[&Place::from(DEAD)]
            .last_error
            .as_ref()
            .expect("the reason is kept");
        assert_eq!(Some(&reason.kind), case.kind.as_ref(), "{}", case.name);
        assert!(
            app.fleet.replicas[&Place::from(ALIVE)].last_error.is_none(),
            "{}",
            case.name
        );
        assert_shown(&case, &app, DEAD, "db-1");
    }
}

/// The lag that came slowly is the lag now: 7 s, judged, no problem with it, the feed fresh.
fn assert_slow_lag_is_the_lag_now(
    case: &Case,
    app: &mut App,
    arrived: ripcord::source::FetchResult<Vec<ripcord::fleet::Replica>>,
) {
    let db0 = &arrived.as_ref().expect("arrived").data[0];
    assert_eq!(db0.lag_problem, None, "{}", case.name);
    let t1 = Timestamp::now();
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: DEAD.to_string().into(),
            result: arrived,
        }),
        t1,
    );
    assert_fresh(case, app, Pane::Replicas, DEAD);
    let report = ripcord::status::report::report(&app.fleet, None);
    let line = report
        .replicas
        .iter()
        .find(|r| r.id == "db-0" && r.region == DEAD)
        .expect("db-0 listed");
    assert_eq!(
        line.lag_seconds,
        Some(7.0),
        "{}: {}",
        case.name,
        line.reason
    );
    assert_ne!(
        line.verdict,
        Verdict::Unknown,
        "{}: {}",
        case.name,
        line.reason
    );
    assert!(
        app.fleet.replicas[&Place::from(DEAD)].last_error.is_none(),
        "{}",
        case.name
    );
}
