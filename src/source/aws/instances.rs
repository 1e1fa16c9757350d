//! A region's DB instances, listed once for both feeds that read them: the replicas feed (its
//! read replicas, and the status of every other instance) and the backups feed (the restore
//! window of each instance that takes writes). At 5,000 replicas a listing is 51 pages of
//! `DescribeDBInstances`; two feeds listing on their own paid that twice a refresh.
//!
//! A listing is kept per region (this source is one account). The replicas feed lists anew at
//! each of its refreshes; the backups feed takes the kept listing while it is younger than
//! `RESTORE_WINDOWS_MAX_AGE`, else lists on its own. A feed that asks while a listing is under
//! way waits for it rather than starting its own (`ripcord status` fetches every feed at
//! once). A failed listing is not kept: the next feed that asks lists again, so a feed never
//! waits on another feed's cadence to get an answer. Each listing carries the time it was
//! asked at, and whatever is read from it is as old as that, never younger.

use super::calls;
use super::error::aws_error;
use super::{rds, readiness};
use crate::fleet::{Replica, RestoreWindow};
use crate::source::SourceError;
use jiff::Timestamp;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How old a listing the backups feed takes its restore windows from: twice the replicas
/// feed's default refresh (30 s), so that a replicas feed refreshing on time always serves it,
/// and a tenth of the backups feed's own staleness (twice its 300 s refresh), so the windows
/// it delivers are never much older than the rest of it. A window's age is its listing's, not
/// the backups feed's.
pub const RESTORE_WINDOWS_MAX_AGE: Duration = Duration::from_secs(60);

/// One region's instances as one listing saw them.
#[derive(Debug, Clone)]
pub struct Listed {
    /// When the listing was asked for: what it says is at least this old.
    pub at: Timestamp,
    /// The instances that are read replicas, before `rds::KnownReplicas` adds the promoted.
    pub replicas: Vec<Replica>,
    /// The status of every other instance: cluster members are judged by it, and a replica
    /// seen before that is among these was promoted.
    pub others: HashMap<String, Option<String>>,
    /// The restore window of each instance that takes writes.
    pub restore_windows: Vec<RestoreWindow>,
}

/// Every DB instance in `region`, all pages of `page_size`, as asked at `at`.
pub async fn list(
    rds: &aws_sdk_rds::Client,
    region: &str,
    page_size: i32,
    at: Timestamp,
) -> Result<Listed, SourceError> {
    let mut pages = rds
        .describe_db_instances()
        .max_records(page_size)
        .into_paginator()
        .send();
    let mut listed = Listed {
        at,
        replicas: Vec::new(),
        others: HashMap::new(),
        restore_windows: Vec::new(),
    };
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::RDS_DESCRIBE_DB_INSTANCES, e))?;
        for db in page.db_instances() {
            listed
                .restore_windows
                .extend(readiness::restore_window_of(db, region, at));
            match (
                rds::replica_of_instance(db, region),
                db.db_instance_identifier(),
            ) {
                (Some(replica), _) => listed.replicas.push(replica),
                (None, Some(id)) => {
                    listed
                        .others
                        .insert(id.to_string(), db.db_instance_status().map(str::to_string));
                }
                (None, None) => {}
            }
        }
    }
    Ok(listed)
}

/// Which listing a feed takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// A new one, or one that finished while this feed asked (another feed of the same round
    /// of fetches was listing): the replicas feed, which keeps the listing fresh.
    New,
    /// The kept one while it is at most this old, else a new one: the backups feed.
    NoOlderThan(Duration),
}

/// The last good listing of each region, shared by the feeds.
#[derive(Default)]
pub struct SharedListings {
    by_region: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One region's kept listing, and how many listings have been kept so far: a caller that
/// sees the count grow while it waits knows the kept one finished after it asked.
#[derive(Default)]
struct Slot {
    kept: tokio::sync::Mutex<Option<Arc<Listed>>>,
    made: AtomicU64,
}

impl SharedListings {
    /// `region`'s listing as of `now`, as `take` allows: a kept one, or a new one from `list`
    /// (given the time it is asked at), kept for the other feed. One listing of a region at
    /// a time: a caller that comes while one is under way waits for it (within its own
    /// deadline) and takes it. A failure is given to its caller only; the next lists again.
    pub async fn get<F, Fut>(
        &self,
        region: &str,
        now: Timestamp,
        take: Take,
        list: F,
    ) -> Result<Arc<Listed>, SourceError>
    where
        F: FnOnce(Timestamp) -> Fut,
        Fut: Future<Output = Result<Listed, SourceError>>,
    {
        let slot = {
            let mut by_region = self.by_region.lock().unwrap_or_else(|p| p.into_inner());
            by_region.entry(region.to_string()).or_default().clone()
        };
        let made_before = slot.made.load(Ordering::SeqCst);
        let mut kept = slot.kept.lock().await;
        let finished_since = slot.made.load(Ordering::SeqCst) != made_before;
        let usable = |l: &&Arc<Listed>| match take {
            Take::New => finished_since,
            Take::NoOlderThan(max_age) => finished_since || young(l.at, now, max_age),
        };
        if let Some(listed) = kept.as_ref().filter(usable) {
            return Ok(listed.clone());
        }
        let listed = Arc::new(list(now).await?);
        *kept = Some(listed.clone());
        slot.made.fetch_add(1, Ordering::SeqCst);
        Ok(listed)
    }
}

/// Whether something from `at` is at most `max_age` old at `now` (a listing asked for after
/// `now`, by a feed that came first, is younger than anything this caller could list).
fn young(at: Timestamp, now: Timestamp, max_age: Duration) -> bool {
    now.duration_since(at)
        .try_into()
        .map_or(true, |age: Duration| age <= max_age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceErrorKind;
    use std::sync::atomic::AtomicUsize;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    fn listed(at: Timestamp) -> Listed {
        Listed {
            at,
            replicas: Vec::new(),
            others: HashMap::new(),
            restore_windows: Vec::new(),
        }
    }

    const EAST: &str = "us-east-1";
    const BACKUPS: Take = Take::NoOlderThan(RESTORE_WINDOWS_MAX_AGE);

    #[tokio::test]
    async fn a_listing_is_shared_while_young_and_made_again_once_old() {
        let shared = SharedListings::default();
        let calls = AtomicUsize::new(0);
        let counted = |at| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok(listed(at)) }
        };
        let first = shared
            .get(EAST, t(0), BACKUPS, counted)
            .await
            .expect("listed");
        let again = shared
            .get(EAST, t(60), BACKUPS, counted)
            .await
            .expect("listed");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "60 s old is still young");
        assert_eq!(again.at, first.at, "it keeps the time it was listed at");
        let other = shared
            .get("us-west-2", t(60), BACKUPS, counted)
            .await
            .expect("listed");
        assert_eq!(other.at, t(60), "each region has its own");
        let old = shared
            .get(EAST, t(61), BACKUPS, counted)
            .await
            .expect("listed");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(old.at, t(61), "an old listing is never given out");
        shared
            .get(EAST, t(61), Take::New, counted)
            .await
            .expect("listed");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            4,
            "the replicas feed lists anew, whatever is kept"
        );
    }

    #[tokio::test]
    async fn a_failed_listing_is_not_kept_and_the_next_caller_lists_again() {
        let shared = SharedListings::default();
        let failed = shared
            .get(EAST, t(0), BACKUPS, |_| async {
                Err(SourceError::new(
                    SourceErrorKind::Throttled,
                    calls::RDS_DESCRIBE_DB_INSTANCES,
                    "Rate exceeded",
                ))
            })
            .await;
        assert_eq!(failed.expect_err("failed").kind, SourceErrorKind::Throttled);
        let next = shared
            .get(EAST, t(1), BACKUPS, |at| async move { Ok(listed(at)) })
            .await
            .expect("listed");
        assert_eq!(next.at, t(1));
    }

    #[tokio::test]
    async fn a_caller_waiting_on_a_listing_that_fails_lists_on_its_own() {
        let shared = SharedListings::default();
        shared
            .get(EAST, t(0), Take::New, |at| async move { Ok(listed(at)) })
            .await
            .expect("listed");
        let (answer, answered) = tokio::sync::oneshot::channel::<()>();
        let failing = |_| async move {
            answered.await.expect("answered");
            Err(SourceError::new(
                SourceErrorKind::Timeout,
                calls::RDS_DESCRIBE_DB_INSTANCES,
                "no answer",
            ))
        };
        let (first, second, ()) = tokio::join!(
            shared.get(EAST, t(100), Take::New, failing),
            shared.get(EAST, t(100), BACKUPS, |at| async move { Ok(listed(at)) }),
            async {
                tokio::task::yield_now().await;
                answer.send(()).expect("waiting");
            },
        );
        assert_eq!(first.expect_err("failed").kind, SourceErrorKind::Timeout);
        assert_eq!(
            second.expect("listed").at,
            t(100),
            "neither the failure nor the 100 s old listing"
        );
    }

    #[tokio::test]
    async fn a_caller_that_comes_during_a_listing_waits_for_it_and_takes_it() {
        let shared = SharedListings::default();
        let calls = AtomicUsize::new(0);
        let (answer, answered) = tokio::sync::oneshot::channel::<()>();
        let slow = |at| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                answered.await.expect("answered");
                Ok(listed(at))
            }
        };
        let fast = |at| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok(listed(at)) }
        };
        let (first, second, ()) = tokio::join!(
            shared.get(EAST, t(0), Take::New, slow),
            shared.get(EAST, t(1), Take::New, fast),
            async {
                tokio::task::yield_now().await;
                answer.send(()).expect("waiting");
            },
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let (first, second) = (first.expect("listed"), second.expect("listed"));
        assert!(Arc::ptr_eq(&first, &second), "the same listing");
        assert_eq!(second.at, t(0), "with the time it was asked at");
    }
}
