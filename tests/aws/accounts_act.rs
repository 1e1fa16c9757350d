//! Runbook actions across named accounts, against moto (which keeps each account id's
//! resources apart): the workload account is the test keys' (123456789012, production); the
//! backup account (210987654321) is reached by sts:AssumeRole, as ripcord reaches it. The
//! cockpit's own path carries the run out: `App::update`, the audit journal's gate with each
//! job placed in an account (`effects::through_journal`), and the runner, through the
//! `Actions` of the account the journal placed the job in. The lag reads are a typed SDK mock
//! (moto does not speak CloudWatch's protocol to the Rust SDK), one per account.

use crate::common;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use common::moto::{EAST, Moto, create_postgres, create_read_replica, sdk_for};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ripcord::app::{App, Command, Event, Fetched, Mode};
use ripcord::audit::journal::Journal;
use ripcord::audit::model::{ActedIn, Record};
use ripcord::clock::Clock;
use ripcord::config::Refresh;
use ripcord::effects;
use ripcord::fleet::{AccountLabel, Place, Workloads};
use ripcord::runbook::act::port::{Actions, CallerIdentity};
use ripcord::runbook::act::route::Acting;
use ripcord::runbook::exec::log::LogEvent;
use ripcord::runbook::runner;
use ripcord::runbook::{Library, exec::StepState};
use ripcord::source::FleetSource;
use ripcord::source::aws::AwsFleet;
use ripcord::source::aws::actions::{AwsActions, RegionActionClients, Route53Clients, sts_client};
use ripcord::source::aws::sdk::{self, CallLimits};
use ripcord::theme::Theme;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;

const BACKUP_ROLE: &str = "arn:aws:iam::210987654321:role/ripcord-runbook";

/// The SDK configuration of the backup account: credentials from assuming its role.
async fn backup_sdk(moto: &Moto) -> SdkConfig {
    let sts = aws_sdk_sts::Client::new(&sdk_for(&moto.url(), EAST).await);
    let assumed = sts
        .assume_role()
        .role_arn(BACKUP_ROLE)
        .role_session_name("ripcord")
        .send()
        .await
        .expect("moto assumes the role");
    let c = assumed.credentials().expect("credentials");
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(sdk::https_client())
        .endpoint_url(moto.url())
        .region(Region::new(EAST))
        .credentials_provider(aws_sdk_rds::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        ))
        .timeout_config(CallLimits::READS.timeout_config())
        .load()
        .await
}

/// One account's runbook actions, with its own credentials (`sdk`).
fn actions_of(sdk: &SdkConfig) -> Arc<dyn Actions> {
    let mut clients = RegionActionClients::new(sdk, EAST);
    clients.reads.cloudwatch = crate::aws_runbooks::replica_lag(3.0);
    Arc::new(
        AwsActions::from_clients(
            BTreeMap::from([(EAST.to_string(), clients)]),
            Route53Clients::new(sdk),
        )
        .with_sts(sts_client(sdk)),
    )
}

/// The two accounts on moto: the workload account holds `orders-primary` and its replica
/// `orders-read-use1`; the backup account `vault-primary` and its replica `vault-read-use1`.
struct TwoAccounts {
    moto: Moto,
    workload: SdkConfig,
    backup: SdkConfig,
}

async fn two_accounts() -> TwoAccounts {
    let moto = Moto::start();
    let workload = moto.sdk(EAST).await;
    let backup = backup_sdk(&moto).await;
    for (sdk, primary, replica) in [
        (&workload, "orders-primary", "orders-read-use1"),
        (&backup, "vault-primary", "vault-read-use1"),
    ] {
        let rds = aws_sdk_rds::Client::new(sdk);
        create_postgres(&rds, primary).await;
        create_read_replica(&rds, replica, primary).await;
    }
    TwoAccounts {
        moto,
        workload,
        backup,
    }
}

/// A cockpit watching both accounts, their replicas read once from moto with each account's
/// own credentials, and an audit journal acting per account with the identities STS gave.
struct Cockpit {
    app: App,
    journal: Journal,
    acting: Acting,
    clock: Clock,
}

impl Cockpit {
    async fn on(estate: &TwoAccounts, audit: &Path, identities: Option<Vec<ActedIn>>) -> Self {
        let mut app = App::new(
            Mode::Live { profile: None },
            "aws",
            &[],
            Workloads::default(),
            Refresh::default(),
            Theme::mono(),
            Timestamp::now(),
        );
        app.fleet.watch_accounts(&[
            (
                AccountLabel::new("workload", Some("prod".into())),
                vec![EAST.to_string()],
            ),
            (AccountLabel::new("backup", None), vec![EAST.to_string()]),
        ]);
        for (name, sdk) in [("workload", &estate.workload), ("backup", &estate.backup)] {
            let fleet = AwsFleet::from_sdk_config(sdk, &[EAST.to_string()], CallLimits::READS);
            let result = fleet.replicas(EAST).await;
            assert!(result.is_ok(), "{name}: {result:?}");
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: Place::new(Some(name), EAST),
                    result,
                }),
                Timestamp::now(),
            );
        }
        app.runbooks.library = Library::shipped();
        app.runbooks.actions_available = true;
        app.runbooks.operator = "moto-test".into();
        let acting = Acting::PerAccount(vec![
            ("workload".to_string(), actions_of(&estate.workload)),
            ("backup".to_string(), actions_of(&estate.backup)),
        ]);
        let identities = match identities {
            Some(given) => given,
            None => {
                let mut asked = Vec::new();
                for (name, production) in [("workload", true), ("backup", false)] {
                    let actions = acting.for_account(Some(name)).expect("actions");
                    asked.push(ActedIn {
                        name: name.to_string(),
                        aws: actions.caller_identity().await,
                        production,
                    });
                }
                asked
            }
        };
        std::fs::create_dir_all(audit).expect("audit dir");
        std::fs::set_permissions(audit, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .expect("chmod 700");
        let journal = Journal::new(
            audit.to_path_buf(),
            ripcord::audit::identity::current(CallerIdentity::Unknown {
                why: "named accounts".into(),
            }),
        )
        .with_accounts(identities);
        Cockpit {
            app,
            journal,
            acting,
            clock: Clock::manual(Timestamp::now()),
        }
    }

    /// Carries commands out as the cockpit does, each runbook job through the `Actions` of
    /// the account the journal placed it in, until the app asks for nothing more.
    async fn settle(&mut self, mut commands: Vec<Command>) {
        loop {
            let clock = self.clock.clone();
            commands = effects::through_journal(
                &mut self.app,
                &mut self.journal,
                std::mem::take(&mut commands),
                || clock.now(),
            );
            if commands.is_empty() {
                break;
            }
            let (tx, mut rx) = mpsc::channel(4096);
            for command in commands.drain(..) {
                if let Command::Runbook(work) = command {
                    let account = self.journal.take_account(&work);
                    let actions = self
                        .acting
                        .for_account(account.as_deref())
                        .expect("every admitted job has its account's actions");
                    runner::execute(
                        *work,
                        actions,
                        self.clock.clone(),
                        tx.clone(),
                        Event::Runbook,
                    )
                    .await;
                }
            }
            drop(tx);
            while let Some(event) = rx.recv().await {
                commands.extend(self.app.update(event, self.clock.now()));
            }
        }
    }

    async fn key(&mut self, code: KeyCode) {
        let event = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        let commands = self.app.update(event, self.clock.now());
        self.settle(commands).await;
    }

    async fn type_line(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c)).await;
        }
        self.key(KeyCode::Enter).await;
    }

    async fn start(&mut self, line: &str) {
        let commands = self.app.run_command(line);
        self.settle(commands).await;
        assert!(self.app.runbooks.run.is_some(), "started: {line}");
    }

    fn run(&self) -> &ripcord::runbook::Run {
        self.app.runbooks.run.as_ref().expect("a run")
    }

    fn at(&self) -> usize {
        self.run().current().map_or(0, |i| i + 1)
    }
}

async fn source_of(sdk: &SdkConfig, id: &str) -> Option<String> {
    aws_sdk_rds::Client::new(sdk)
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .expect("described")
        .db_instances()[0]
        .read_replica_source_db_instance_identifier()
        .map(str::to_string)
}

/// The records of the run's audit file.
fn records(audit: &Path, run: &str) -> Vec<Record> {
    let path = ripcord::audit::writer::file_for(audit, run);
    ripcord::audit::read::read_run(&path)
        .expect("the run file verifies")
        .records
}

/// The shipped failover runbook on the backup account's replica: its lag gate read and its
/// promotion sent with the backup account's credentials (the workload account has no such
/// instance, so a call there would fail), and the intent and the result on the audit record
/// naming the backup account and the identity its credentials answered with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_acts_in_the_account_its_resource_is_in_and_the_audit_says_which() {
    let estate = two_accounts().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut c = Cockpit::on(&estate, &audit, None).await;
    c.start("run rds-cross-region-failover replica=vault-read-use1 region=us-east-1")
        .await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.at(), 2, "checklist ticked");
    let gate = c.run().live[1].readings.clone().expect("the lag was read");
    assert_eq!(gate.checks[0].detail, "lag 3.0s", "{gate:?}");
    c.key(KeyCode::Enter).await;
    assert_eq!(c.at(), 3, "the gate passed");
    // A backup-account resource: the confirmation does not call it production.
    let op = match &c.run().resolved[2] {
        ripcord::runbook::exec::Resolved::Action { op, .. } => op.clone(),
        other => panic!("the promotion: {other:?}"),
    };
    assert_eq!(
        ripcord::placement::production_account_of(&c.app.fleet, &op),
        None
    );
    assert_eq!(
        source_of(&estate.backup, "vault-read-use1")
            .await
            .as_deref(),
        Some("vault-primary")
    );
    c.key(KeyCode::Enter).await;
    c.type_line("vault-read-use1").await;
    assert_eq!(
        c.run().state.steps[2].state,
        StepState::Done,
        "{:?}",
        c.run().state.steps[2]
    );
    assert_eq!(
        source_of(&estate.backup, "vault-read-use1").await,
        None,
        "promoted in the backup account"
    );
    assert_eq!(
        source_of(&estate.workload, "orders-read-use1")
            .await
            .as_deref(),
        Some("orders-primary"),
        "the workload account untouched"
    );

    // The audit records: the promotion's intent and result name the backup account and the
    // assumed role's identity; the run's other records name no account.
    let run = c.run().id.clone();
    let recs = records(&audit, &run);
    let step = Some(c.run().book.steps[2].id.clone());
    let promote = |r: &&Record| r.step == step;
    let intent = recs
        .iter()
        .filter(promote)
        .find(|r| matches!(r.event, LogEvent::Intent { .. }))
        .expect("the intent");
    let acted = intent
        .account
        .as_ref()
        .expect("the intent names its account");
    assert_eq!(acted.name, "backup");
    assert!(!acted.production);
    match &acted.aws {
        CallerIdentity::Known { account, arn } => {
            assert_eq!(account, "210987654321");
            assert!(arn.contains("ripcord-runbook"), "{arn}");
        }
        other => panic!("the backup account's identity: {other:?}"),
    }
    let done = recs
        .iter()
        .filter(promote)
        .find(|r| matches!(r.event, LogEvent::StepDone { .. }))
        .expect("the result");
    assert_eq!(done.account.as_ref(), Some(acted));
    assert!(
        recs.iter()
            .filter(|r| matches!(r.event, LogEvent::RunStarted { .. }))
            .all(|r| r.account.is_none())
    );

    // Resumed with credentials that now answer for another AWS account as `backup`: refused,
    // naming both identities, before anything is done.
    drop(c);
    let workload_identity = actions_of(&estate.workload).caller_identity().await;
    let mut other = Cockpit::on(
        &estate,
        &audit,
        Some(vec![
            ActedIn {
                name: "workload".into(),
                aws: workload_identity.clone(),
                production: true,
            },
            ActedIn {
                name: "backup".into(),
                aws: workload_identity.clone(),
                production: false,
            },
        ]),
    )
    .await;
    let err = other
        .journal
        .resume(&run, &Library::shipped(), &[])
        .expect_err("another identity for the backup account");
    assert_eq!(
        err,
        ripcord::audit::resume::ResumeRefusal::AccountChanged {
            run: run.clone(),
            name: "backup".into(),
            then: acted.aws.describe(),
            now: workload_identity.describe(),
        },
        "{err}"
    );
    drop(other);
    // The same accounts as before: it goes on.
    let mut same = Cockpit::on(&estate, &audit, None).await;
    same.journal
        .resume(&run, &Library::shipped(), &[])
        .expect("the same accounts resume it");
    drop(estate.moto);
}

/// A replica no account shows is never acted on: its gate cannot tell (naming why), and the
/// promotion's pre-checks cannot either, so nothing is sent and no intent is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_in_no_account_is_refused_before_anything_is_read_or_sent() {
    let estate = two_accounts().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut c = Cockpit::on(&estate, &audit, None).await;
    c.start("run rds-cross-region-failover replica=ghost-replica region=us-east-1")
        .await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.at(), 2);
    let gate = c.run().live[1].readings.clone().expect("read");
    assert_eq!(gate.checks[0].holds, None, "{gate:?}");
    assert!(
        gate.checks[0].detail.starts_with(
            "cannot tell which account ghost-replica is in: no account in view shows it"
        ),
        "{gate:?}"
    );
    c.key(KeyCode::Enter).await;
    assert_eq!(c.at(), 2, "a gate that cannot tell does not pass");
    // Skipped deliberately, the promotion's pre-checks cannot tell either: Enter sends nothing.
    c.key(KeyCode::Char('s')).await;
    c.type_line("drill of the refusal").await;
    assert_eq!(c.at(), 3);
    let pre = c.run().live[2].readings.clone().expect("read");
    assert!(
        pre.checks
            .iter()
            .any(|k| k.holds.is_none() && k.detail.contains("cannot tell which account")),
        "{pre:?}"
    );
    c.key(KeyCode::Enter).await;
    c.type_line("ghost-replica").await;
    assert_eq!(c.run().state.steps[2].state, StepState::Pending);
    assert!(
        !c.run()
            .log
            .iter()
            .any(|e| matches!(e.event, LogEvent::Intent { .. })),
        "no intent: nothing was to be sent"
    );
}

/// The real binary, `ripcord runbook run` with a config of two `[[account]]` tables (the
/// backup account reached by assuming a role in it), against moto: the backup account's
/// replica is promoted with that account's credentials, its confirmation does not call it
/// production, and the audit file's records of the promotion name the backup account and the
/// identity STS gave its credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_a_step_in_the_account_its_resource_is_in() {
    let estate = two_accounts().await;
    let config = format!(
        "regions = [\"us-east-1\"]\n\n[[account]]\nname = \"workload\"\nenvironment = \"prod\"\n\n\
         [[account]]\nname = \"backup\"\nrole_arn = \"{BACKUP_ROLE}\"\n"
    );
    let env = estate
        .moto
        .env()
        .iter()
        .map(|(n, v)| format!("{n}='{v}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let t = common::tmux::Tmux::start_with(
        120,
        40,
        &env,
        &config,
        "runbook run rds-cross-region-failover --param replica=vault-read-use1 \
         --param region=us-east-1 --param max_data_loss=any",
    );
    t.wait_for(&["[▶1]", "Page the orders database owner"]);
    t.keys(&["Enter"]);
    t.wait_for(&["☑ Page the orders database owner"]);
    t.keys(&["Enter"]);
    // moto serves no CloudWatch to the Rust SDK: the lag gate cannot tell, and is skipped.
    t.wait_for(&["[▶2]", "could not read:"]);
    t.keys(&["s"]);
    t.wait_for(&["Why skip this step?"]);
    t.type_text("moto serves no CloudWatch");
    t.keys(&["Enter"]);
    t.wait_for(&["[▶3]", "Enter, then type vault-read-use1, runs it"]);
    t.keys(&["Enter"]);
    let confirm = t.wait_for(&["Type vault-read-use1 to confirm:"]);
    assert!(!confirm.contains("PRODUCTION"), "{confirm}");
    t.type_text("vault-read-use1");
    t.keys(&["Enter"]);
    t.wait_for(&["[▶4]"]);
    assert_eq!(source_of(&estate.backup, "vault-read-use1").await, None);
    // The terminal is lost: the run is left unfinished, to be resumed.
    t.signal("HUP");
    assert_eq!(t.wait_for_exit(), "exit=129");

    let files = t.audit_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let (code, out, err) = t.ripcord(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(&files[0]).expect("read");
    let intent = text
        .lines()
        .find(|l| l.contains(r#""type":"intent""#) && l.contains("promote-read-replica"))
        .expect("the promotion's intent");
    assert!(
        intent.contains(r#""account":{"aws":{"account":"210987654321","arn":"arn:aws:sts::210987654321:assumed-role/ripcord-runbook/"#)
            && intent.contains(r#""name":"backup""#),
        "{intent}"
    );

    // `runbook resume` where the backup account's credentials now answer for another AWS
    // account (its role is one of the workload account's): refused before the terminal is
    // taken over, naming both identities; the run file is left as it was.
    let run = files[0]
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let before = std::fs::read(&files[0]).expect("read");
    let moved = config.replace("210987654321", "123456789012");
    std::fs::write(t.path("config.toml"), moved).expect("write config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .arg("--config")
        .arg(t.path("config.toml"))
        .args(["runbook", "resume", &run])
        .env("RIPCORD_AUDIT_DIR", t.path("audit"))
        .env("RIPCORD_LOG_DIR", t.path("logs"))
        .envs(estate.moto.env())
        .output()
        .expect("ripcord runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "run {run} acted in account backup as arn:aws:sts::210987654321:"
        )) && err.contains("now answer as arn:aws:sts::123456789012:"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "the terminal was not taken over");
    assert_eq!(std::fs::read(&files[0]).expect("read"), before);
}
