//! `Actions` that passes every call on to another and remembers which methods were called:
//! what an action really uses, to hold against what its `SPEC` declares.

use async_trait::async_trait;
use ripcord::runbook::Actions;
use ripcord::runbook::act::port::{
    ActionResult, CallerIdentity, ChangeStatus, DbCluster, DbInstance, GlobalCluster, HealthState,
    Observed, Receipt, RecordChange, RecordSet, RecoveryPoint, RestoreJob, RestoreRequest,
};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Recording {
    pub inner: Arc<dyn Actions>,
    called: Mutex<BTreeSet<&'static str>>,
}

impl Recording {
    pub fn new(inner: Arc<dyn Actions>) -> Self {
        Self {
            inner,
            called: Mutex::new(BTreeSet::new()),
        }
    }

    /// The methods called since the last `take`.
    pub fn take(&self) -> BTreeSet<&'static str> {
        std::mem::take(&mut *self.called.lock().expect("not poisoned"))
    }

    fn saw(&self, method: &'static str) {
        self.called.lock().expect("not poisoned").insert(method);
    }
}

#[async_trait]
impl Actions for Recording {
    fn name(&self) -> &str {
        self.inner.name()
    }
    async fn caller_identity(&self) -> CallerIdentity {
        self.saw("caller_identity");
        self.inner.caller_identity().await
    }
    fn poll_every(&self) -> Duration {
        self.inner.poll_every()
    }
    async fn db_instance(&self, r: &str, id: &str) -> ActionResult<Observed<Option<DbInstance>>> {
        self.saw("db_instance");
        self.inner.db_instance(r, id).await
    }
    async fn replication_lag(
        &self,
        r: &str,
        replica: &str,
    ) -> ActionResult<Observed<Option<Duration>>> {
        self.saw("replication_lag");
        self.inner.replication_lag(r, replica).await
    }
    async fn global_cluster(
        &self,
        r: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<GlobalCluster>>> {
        self.saw("global_cluster");
        self.inner.global_cluster(r, id).await
    }
    async fn db_cluster(&self, r: &str, id: &str) -> ActionResult<Observed<Option<DbCluster>>> {
        self.saw("db_cluster");
        self.inner.db_cluster(r, id).await
    }
    async fn record_sets(
        &self,
        zone: &str,
        name: &str,
        record_type: Option<&str>,
    ) -> ActionResult<Observed<Vec<RecordSet>>> {
        self.saw("record_sets");
        self.inner.record_sets(zone, name, record_type).await
    }
    async fn dns_answer(
        &self,
        zone: &str,
        name: &str,
        record_type: &str,
    ) -> ActionResult<Observed<Vec<String>>> {
        self.saw("dns_answer");
        self.inner.dns_answer(zone, name, record_type).await
    }
    async fn dns_change(&self, id: &str) -> ActionResult<Observed<ChangeStatus>> {
        self.saw("dns_change");
        self.inner.dns_change(id).await
    }
    async fn health_check(&self, id: &str) -> ActionResult<Observed<HealthState>> {
        self.saw("health_check");
        self.inner.health_check(id).await
    }
    async fn newest_recovery_point(
        &self,
        r: &str,
        vault: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RecoveryPoint>>> {
        self.saw("newest_recovery_point");
        self.inner.newest_recovery_point(r, vault, resource).await
    }
    async fn restore_job(&self, r: &str, id: &str) -> ActionResult<Observed<RestoreJob>> {
        self.saw("restore_job");
        self.inner.restore_job(r, id).await
    }
    async fn restore_job_that_created(
        &self,
        r: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RestoreJob>>> {
        self.saw("restore_job_that_created");
        self.inner.restore_job_that_created(r, resource).await
    }
    async fn promote_read_replica(&self, r: &str, id: &str, days: u32) -> ActionResult<Receipt> {
        self.saw("promote_read_replica");
        self.inner.promote_read_replica(r, id, days).await
    }
    async fn switchover_global_cluster(
        &self,
        r: &str,
        global: &str,
        target: &str,
    ) -> ActionResult<Receipt> {
        self.saw("switchover_global_cluster");
        self.inner
            .switchover_global_cluster(r, global, target)
            .await
    }
    async fn failover_global_cluster(
        &self,
        r: &str,
        global: &str,
        target: &str,
        allow_data_loss: bool,
    ) -> ActionResult<Receipt> {
        self.saw("failover_global_cluster");
        self.inner
            .failover_global_cluster(r, global, target, allow_data_loss)
            .await
    }
    async fn failover_db_cluster(
        &self,
        r: &str,
        cluster: &str,
        target: Option<&str>,
    ) -> ActionResult<Receipt> {
        self.saw("failover_db_cluster");
        self.inner.failover_db_cluster(r, cluster, target).await
    }
    async fn change_record_sets(
        &self,
        zone: &str,
        changes: &[RecordChange],
        comment: &str,
    ) -> ActionResult<Receipt<String>> {
        self.saw("change_record_sets");
        self.inner.change_record_sets(zone, changes, comment).await
    }
    async fn start_restore_job(
        &self,
        r: &str,
        request: &RestoreRequest,
    ) -> ActionResult<Receipt<String>> {
        self.saw("start_restore_job");
        self.inner.start_restore_job(r, request).await
    }
    async fn delete_db_instance(&self, r: &str, id: &str) -> ActionResult<Receipt> {
        self.saw("delete_db_instance");
        self.inner.delete_db_instance(r, id).await
    }
}
