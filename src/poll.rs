//! Pollers: one task per (kind of data, region). Each fetch has a deadline, a failure backs
//! off, a slow fetch delays only its own next tick, and every result goes to the app by value.

use crate::app::Event;
use crate::app::fleet::FeedId;
use crate::config::Refresh;
use crate::source::{AccountFleet, FleetSource, SourceErrorKind};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

mod outcome;
use outcome::Outcome;

/// The longest a failing feed waits between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How long to wait before the next fetch, after `failures` failures in a row.
/// Denied permissions are not retried quickly: they will not fix themselves. Expired
/// credentials are asked again at the usual pace: the operator renews them (`aws sso login`)
/// and expects the cockpit to notice at once, and each attempt costs one rejected call.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    last_error: Option<&SourceErrorKind>,
) -> Duration {
    if failures == 0 {
        return interval;
    }
    match last_error {
        Some(SourceErrorKind::AccessDenied) => return MAX_BACKOFF.max(interval),
        Some(SourceErrorKind::CredentialsExpired) => return interval,
        _ => {}
    }
    let factor = 2u32.saturating_pow(failures.min(8));
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval))
}

/// Asks every poller to fetch now instead of waiting out its interval or back-off (the `R` key,
/// `:refresh`): after renewing credentials the operator need not wait for the next tick.
#[derive(Clone, Debug)]
pub struct RefreshNow(watch::Sender<u64>);

impl RefreshNow {
    fn new() -> (Self, watch::Receiver<u64>) {
        let (tx, rx) = watch::channel(0);
        (Self(tx), rx)
    }

    /// Every poller fetches at once; one in the middle of a fetch fetches again right after,
    /// since what it is fetching may have been asked before the credentials were renewed.
    pub fn now(&self) {
        self.0.send_modify(|asked| *asked = asked.wrapping_add(1));
    }
}

/// Polls one feed until cancelled, each answer going to the app by value. Returns when
/// cancelled or when the app has gone away. A change on `asked` cuts the wait short
/// (`RefreshNow`).
async fn poll_loop(
    feed: FeedId,
    source: Arc<dyn FleetSource>,
    interval: Duration,
    deadline: Duration,
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
    mut asked: watch::Receiver<u64>,
) {
    let what = feed.name();
    let mut failures = 0u32;
    // What the last line of the log said of this feed: one line per change of state (a new
    // kind of failure, a part missing, a recovery), none per retry of the same failure, for
    // the same reason the screen shows a denied call once.
    let mut logged = Outcome::Complete;
    loop {
        let fetched = tokio::select! {
            () = cancel.cancelled() => return,
            f = feed.fetch(source.as_ref(), deadline) => f,
        };
        let outcome = Outcome::of(&fetched);
        if outcome != logged {
            outcome.log(&what, &fetched, failures);
            logged = outcome;
        }
        let kind = match fetched.error() {
            None => {
                failures = 0;
                None
            }
            Some(e) => {
                failures += 1;
                Some(e.kind.clone())
            }
        };
        if tx.send(Event::Fetched(fetched)).await.is_err() {
            return;
        }
        let delay = next_delay(interval, failures, kind.as_ref());
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
            // Once every `RefreshNow` is dropped this branch is off, and the sleep decides.
            Ok(()) = asked.changed() => {}
        }
    }
}

/// Starts a poller for every feed of `source`, the one unnamed account (`FeedId::all`). The
/// deadline of each fetch is its refresh interval, capped at `max_deadline`, so a dead region
/// shows as stale within one interval or so. The handle makes every poller fetch at once.
pub fn spawn_all(
    source: Arc<dyn FleetSource>,
    refresh: Refresh,
    max_deadline: Duration,
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
) -> RefreshNow {
    spawn_accounts(
        &[AccountFleet::single(source)],
        refresh,
        max_deadline,
        tx,
        cancel,
    )
}

/// Starts a poller for every feed of every account of `fleets` (`FeedId::of_fleets`): one per
/// (account, region, kind of data) and one Route 53 poller per account, each fetching from its
/// own account's source, so a dead account or region is stale alone.
pub fn spawn_accounts(
    fleets: &[AccountFleet],
    refresh: Refresh,
    max_deadline: Duration,
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
) -> RefreshNow {
    let (refresh_now, asked) = RefreshNow::new();
    for (feed, source) in FeedId::of_fleets(fleets) {
        let interval = feed.interval(&refresh);
        tokio::spawn(poll_loop(
            feed,
            source,
            interval,
            interval.min(max_deadline),
            tx.clone(),
            cancel.clone(),
            asked.clone(),
        ));
    }
    refresh_now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Fetched;
    use crate::source::{FetchResult, SourceError, with_deadline};

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        let i = Duration::from_secs(10);
        assert_eq!(next_delay(i, 0, None), i);
        assert_eq!(
            next_delay(i, 1, Some(&SourceErrorKind::Timeout)),
            Duration::from_secs(20)
        );
        assert_eq!(
            next_delay(i, 2, Some(&SourceErrorKind::Throttled)),
            Duration::from_secs(40)
        );
        assert_eq!(
            next_delay(i, 30, Some(&SourceErrorKind::Timeout)),
            MAX_BACKOFF
        );
        assert_eq!(
            next_delay(i, 1, Some(&SourceErrorKind::AccessDenied)),
            MAX_BACKOFF
        );
    }

    #[test]
    fn a_feed_whose_credentials_expired_keeps_its_pace_to_pick_up_renewed_ones() {
        let i = Duration::from_secs(30);
        let expired = crate::source::aws::error::kind_of_service_error(Some("ExpiredToken"), None);
        for failures in [1, 2, 10] {
            assert_eq!(next_delay(i, failures, Some(&expired)), i, "{failures}");
        }
    }

    /// Answers every fetch at once, so that only the pollers' waits decide when they come.
    struct Instant;

    #[async_trait::async_trait]
    impl FleetSource for Instant {
        fn name(&self) -> &str {
            "instant"
        }
        fn regions(&self) -> Vec<String> {
            vec!["r-1".into()]
        }
        async fn replicas(&self, _: &str) -> FetchResult<Vec<crate::fleet::Replica>> {
            Ok(crate::fleet::Snapshot::new(
                vec![],
                jiff::Timestamp::UNIX_EPOCH,
            ))
        }
        async fn backups(&self, _: &str) -> FetchResult<crate::fleet::BackupHealth> {
            Ok(crate::fleet::Snapshot::new(
                crate::fleet::BackupHealth::default(),
                jiff::Timestamp::UNIX_EPOCH,
            ))
        }
        async fn health_checks(&self) -> FetchResult<Vec<crate::fleet::HealthCheck>> {
            Ok(crate::fleet::Snapshot::new(
                vec![],
                jiff::Timestamp::UNIX_EPOCH,
            ))
        }
        async fn checker_detail(
            &self,
            _: &str,
        ) -> FetchResult<Vec<crate::fleet::CheckerObservation>> {
            Ok(crate::fleet::Snapshot::new(
                vec![],
                jiff::Timestamp::UNIX_EPOCH,
            ))
        }
        async fn lag_history(
            &self,
            of: &crate::fleet::HistoryOf,
        ) -> FetchResult<crate::fleet::LagHistory> {
            let to = jiff::Timestamp::UNIX_EPOCH;
            Ok(crate::fleet::Snapshot::new(
                crate::fleet::LagHistory {
                    of: of.clone(),
                    day: crate::fleet::LagSeries::empty(crate::fleet::HistorySpan::Day, to),
                    week: crate::fleet::LagSeries::empty(crate::fleet::HistorySpan::Week, to),
                },
                to,
            ))
        }
    }

    /// Waits for one event of each feed (replicas, backups, health).
    async fn one_round(rx: &mut mpsc::Receiver<Event>) {
        let (mut replicas, mut backups, mut health) = (false, false, false);
        while !(replicas && backups && health) {
            match rx.recv().await.expect("pollers run") {
                Event::Fetched(Fetched::Replicas { .. }) => replicas = true,
                Event::Fetched(Fetched::Backups { .. }) => backups = true,
                Event::Fetched(Fetched::Health {
                    account: None,
                    result: _,
                }) => health = true,
                _ => {}
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn refresh_now_fetches_every_feed_without_waiting_for_its_interval() {
        let (tx, mut rx) = mpsc::channel(64);
        let cancel = CancellationToken::new();
        let refresh = Refresh::default();
        let refresh_now = spawn_all(
            Arc::new(Instant),
            refresh,
            Duration::from_secs(20),
            tx,
            cancel.clone(),
        );
        one_round(&mut rx).await;
        // Time stands still unless every task waits; the pollers' next ticks are 30 s away.
        let asked = tokio::time::Instant::now();
        refresh_now.now();
        one_round(&mut rx).await;
        assert_eq!(
            asked.elapsed(),
            Duration::ZERO,
            "every feed fetched at once, not at its next tick"
        );
        cancel.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn a_fetch_that_never_answers_times_out() {
        let never = std::future::pending::<FetchResult<()>>();
        let err = with_deadline(Duration::from_secs(5), "rds:DescribeDBInstances", never)
            .await
            .expect_err("times out");
        assert_eq!(err.kind, SourceErrorKind::Timeout);
        assert_eq!(err.call, "rds:DescribeDBInstances");
    }

    struct Hanging;

    #[async_trait::async_trait]
    impl FleetSource for Hanging {
        fn name(&self) -> &str {
            "hanging"
        }
        fn regions(&self) -> Vec<String> {
            vec!["dead-1".into()]
        }
        async fn replicas(&self, _: &str) -> FetchResult<Vec<crate::fleet::Replica>> {
            std::future::pending().await
        }
        async fn backups(&self, _: &str) -> FetchResult<crate::fleet::BackupHealth> {
            std::future::pending().await
        }
        async fn health_checks(&self) -> FetchResult<Vec<crate::fleet::HealthCheck>> {
            Ok(crate::fleet::Snapshot::new(
                vec![],
                jiff::Timestamp::UNIX_EPOCH,
            ))
        }
        async fn checker_detail(
            &self,
            _: &str,
        ) -> FetchResult<Vec<crate::fleet::CheckerObservation>> {
            std::future::pending().await
        }
        async fn lag_history(
            &self,
            _: &crate::fleet::HistoryOf,
        ) -> FetchResult<crate::fleet::LagHistory> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_dead_region_reports_timeouts_while_others_answer() {
        let (tx, mut rx) = mpsc::channel(16);
        let cancel = CancellationToken::new();
        spawn_all(
            Arc::new(Hanging),
            Refresh::demo(),
            Duration::from_secs(3),
            tx,
            cancel.clone(),
        );
        let mut saw_health = false;
        let mut saw_timeout = false;
        while !(saw_health && saw_timeout) {
            match rx.recv().await.expect("pollers run") {
                Event::Fetched(Fetched::Health {
                    account: None,
                    result: Ok(_),
                }) => saw_health = true,
                Event::Fetched(Fetched::Replicas {
                    place,
                    result: Err(e),
                }) => {
                    assert_eq!(place.region, "dead-1");
                    assert_eq!(e.kind, SourceErrorKind::Timeout);
                    saw_timeout = true;
                }
                _ => {}
            }
        }
        cancel.cancel();
    }

    /// A `tracing` writer into a shared buffer, to read what the poller logged.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A source whose replicas answer as scripted, one entry per fetch: a failure of that
    /// kind, or `None` for an answer.
    struct Scripted {
        step: Arc<std::sync::atomic::AtomicUsize>,
        script: Vec<Option<SourceErrorKind>>,
    }

    #[async_trait::async_trait]
    impl FleetSource for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }
        fn regions(&self) -> Vec<String> {
            vec!["r-1".into()]
        }
        async fn replicas(&self, _: &str) -> FetchResult<Vec<crate::fleet::Replica>> {
            let n = self.step.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match self.script.get(n).cloned().unwrap_or(None) {
                Some(kind) => {
                    let message = match kind {
                        SourceErrorKind::Timeout => "no answer",
                        _ => "not authorized",
                    };
                    Err(SourceError::new(kind, "rds:DescribeDBInstances", message))
                }
                None => Ok(crate::fleet::Snapshot::new(
                    Vec::new(),
                    jiff::Timestamp::UNIX_EPOCH,
                )),
            }
        }
        async fn backups(&self, _: &str) -> FetchResult<crate::fleet::BackupHealth> {
            std::future::pending().await
        }
        async fn health_checks(&self) -> FetchResult<Vec<crate::fleet::HealthCheck>> {
            std::future::pending().await
        }
        async fn checker_detail(
            &self,
            _: &str,
        ) -> FetchResult<Vec<crate::fleet::CheckerObservation>> {
            std::future::pending().await
        }
        async fn lag_history(
            &self,
            _: &crate::fleet::HistoryOf,
        ) -> FetchResult<crate::fleet::LagHistory> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_log_has_one_line_per_change_of_state_not_one_per_retry() {
        use SourceErrorKind::{AccessDenied, Timeout};
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        // Three timeouts, then the call is denied twice, then it answers twice, then times out.
        let script = [
            Some(Timeout),
            Some(Timeout),
            Some(Timeout),
            Some(AccessDenied),
            Some(AccessDenied),
            None,
            None,
            Some(Timeout),
        ];
        let rounds = script.len();
        let step = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, mut rx) = mpsc::channel(16);
        let cancel = CancellationToken::new();
        let (_refresh, asked) = RefreshNow::new();
        let source = Scripted {
            step: step.clone(),
            script: script.to_vec(),
        };
        let poller = tokio::spawn(poll_loop(
            FeedId::Replicas("r-1".into()),
            Arc::new(source),
            Duration::from_secs(1),
            Duration::from_secs(5),
            tx,
            cancel.clone(),
            asked,
        ));
        for _ in 0..rounds {
            rx.recv().await.expect("the poller sends each result");
        }
        cancel.cancel();
        poller.await.expect("the poller ends");
        let text = String::from_utf8(log.0.lock().expect("not poisoned").clone()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            4,
            "timed out, denied, recovered, timed out again:\n{text}"
        );
        assert!(lines[0].contains("no answer"), "{text}");
        assert!(lines[1].contains("not authorized"), "{text}");
        assert!(lines[2].contains("recovered"), "{text}");
        assert!(lines[3].contains("no answer"), "{text}");
    }
}
