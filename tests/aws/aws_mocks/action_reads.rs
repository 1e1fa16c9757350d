//! The runbook actions' reads meet a truncated XML answer. Their clients are built as
//! `AwsActions::new` builds them (`RegionActionClients::new`, `Route53Clients::new`), from an
//! SDK config whose HTTP client answers every call with a well-framed body cut inside its
//! XML: the SDK's parser would read what arrived as a whole answer (an instance with no
//! status, a record set with no values); the read must fail as unreadable, and a pre-check on
//! it say "cannot tell", never that the record is not there.

use super::*;
use ripcord::clock::Clock;
use ripcord::runbook::act::dispatch::prechecks;
use ripcord::runbook::act::port::Actions;
use ripcord::runbook::lang::vocab::Operation;
use ripcord::source::aws::actions::{AwsActions, RegionActionClients, Route53Clients};

const REGION: &str = "us-west-2";

/// An instance cut after its name: no status, no replication source.
const INSTANCE_CUT: &str = "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
    <DescribeDBInstancesResult><DBInstances><DBInstance>\
    <DBInstanceIdentifier>orders-replica</DBInstanceIdentifier>";

/// A record set cut after its type: no values.
const RECORDS_CUT: &str = "<ListResourceRecordSetsResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">\
    <ResourceRecordSets><ResourceRecordSet><Name>api.example.com.</Name><Type>TXT</Type>";

/// Answers every call with HTTP 200 and this body.
#[derive(Debug)]
struct Answers(&'static str);

impl HttpConnector for Answers {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Ok(HttpResponse::new(
            StatusCode::try_from(200).expect("valid"),
            SdkBody::from(self.0),
        )))
    }
}

/// The actions of one account whose every call is answered with `body`.
fn actions_answering(body: &'static str) -> AwsActions {
    let http = http_client_fn(move |_, _| SharedHttpConnector::new(Answers(body)));
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    "AKIDCUT",
                    "not-a-secret",
                    None,
                    None,
                    "cut",
                ),
            ),
        )
        .http_client(http)
        .build();
    AwsActions::from_clients(
        BTreeMap::from([(REGION.to_string(), RegionActionClients::new(&sdk, REGION))]),
        Route53Clients::new(&sdk),
    )
}

fn assert_unreadable<T: std::fmt::Debug>(
    result: &ripcord::runbook::act::port::ActionResult<T>,
    call: &str,
) {
    let Err(e) = result else {
        panic!("a cut answer is no answer: {result:?}");
    };
    assert_eq!(e.kind, SourceErrorKind::Other, "{e}");
    assert_eq!(e.call, call, "{e}");
    assert!(e.message.contains("could not be read"), "{e}");
}

#[tokio::test]
async fn a_truncated_answer_to_an_actions_read_is_cannot_tell() {
    let rds = actions_answering(INSTANCE_CUT);
    assert_unreadable(
        &rds.db_instance(REGION, "orders-replica").await,
        "rds:DescribeDBInstances",
    );

    let route53 = actions_answering(RECORDS_CUT);
    assert_unreadable(
        &route53
            .record_sets("Z0EXAMPLE", "api.example.com.", Some("TXT"))
            .await,
        "route53:ListResourceRecordSets",
    );
    // The pre-check of a record change on that read: cannot tell, not "no record yet".
    let upsert = Operation::UpsertRecord(ripcord::runbook::act::UpsertRecord {
        zone: "Z0EXAMPLE".to_string(),
        name: "api.example.com.".to_string(),
        record_type: "TXT".to_string(),
        value: "v=1".to_string(),
        ttl: 60,
    });
    let checks = prechecks(&upsert, &route53, &Clock::System).await;
    assert_eq!(checks.len(), 1, "{checks:#?}");
    assert_eq!(checks[0].holds, None, "cannot tell: {:#?}", checks[0]);
}
