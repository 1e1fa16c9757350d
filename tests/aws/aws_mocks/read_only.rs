//! Read-only mode, counted where AWS would see it: every client of the runbook actions carries
//! an interceptor that counts each call that is not a read (Describe*, List*, Get*).

use super::*;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::ConfigBag;
use crossterm::event::KeyCode;
use ripcord::clock::Clock;
use ripcord::runbook::Library;
use ripcord::source::aws::actions::{
    AwsActions, Changes, Reads, RegionActionClients, Route53Clients,
};

/// The names of the calls made that change something.
#[derive(Debug, Clone, Default)]
struct Changing(Arc<Mutex<Vec<String>>>);

impl Intercept for Changing {
    fn name(&self) -> &'static str {
        "Changing"
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let metadata = cfg
            .load::<Metadata>()
            .expect("every operation names itself");
        let name = metadata.name();
        if !["Describe", "List", "Get"]
            .iter()
            .any(|read| name.starts_with(read))
        {
            self.0
                .lock()
                .expect("not poisoned")
                .push(format!("{}:{name}", metadata.service()));
        }
        Ok(())
    }
}

/// Runbook actions in both regions and Route 53, every client counted by `seen`. The
/// clients have no rules: reads fail, which is fine, since only the count matters.
fn counted_actions(seen: &Changing) -> AwsActions {
    let rds = || {
        mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[] as &[&Rule], |c| c
            .interceptor(seen.clone()))
    };
    let backup = || {
        mock_client!(aws_sdk_backup, RuleMode::MatchAny, &[] as &[&Rule], |c| c
            .interceptor(seen.clone()))
    };
    let cloudwatch = || {
        mock_client!(
            aws_sdk_cloudwatch,
            RuleMode::MatchAny,
            &[] as &[&Rule],
            |c| c.interceptor(seen.clone())
        )
    };
    let route53 = || {
        mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule], |c| c
            .interceptor(seen.clone()))
    };
    let region = || RegionActionClients {
        reads: Reads {
            rds: rds(),
            backup: backup(),
            cloudwatch: cloudwatch(),
        },
        changes: Changes {
            rds: rds(),
            backup: backup(),
        },
    };
    AwsActions::from_clients(
        BTreeMap::from([
            ("us-east-1".to_string(), region()),
            ("us-west-2".to_string(), region()),
        ]),
        Route53Clients {
            reads: route53(),
            changes: route53(),
        },
    )
}

fn read_only_cockpit(actions: Arc<AwsActions>) -> common::driver::Driver {
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &["us-east-1".to_string(), "us-west-2".to_string()],
        Workloads::default(),
        Refresh::default(),
        Theme::mono(),
        Timestamp::now(),
    );
    app.runbooks.library = Library::shipped();
    app.runbooks.actions_available = true;
    app.runbooks.operator = "read-only-test".into();
    app.read_only = true;
    common::driver::Driver::on(app, actions, Clock::manual(Timestamp::now()))
}

/// Enter, y, the typed confirmations' first letters, skip with a reason: the keys that
/// move a run on, pressed several times over.
async fn press_everything(d: &mut common::driver::Driver) {
    for _ in 0..3 {
        for key in [
            KeyCode::Enter,
            KeyCode::Char('y'),
            KeyCode::Char('o'),
            KeyCode::Char('s'),
            KeyCode::Enter,
        ] {
            d.key(key).await;
        }
    }
}

#[tokio::test]
async fn read_only_makes_no_changing_call_whatever_is_pressed() {
    let seen = Changing::default();
    let actions = Arc::new(counted_actions(&seen));

    // The counter counts: one promotion sent straight through the change client.
    let probe = Changing::default();
    let promote = mock!(aws_sdk_rds::Client::promote_read_replica).then_output(|| {
        aws_sdk_rds::operation::promote_read_replica::PromoteReadReplicaOutput::builder().build()
    });
    let _ = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&promote], |c| c
        .interceptor(probe.clone()))
    .promote_read_replica()
    .db_instance_identifier("db-0")
    .send()
    .await;
    assert_eq!(
        *probe.0.lock().expect("not poisoned"),
        vec!["RDS:PromoteReadReplica".to_string()]
    );

    let mut d = read_only_cockpit(actions);
    let names: Vec<String> = d
        .app
        .runbooks
        .library
        .names()
        .into_iter()
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 3, "the shipped runbooks: {names:?}");
    for (n, name) in names.iter().enumerate() {
        // `:run NAME`, with parameters that would do for any of them.
        d.command(&format!(
            "run {name} zone=Z1 primary_check=hc-1 dr_check=hc-2 replica=db-0 \
                 cluster=c-1 region=us-west-2"
        ))
        .await;
        let refused = d.flash();
        assert!(refused.contains("read-only"), "{name}: {refused}");
        press_everything(&mut d).await;
        // The picker: `r`, down to this runbook, Enter.
        d.key(KeyCode::Esc).await;
        d.key(KeyCode::Char('r')).await;
        for _ in 0..n {
            d.key(KeyCode::Down).await;
        }
        press_everything(&mut d).await;
        d.key(KeyCode::Esc).await;
    }
    assert!(
        d.app.runbooks.run.is_none(),
        "no run started in read-only mode"
    );
    assert_eq!(
        *seen.0.lock().expect("not poisoned"),
        Vec::<String>::new(),
        "read-only mode sent changing calls"
    );
}
