//! The actions, one module per kind, each behind the `Action` trait: its typed arguments, what
//! it says it will do, the name typed to confirm it, its pre-checks, the change and its end
//! state. `registry!` below is the registry: one line per kind, naming its type and module;
//! it makes the words (`ActionKind`), the typed action (`Operation`) and the dispatch between
//! them. Adding an action is its module and one line there.
//! The judgement lives here; the AWS source and the simulator (`Actions`) only translate single
//! calls.

pub mod answer;
pub mod dispatch;
pub mod port;
pub mod probe;
pub mod route;
pub mod shell;

mod global_database;

use crate::clock::Clock;
use crate::fleet::{CheckStatus, FailoverRole, age_between, format_duration, format_lag};
use crate::runbook::act::answer::failed;
use crate::runbook::act::answer::{ActionContext, Check, Outcome};
use crate::runbook::act::dispatch::{Progress, Requests, note, pause};
use crate::runbook::act::port::same_name;
use crate::runbook::act::port::{
    ActionResult, Actions, ChangeStatus, DbInstance, Observed, Receipt, RecordChange, RecordSet,
    RestoreRequest, RestoreStatus,
};
use crate::runbook::act::probe::{Condition, ReplicaLagBelow};
use crate::runbook::words::ParamKind as K;
use crate::runbook::words::{
    ArgSpec, Args, Filled, Pin, PinnedRecoveryPoint, Pos, REGION, arg, optional, take,
    take_optional,
};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the vocabulary knows of an action kind before any runbook uses it: what `runbook
/// check` checks its block against, and how a step of it is confirmed.
pub struct ActionSpec {
    /// The word after `action:`.
    pub name: &'static str,
    pub args: &'static [ArgSpec],
    /// Cannot be undone or loses data: always needs the typed name.
    pub always_destructive: bool,
    /// The argument whose value the operator types to confirm a destructive step.
    pub confirm_arg: &'static str,
    /// How long the end state may take to show before the step fails.
    pub default_timeout: Duration,
    /// One line for `runbook` help and the format documentation.
    pub summary: &'static str,
    /// What `runbook check` refuses in a block of this kind beyond its arguments' types.
    pub lint: fn(&Args) -> Vec<(Pos, &'static str)>,
    /// The methods of `Actions` its pre-checks, change and end state call (`port::AWS_CALLS`
    /// names their AWS calls: the IAM policy is read off them).
    pub uses: &'static [&'static str],
}

/// For the kinds whose arguments' types say it all.
fn no_lint(_: &Args) -> Vec<(Pos, &'static str)> {
    Vec::new()
}

/// The arguments both global-database actions take first.
const GLOBAL: ArgSpec = arg(
    "global_cluster",
    K::GlobalClusterId,
    "the global database's identifier",
);
const TARGET: ArgSpec = arg(
    "target_cluster",
    K::DbClusterId,
    "the secondary cluster that becomes the primary",
);

/// One kind of action. Reads (`prechecks`, `end_state`) never change anything.
#[async_trait]
pub trait Action: Send + Sync {
    /// The name the operator types to confirm, when the step is destructive.
    fn resource_name(&self) -> &str;
    /// Exactly what will happen, in the operator's words, shown before confirming.
    fn describe(&self) -> Vec<String>;
    /// Whether the change is started with an idempotency token (backup:StartRestoreJob), which
    /// the intent records so that sending the step again can never start a second job.
    fn takes_idempotency_token(&self) -> bool {
        false
    }
    /// Takes a value a read pinned (`Check::pin`) that this action uses; others ignore it.
    fn pin(&mut self, _pin: &Pin) {}
    /// Lifts the limit its `liftable` pre-check judges (the operator pressed `o` and gave a
    /// reason): the change then runs without it. Actions without such a check ignore it.
    fn lift_limit(&mut self) {}
    /// What must hold before the action may run, with the values seen.
    async fn prechecks(&self, actions: &dyn Actions, clock: &Clock) -> Vec<Check>;
    /// Makes the change and waits for the end state.
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String>;
    /// Whether the end state already holds, read from the live state: asked for a step in
    /// doubt (its intent was recorded, its result was not) before anything is sent again.
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check>;
}

/// What a change runs with.
#[derive(Clone, Copy)]
pub struct Change<'a> {
    /// How long the end state may take.
    pub timeout: Duration,
    pub context: &'a ActionContext,
    pub actions: &'a dyn Actions,
    pub clock: &'a Clock,
    pub progress: Progress<'a>,
    pub requests: &'a Requests,
    pub start: Timestamp,
}

impl Change<'_> {
    /// Whether the end state has had all the time the step allows.
    pub fn past_deadline(&self) -> bool {
        age_between(self.start, self.clock.now()) > self.timeout
    }

    /// One attempt per change: a timeout may mean it happened, so the end state decides.
    pub fn accepted(&self, result: ActionResult<Receipt>, call: &str) -> Result<(), String> {
        match result {
            Ok(receipt) => {
                self.requests.record(call, &receipt, self.progress);
                Ok(())
            }
            Err(e) if e.may_have_happened() => {
                (self.progress)(format!(
                    "{call} {} ({e}); reading the real state before deciding",
                    e.lost_answer()
                ));
                Ok(())
            }
            Err(e) => Err(format!("{call} failed: {e}")),
        }
    }
}

/// What the words of an action kind are, read off its module's `SPEC`.
impl ActionKind {
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn args(self) -> &'static [ArgSpec] {
        self.spec().args
    }

    /// Actions that cannot be undone or lose data always need the typed name.
    pub fn always_destructive(self) -> bool {
        self.spec().always_destructive
    }

    /// The argument whose value the operator types to confirm a destructive step.
    pub fn confirm_arg(self) -> &'static str {
        self.spec().confirm_arg
    }

    /// How long the end state may take to show before the step fails.
    pub fn default_timeout(self) -> Duration {
        self.spec().default_timeout
    }

    pub fn summary(self) -> &'static str {
        self.spec().summary
    }
}

/// Makes, from one line per kind (`Type => module`): the modules, `ActionKind` (the words, in
/// the order the vocabulary lists them, each with its module's `SPEC`), `Operation` (the action
/// with every argument known and checked: what `Actions` is asked to do) and the dispatch
/// between them.
macro_rules! registry {
    ($($kind:ident => $module:ident),+ $(,)?) => {
        $(mod $module; pub use $module::$kind;)+

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum ActionKind {
            $($kind),+
        }

        impl ActionKind {
            pub const ALL: [ActionKind; [$(stringify!($kind)),+].len()] = [$(ActionKind::$kind),+];

            /// What the kind's module says about it.
            pub fn spec(self) -> &'static ActionSpec {
                match self {
                    $(ActionKind::$kind => &$module::SPEC),+
                }
            }
        }

        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "action", rename_all = "kebab-case")]
        pub enum Operation {
            $($kind($kind)),+
        }

        impl Operation {
            /// The kind's module, behind the `Action` trait.
            pub fn action(&self) -> &dyn Action {
                match self {
                    $(Operation::$kind(a) => a),+
                }
            }

            fn action_mut(&mut self) -> &mut dyn Action {
                match self {
                    $(Operation::$kind(a) => a),+
                }
            }

            /// Builds the operation from checked arguments (`check` and the run's start made
            /// sure the required ones are there and valid); `rpo` is the runbook's.
            pub fn build(kind: ActionKind, args: &Filled, rpo: Option<Duration>) -> Operation {
                match kind {
                    $(ActionKind::$kind => Operation::$kind($kind::build(args, rpo))),+
                }
            }

            pub fn kind(&self) -> ActionKind {
                match self {
                    $(Operation::$kind(_) => ActionKind::$kind),+
                }
            }
        }
    };
}

registry! {
    PromoteReadReplica => promote_read_replica,
    SwitchoverGlobalCluster => switchover_global_cluster,
    FailoverGlobalCluster => failover_global_cluster,
    FailoverDbCluster => failover_db_cluster,
    FlipFailoverRecords => flip_failover_records,
    UpsertRecord => upsert_record,
    RestoreNewestRecoveryPoint => restore_newest_recovery_point,
    DeleteRestoredInstance => delete_restored_instance,
}

impl Operation {
    /// The name the operator types to confirm, when the step is destructive.
    pub fn resource_name(&self) -> &str {
        self.action().resource_name()
    }

    /// Exactly what will happen, in the operator's words, shown before confirming.
    pub fn describe(&self) -> Vec<String> {
        self.action().describe()
    }

    pub fn takes_idempotency_token(&self) -> bool {
        self.action().takes_idempotency_token()
    }

    /// The operation without the limit the operator lifted at the step (`Action::lift_limit`).
    pub fn lifted(mut self) -> Operation {
        self.action_mut().lift_limit();
        self
    }

    /// The operation with the values its checks pinned: the recovery point a restore starts
    /// from. The executor calls it on confirming, before recording the intent, so the intent
    /// names what the change will use. A read that pinned nothing leaves it as it is.
    pub fn pinned(mut self, checks: &[Check]) -> Operation {
        for pin in checks.iter().filter_map(|c| c.pin.as_ref()) {
            self.action_mut().pin(pin);
        }
        self
    }
}

const CHANGE_RECORD_SETS: &str = "route53:ChangeResourceRecordSets";

/// The change id of an accepted Route 53 change batch; `None` when its answer was lost, so
/// that the caller reads the records before deciding whether it happened.
fn submitted(
    result: ActionResult<Receipt<String>>,
    requests: &Requests,
    progress: Progress<'_>,
) -> Result<Option<String>, String> {
    match result {
        Ok(receipt) => {
            requests.record(CHANGE_RECORD_SETS, &receipt, progress);
            progress(format!("change {} submitted", receipt.value));
            Ok(Some(receipt.value))
        }
        Err(e) if e.may_have_happened() => {
            progress(format!(
                "{CHANGE_RECORD_SETS} {} ({e}); reading the records before deciding",
                e.lost_answer()
            ));
            Ok(None)
        }
        Err(e) => Err(format!("{CHANGE_RECORD_SETS} failed: {e}")),
    }
}

async fn wait_in_sync(
    actions: &dyn Actions,
    clock: &Clock,
    change: &str,
    start: Timestamp,
    timeout: Duration,
    progress: Progress<'_>,
) -> Result<(), String> {
    let mut last = String::new();
    loop {
        match actions.dns_change(change).await {
            Ok(Observed {
                value: ChangeStatus::InSync,
                ..
            }) => {
                progress(format!("change {change} INSYNC"));
                return Ok(());
            }
            Ok(_) => note(progress, &mut last, format!("change {change} PENDING")),
            Err(e) => note(
                progress,
                &mut last,
                format!("route53:GetChange failed: {e}"),
            ),
        }
        if age_between(start, clock.now()) > timeout {
            return Err(format!(
                "change {change} not INSYNC after {}",
                format_duration(timeout)
            ));
        }
        pause(clock, actions.poll_every()).await;
    }
}

/// Lag read for information: shown, never blocking (a failed read says so instead).
async fn lag_info(actions: &dyn Actions, region: &str, replica: &str, label: &str) -> Check {
    match actions.replication_lag(region, replica).await {
        Ok(Observed {
            value: Some(lag),
            at,
        }) => Check::new(label, true, format!("lag {}", format_lag(lag))).at(at),
        Ok(Observed { value: None, at }) => {
            Check::new(label, true, "replication not active").at(at)
        }
        Err(e) => Check::new(label, true, format!("lag unknown: {e}")),
    }
}
