//! Route 53 health checks.

use super::*;

pub(super) fn check(id: &str, fqdn: &str) -> AwsCheck {
    AwsCheck::builder()
        .id(id)
        .caller_reference(id)
        .health_check_version(1)
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Https)
                .fully_qualified_domain_name(fqdn)
                .port(443)
                .resource_path("/health")
                .build()
                .expect("valid"),
        )
        .build()
        .expect("valid")
}

pub(super) fn record(
    name: &str,
    set: &str,
    role: ResourceRecordSetFailover,
    check: &str,
    ip: &str,
) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .set_identifier(set)
        .failover(role)
        .health_check_id(check)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value(ip).build().expect("valid"))
        .build()
        .expect("valid")
}

#[tokio::test]
async fn health_status_from_one_metric_call_guards_from_the_zones_detail_on_demand() {
    let checks = mock!(aws_sdk_route53::Client::list_health_checks).then_output(|| {
        ListHealthChecksOutput::builder()
            .health_checks(check("hc-east", "api.us-east-1.example.com"))
            .health_checks(check("hc-west", "api.us-west-2.example.com"))
            .health_checks(check("hc-new", "new.example.com"))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    });
    let zones = mock!(aws_sdk_route53::Client::list_hosted_zones).then_output(|| {
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
    });
    // Two pages of records, continued by name, type and identifier.
    let records =
        mock!(aws_sdk_route53::Client::list_resource_record_sets).then_compute_output(|req| {
            match req.start_record_identifier() {
                None => ListResourceRecordSetsOutput::builder()
                    .resource_record_sets(record(
                        "api.example.com.",
                        "use1",
                        ResourceRecordSetFailover::Primary,
                        "hc-east",
                        "192.0.2.10",
                    ))
                    .is_truncated(true)
                    .next_record_name("api.example.com.")
                    .next_record_type(RrType::A)
                    .next_record_identifier("usw2")
                    .max_items(1)
                    .build()
                    .expect("valid"),
                Some(_) => ListResourceRecordSetsOutput::builder()
                    .resource_record_sets(record(
                        "api.example.com.",
                        "usw2",
                        ResourceRecordSetFailover::Secondary,
                        "hc-west",
                        "198.51.100.20",
                    ))
                    .is_truncated(false)
                    .max_items(1)
                    .build()
                    .expect("valid"),
            }
        });
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let at = req.end_time().cloned().expect("end time");
        let results = req
            .metric_data_queries()
            .iter()
            .filter_map(|q| {
                let m = q.metric_stat()?.metric()?;
                let check = m.dimensions().first()?.value()?;
                let value = match (check, m.metric_name()?) {
                    ("hc-east", "HealthCheckStatus") => 1.0,
                    ("hc-east", _) => 100.0,
                    ("hc-west", "HealthCheckStatus") => 0.0,
                    ("hc-west", _) => 12.5,
                    _ => return None,
                };
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
    });
    let detail = mock!(aws_sdk_route53::Client::get_health_check_status)
        .match_requests(|req| req.health_check_id() == Some("hc-west"))
        .then_output(|| {
            let observation = |region: HealthCheckRegion, status: &str| {
                HealthCheckObservation::builder()
                    .region(region)
                    .status_report(
                        StatusReport::builder()
                            .status(status)
                            .checked_time(aws_time(now()))
                            .build(),
                    )
                    .build()
            };
            GetHealthCheckStatusOutput::builder()
                .health_check_observations(observation(
                    HealthCheckRegion::UsEast1,
                    "Success: HTTP Status Code 200, OK",
                ))
                .health_check_observations(observation(
                    HealthCheckRegion::EuWest1,
                    "Failure: Connection timed out",
                ))
                .build()
                .expect("valid")
        });
    let tags = mock!(aws_sdk_route53::Client::list_tags_for_resources).then_output(|| {
        aws_sdk_route53::operation::list_tags_for_resources::ListTagsForResourcesOutput::builder()
            .set_resource_tag_sets(Some(vec![]))
            .build()
            .expect("valid")
    });
    let route53_client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &records, &detail, &tags]
    );
    let metrics_client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let cache = route53::GuardCache::default();
    let parts = Parts::default();
    let snapshot = route53::health_checks(&route53_client, &metrics_client, &cache, &parts, now())
        .await
        .expect("health checks");
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let by_id: BTreeMap<&str, &ripcord::fleet::HealthCheck> =
        snapshot.data.iter().map(|c| (c.id.as_str(), c)).collect();
    assert_eq!(
        metrics.num_calls(),
        1,
        "all checks in one GetMetricData call"
    );
    assert_eq!(by_id["hc-east"].status, CheckStatus::Healthy);
    assert_eq!(by_id["hc-east"].healthy_percent, Some(100.0));
    assert_eq!(by_id["hc-east"].target_region.as_deref(), Some("us-east-1"));
    assert_eq!(by_id["hc-west"].status, CheckStatus::Unhealthy);
    assert_eq!(by_id["hc-west"].healthy_percent, Some(12.5));
    assert_eq!(
        by_id["hc-new"].status,
        CheckStatus::Unknown,
        "no datapoint yet"
    );
    assert_eq!(records.num_calls(), 2, "both pages of records");
    let east_guard = &by_id["hc-east"].guards;
    assert_eq!(east_guard.len(), 1);
    assert_eq!(east_guard[0].role, FailoverRole::Primary);
    assert_eq!(east_guard[0].zone, "example.com");
    assert_eq!(by_id["hc-west"].guards[0].role, FailoverRole::Secondary);
    assert!(by_id["hc-new"].guards.is_empty());
    assert_eq!(detail.num_calls(), 0, "checker detail is never polled");

    // The zones are not read again on the next refresh: failover records change rarely.
    route53::health_checks(&route53_client, &metrics_client, &cache, &parts, now())
        .await
        .expect("again");
    assert_eq!(zones.num_calls(), 1);
    assert_eq!(metrics.num_calls(), 2);

    let observations = route53::checker_detail(&route53_client, "hc-west", now())
        .await
        .expect("detail")
        .data;
    assert_eq!(detail.num_calls(), 1);
    assert_eq!(observations.len(), 2);
    assert!(observations[0].healthy && observations[0].checker_region == "us-east-1");
    assert!(!observations[1].healthy);
    assert_eq!(observations[1].report, "Failure: Connection timed out");
}
