//! The journal stands between `App::update` and the effects: after each update, before any
//! command is carried out, it appends every new run-log entry to the run's audit file (synced),
//! then lets a job that changes anything through only if its intent is on disk. When the file
//! cannot be written the job is refused, before any call, and the refusal goes back to the app
//! as the step's failure: fail closed.
//!
//! It runs in the runner's loop, not in a task: the write-ahead rule needs the append done
//! before the dispatch, and doing both in order in one place keeps that obvious. One fsync per
//! decision is cheap next to the decision.

use super::lock::RunLock;
use super::model::{ActedIn, Draft, Operator, RunbookRef};
use super::resume::{Prepared, ResumeData, ResumeRefusal};
use super::writer::AuditWriter;
use crate::runbook::act::port::CallerIdentity;
use crate::runbook::exec::Run;
use crate::runbook::exec::log::{LogEntry, LogEvent};
use crate::runbook::exec::work::{Check, Job, Report, ReportBody, Work};
use crate::runbook::lang::library::Library;
use crate::testhook::{self, Point};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub struct Journal {
    dir: PathBuf,
    operator: Operator,
    runs: BTreeMap<String, RunJournal>,
    /// Ids a second run of this session came with: nothing of that run is written or sent.
    repeated: BTreeSet<String>,
    /// With `[[account]]` tables: each named account, and whose credentials act there. Each
    /// step acts in one of them and its records say which (`ActedIn`). Empty: one identity.
    accounts: BTreeMap<String, ActedIn>,
    /// Where each job let through acts (run, request), for the runner to pick its `Actions`.
    placed: BTreeMap<(String, u64), Option<String>>,
    /// The account of an intent not written yet (run, seq), decided as its job was gated.
    intents: BTreeMap<(String, u64), String>,
    /// The account each step's last intent named (run, step), for its outcome's record.
    steps: BTreeMap<(String, String), String>,
}

struct RunJournal {
    writer: Option<AuditWriter>,
    /// Why nothing more can be written for this run; set once, kept for good.
    failure: Option<String>,
    /// Whether the app was told about `failure`.
    reported: bool,
    _lock: Option<RunLock>,
    /// The `seq` of the last entry on disk.
    written_seq: u64,
    /// That entry: a run whose log does not hold it at `written_seq` is another run.
    last_written: Option<LogEntry>,
    /// The final head, once the run is sealed (`seal_if_ended`).
    sealed: Option<String>,
    runbook: RunbookRef,
    secrets: Vec<String>,
}

/// An existing run's file, opened for resuming it, and its lock.
pub struct Attachment {
    pub run: String,
    pub runbook: RunbookRef,
    pub writer: AuditWriter,
    pub lock: RunLock,
    pub secrets: Vec<String>,
}

/// What the audit log has to tell the runner: a run it cannot write, a run it sealed, a job
/// it refused (as that job's failure report).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Failed { run: String, message: String },
    Sealed { run: String, head: String },
    Refused(Report),
}

/// The work the audit log lets through, and what it has to say.
pub struct Gated {
    pub work: Vec<Work>,
    pub notices: Vec<Notice>,
}

impl Journal {
    pub fn new(dir: PathBuf, operator: Operator) -> Journal {
        Journal {
            dir,
            operator,
            runs: BTreeMap::new(),
            repeated: BTreeSet::new(),
            accounts: BTreeMap::new(),
            placed: BTreeMap::new(),
            intents: BTreeMap::new(),
            steps: BTreeMap::new(),
        }
    }

    /// Acts in named accounts: each with the identity its credentials answered with. Every
    /// job is then placed in one of them (`gate_placed`), and refused when it cannot be.
    pub fn with_accounts(mut self, accounts: Vec<ActedIn>) -> Journal {
        self.accounts = accounts.into_iter().map(|a| (a.name.clone(), a)).collect();
        self
    }

    /// Whether steps act in named accounts (each job placed in one).
    pub fn per_account(&self) -> bool {
        !self.accounts.is_empty()
    }

    /// The named accounts and their identities.
    pub fn accounts(&self) -> impl Iterator<Item = &ActedIn> {
        self.accounts.values()
    }

    /// The named account a job let through acts in (`None`: one account, or a shell step),
    /// forgotten once asked: the runner asks once, as it carries the job out.
    pub fn take_account(&mut self, work: &Work) -> Option<String> {
        self.placed
            .remove(&(work.run.clone(), work.request))
            .flatten()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The identity of the credentials the actions use, once it is known.
    pub fn set_caller(&mut self, aws: CallerIdentity) {
        self.operator.aws = aws;
    }

    /// The identity of the credentials the actions use, as the records name it.
    pub fn caller(&self) -> &CallerIdentity {
        &self.operator.aws
    }

    /// Reads an unfinished run back from this journal's directory to go on with it here:
    /// verified, locked, its runbook and parameters checked (`resume::prepare`), and refused
    /// when it acted on another kind of fleet or another AWS account than this journal's
    /// credentials (`resume::same_source`). Its file is then attached, so that what follows
    /// is appended to it.
    pub fn resume(
        &mut self,
        run: &str,
        library: &Library,
        given: &[(String, String)],
    ) -> Result<Box<ResumeData>, ResumeRefusal> {
        let prepared = super::resume::prepare(&self.dir, run, library, given)?;
        self.adopt(prepared)
    }

    /// Goes on with a run `resume::prepare` read back, if it may go on with this journal's
    /// credentials; otherwise it is let go (its lock released) and why is returned.
    /// Only then is its file changed (a torn last line cut off): a refused resume leaves it
    /// as it was.
    pub fn adopt(&mut self, prepared: Prepared) -> Result<Box<ResumeData>, ResumeRefusal> {
        let run = prepared.pending.run.clone();
        super::resume::same_source(&prepared.acted_as, &self.operator.aws, &run)?;
        super::resume::same_accounts(&prepared, &self.accounts, &run)?;
        self.refuse_held(&run).map_err(ResumeRefusal::AlreadyOpen)?;
        let attachment = prepared.pending.open()?;
        self.attach(attachment, prepared.data.entries.last().cloned())
            .map_err(ResumeRefusal::AlreadyOpen)?;
        Ok(Box::new(prepared.data))
    }

    /// Goes on writing an existing run's file (a resumed run) whose last record is `last`.
    pub fn attach(&mut self, a: Attachment, last: Option<LogEntry>) -> Result<(), String> {
        self.refuse_held(&a.run)?;
        let written_seq = a.writer.next_seq() - 1;
        self.runs.insert(
            a.run,
            RunJournal {
                writer: Some(a.writer),
                failure: None,
                reported: false,
                _lock: Some(a.lock),
                written_seq,
                last_written: last,
                sealed: None,
                runbook: a.runbook,
                secrets: a.secrets,
            },
        );
        Ok(())
    }

    /// A run id this journal already writes is never taken on a second time: two runs would
    /// share one file, and the second's records up to the first's length would be skipped.
    fn refuse_held(&self, run: &str) -> Result<(), String> {
        if self.runs.contains_key(run) {
            return Err(format!(
                "run {run} is already open in this cockpit's audit log: one id, one run"
            ));
        }
        Ok(())
    }

    /// Writes every run's new entries (`runs`: this session's, earliest first), then passes on
    /// the work the audit log allows. One account: nothing is placed.
    pub fn gate<'a>(&mut self, runs: impl IntoIterator<Item = &'a Run>, work: Vec<Work>) -> Gated {
        self.gate_placed(runs, work, |_| Ok(None))
    }

    /// `gate`, with named accounts placing each job in the account `place` says (its
    /// resource's), before its intent is written so that the intent names it; a job that
    /// cannot be placed is refused before anything is read or sent (`Ok(None)`: a job that
    /// acts in no account, a shell step). Without named accounts `place` is not asked.
    pub fn gate_placed<'a>(
        &mut self,
        runs: impl IntoIterator<Item = &'a Run>,
        work: Vec<Work>,
        place: impl Fn(&Work) -> Result<Option<String>, String>,
    ) -> Gated {
        let placed: Vec<Result<Option<String>, String>> = work
            .iter()
            .map(|w| {
                if self.per_account() {
                    place(w)
                } else {
                    Ok(None)
                }
            })
            .collect();
        for (w, p) in work.iter().zip(&placed) {
            if let (Job::Perform { intent, .. }, Ok(Some(name))) = (&w.job, p) {
                self.intents
                    .insert((w.run.clone(), intent.seq), name.clone());
            }
        }
        let mut notices = Vec::new();
        // Runs of this session, earliest first: a later run with an id an earlier one holds
        // is refused, never written into the earlier one's file.
        let mut seen = BTreeSet::new();
        for run in runs {
            if !seen.insert(run.id.as_str()) {
                if self.repeated.insert(run.id.clone()) {
                    notices.push(Notice::Failed {
                        run: run.id.clone(),
                        message: repeated_id(&run.id),
                    });
                }
                continue;
            }
            self.write_new(run);
            notices.extend(self.seal_if_ended(run, false));
            if let Some(journal) = self.runs.get_mut(&run.id)
                && let Some(failure) = &journal.failure
                && !journal.reported
            {
                journal.reported = true;
                notices.push(Notice::Failed {
                    run: run.id.clone(),
                    message: failure.clone(),
                });
            }
        }
        let mut passed = Vec::new();
        for (work, placed) in work.into_iter().zip(placed) {
            let admitted = self
                .admit(&work)
                .and_then(|()| self.in_account(&work, placed));
            match admitted {
                Ok(account) => {
                    if matches!(work.job, Job::Perform { .. }) {
                        testhook::pause_blocking(Point::BeforeCall);
                    }
                    if self.per_account() {
                        self.placed
                            .insert((work.run.clone(), work.request), account);
                    }
                    passed.push(work);
                }
                Err(why) => {
                    let body = match work.job {
                        // A read that cannot be placed cannot tell: it blocks the step.
                        Job::Inspect(_) => {
                            ReportBody::Inspected(vec![Check::unknown("account", why)])
                        }
                        Job::Perform { .. } => ReportBody::Failed(why),
                    };
                    notices.push(Notice::Refused(Report {
                        run: work.run.clone(),
                        request: work.request,
                        step: work.step,
                        body,
                    }));
                }
            }
        }
        Gated {
            work: passed,
            notices,
        }
    }

    /// Whether a job may be carried out: reads always; a change only once its intent is on
    /// disk.
    pub fn admit(&self, work: &Work) -> Result<(), String> {
        let Job::Perform { intent, .. } = &work.job else {
            return Ok(());
        };
        let refused = |why: &str| {
            format!(
                "refused before any call: {why}; nothing was sent. Make the audit directory writable (--audit-dir or RIPCORD_AUDIT_DIR), restart ripcord and resume the run"
            )
        };
        if self.repeated.contains(&work.run) {
            return Err(refused(&repeated_id(&work.run)));
        }
        match self.runs.get(&work.run) {
            None => Err(refused("no audit log is open for this run")),
            Some(journal) => match &journal.failure {
                Some(failure) => Err(refused(failure)),
                None if journal.written_seq >= intent.seq => Ok(()),
                None => Err(refused("its intent is not in the audit log")),
            },
        }
    }

    /// The account a job acts in, from where it was placed: one of this journal's accounts
    /// (with credentials to act there), or none for a job that acts in no account.
    fn in_account(
        &self,
        work: &Work,
        placed: Result<Option<String>, String>,
    ) -> Result<Option<String>, String> {
        let refused = |why: String| match work.job {
            Job::Perform { .. } => format!("refused before any call: {why}"),
            Job::Inspect(_) => why,
        };
        match placed.map_err(refused)? {
            Some(name) if !self.accounts.contains_key(&name) => Err(refused(format!(
                "account {name} has no credentials to act with in this cockpit"
            ))),
            placed => Ok(placed),
        }
    }

    fn write_new(&mut self, run: &Run) {
        if !self.runs.contains_key(&run.id) {
            let opened = open_new(&self.dir, run);
            self.runs.insert(run.id.clone(), opened);
        }
        let operator = self.operator.clone();
        let Some(journal) = self.runs.get_mut(&run.id) else {
            return;
        };
        let from = journal.written_seq;
        // The run must be the one whose records are on disk: its log holds them, the last
        // one unchanged. Anything else is another run under the same id.
        let on_disk = usize::try_from(from)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .map(|i| run.log.get(i));
        if journal.failure.is_none()
            && let Some(last) = on_disk
            && last != journal.last_written.as_ref()
        {
            journal.failure = Some(repeated_id(&run.id));
            return;
        }
        for entry in run.log.iter().filter(|e| e.seq > from) {
            if journal.failure.is_some() {
                return;
            }
            let account = acted_in(&self.accounts, &mut self.intents, &mut self.steps, entry);
            if let Err(e) = journal.append(entry, &operator, account) {
                journal.failure = Some(e);
            }
        }
    }
}

// ---- The seal (audit-seal): an ended run's file is closed with a seal and indexed. ----
impl Journal {
    /// Seals `run`'s file once the run has ended and no result can still come for it (a step
    /// left running by an abort reports late), or, with `closing`, once it has ended at all:
    /// this journal is going away and nothing more will be written. Returns the notice that
    /// shows the final head.
    fn seal_if_ended(&mut self, run: &Run, closing: bool) -> Option<Notice> {
        let journal = self.runs.get_mut(&run.id)?;
        if journal.sealed.is_some() || journal.failure.is_some() {
            return None;
        }
        let writer = journal.writer.as_mut()?;
        match super::seal::seal_if_ended(writer, run, journal.written_seq, closing) {
            Ok(None) => None,
            Ok(Some(head)) => {
                journal.sealed = Some(head.clone());
                Some(Notice::Sealed {
                    run: run.id.clone(),
                    head,
                })
            }
            Err(e) => {
                journal.failure = Some(e);
                None
            }
        }
    }

    /// Seals every ended run this journal wrote (the cockpit is stopping) and returns each
    /// sealed run with its final head and file, to be printed for the incident ticket.
    pub fn close<'a>(
        &mut self,
        runs: impl IntoIterator<Item = &'a Run>,
    ) -> Vec<(String, String, PathBuf)> {
        for run in runs {
            self.seal_if_ended(run, true);
        }
        self.runs
            .iter()
            .filter_map(|(id, j)| {
                let head = j.sealed.clone()?;
                let path = j.writer.as_ref()?.path().to_path_buf();
                Some((id.clone(), head, path))
            })
            .collect()
    }
}

fn open_new(dir: &Path, run: &Run) -> RunJournal {
    let mut journal = RunJournal {
        writer: None,
        failure: None,
        reported: false,
        _lock: None,
        written_seq: 0,
        last_written: None,
        sealed: None,
        runbook: RunbookRef {
            name: run.book.name.clone(),
            file: run.book.file.clone(),
            sha256: run.book.sha256.clone(),
        },
        secrets: run.params.secret_values(),
    };
    match RunLock::acquire(dir, &run.id) {
        Ok(lock) => journal._lock = Some(lock),
        Err(e) => {
            journal.failure = Some(e.describe(&run.id));
            return journal;
        }
    }
    match AuditWriter::create(dir, &run.id) {
        Ok(writer) => journal.writer = Some(writer),
        Err(e) => journal.failure = Some(e.to_string()),
    }
    journal
}

impl RunJournal {
    fn append(
        &mut self,
        entry: &LogEntry,
        operator: &Operator,
        account: Option<ActedIn>,
    ) -> Result<(), String> {
        let Some(writer) = self.writer.as_mut() else {
            return Err("the audit log is not open".to_string());
        };
        if writer.next_seq() != entry.seq {
            return Err(format!(
                "the run log's entry {} does not follow the audit log's record {}: refusing to write out of order",
                entry.seq,
                writer.next_seq() - 1
            ));
        }
        let draft = Draft {
            at: entry.at,
            run: entry.run.clone(),
            runbook: self.runbook.clone(),
            step: entry.step.clone(),
            event: entry.event.clone(),
            operator: operator.clone(),
            account,
        };
        let mut value =
            serde_json::to_value(&draft).map_err(|e| format!("cannot encode a record: {e}"))?;
        scrub(&mut value, &self.secrets);
        let Value::Object(body) = value else {
            return Err("a record did not encode as an object".to_string());
        };
        let is_intent = matches!(entry.event, LogEvent::Intent { .. });
        if is_intent {
            testhook::pause_blocking(Point::BeforeIntent);
            if testhook::requested() == Some(Point::TornIntent) {
                let (line, _) = writer.prepare(body.clone());
                writer
                    .write_torn_for_test(&line)
                    .map_err(|e| e.to_string())?;
                testhook::pause_blocking(Point::TornIntent);
            }
        }
        writer.append(body).map_err(|e| e.to_string())?;
        self.written_seq = entry.seq;
        self.last_written = Some(entry.clone());
        super::seal::index_if_first(writer, entry)?;
        tracing::info!(
            run = %entry.run,
            seq = entry.seq,
            "audit: {} written",
            entry.event.kind()
        );
        Ok(())
    }
}

/// The named account `entry`'s record names: a step's intent, the account its job was placed
/// in; the step's outcome (done, failed, a late result, an in-doubt decision), the account its
/// last intent named. Other records name none.
fn acted_in(
    accounts: &BTreeMap<String, ActedIn>,
    intents: &mut BTreeMap<(String, u64), String>,
    steps: &mut BTreeMap<(String, String), String>,
    entry: &LogEntry,
) -> Option<ActedIn> {
    if accounts.is_empty() {
        return None;
    }
    let step = (entry.run.clone(), entry.step.clone()?);
    let name = match entry.event {
        LogEvent::Intent { .. } => match intents.remove(&(entry.run.clone(), entry.seq)) {
            Some(name) => {
                steps.insert(step, name.clone());
                name
            }
            None => {
                // Not placed: the job is refused, and its failure names no account.
                steps.remove(&step);
                return None;
            }
        },
        LogEvent::StepDone { .. }
        | LogEvent::StepFailed { .. }
        | LogEvent::LateResult { .. }
        | LogEvent::InDoubtResolved { .. } => steps.get(&step)?.clone(),
        _ => return None,
    };
    accounts.get(&name).cloned()
}

fn repeated_id(run: &str) -> String {
    format!(
        "run id {run} is already held by another run of this cockpit: refusing to write two runs into one audit file; start the run again (it gets a new id)"
    )
}

/// Replaces every secret value inside every string of a record. The run log already hides
/// secret parameters; this catches a secret that reached a record another way.
pub fn scrub(value: &mut Value, secrets: &[String]) {
    crate::runbook::lang::params::scrub_json(value, secrets);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_under_an_id_the_journal_holds_is_refused_and_never_written() {
        use crate::runbook::exec::run_id;
        use crate::runbook::lang::library::Library;
        use crate::runbook::lang::params;
        let dir = tempfile::tempdir().expect("tempdir");
        // The audit directory must be private: one others can read or write is refused.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod 700");
        let book = Library::shipped()
            .find("backup-restore-drill")
            .and_then(|e| e.loaded.clone().ok())
            .expect("shipped");
        let values = params::resolve(&book, &[]).expect("defaults fit");
        let now = jiff::Timestamp::from_second(1_800_000_000).expect("valid");
        let id = run_id(&book, now, "0a1b2c");
        let mut journal = Journal::new(
            dir.path().to_path_buf(),
            crate::audit::identity::current(CallerIdentity::Simulated),
        );
        let (mut first, _) =
            Run::start(id.clone(), book.clone(), values.clone(), "t", now).expect("starts");
        journal.gate([&first], Vec::new());
        first
            .abort("started with the wrong values", now)
            .expect("aborts");
        journal.gate([&first], Vec::new());
        let file = super::super::writer::file_for(dir.path(), &id);
        let written = std::fs::read(&file).expect("the first run's file");
        // The same id again (as one-second ids gave), started in the same cockpit.
        let (mut second, work) = Run::start(id.clone(), book, values, "t", now).expect("starts");
        let gated = journal.gate([&first, &second], work);
        assert!(
            gated.notices.iter().any(|n| matches!(
                n,
                Notice::Failed { message, .. } if message.contains("already held by another run")
            )),
            "the operator is told"
        );
        // The second run goes on past the first one's length: still nothing of it is written.
        for _ in 0..3 {
            let _ = second.skip("not this time", now);
        }
        journal.gate([&first, &second], Vec::new());
        assert_eq!(
            std::fs::read(&file).expect("reads"),
            written,
            "nothing of the second run went into the first run's file"
        );
    }

    /// One action step (a DNS change), for the accounts' tests.
    const ONE_CHANGE: &str = "---\ntitle: One change\nrto: 5m\n---\n## Point the record\n\n```ripcord\naction: upsert-record\nzone: Z0EXAMPLESIM\nname: api.example.com.\ntype: CNAME\nvalue: api.us-west-2.example.com\n```\n";

    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod 700");
        dir
    }

    fn known(account: &str, who: &str) -> CallerIdentity {
        CallerIdentity::Known {
            arn: format!("arn:aws:sts::{account}:assumed-role/ripcord-runbook/{who}"),
            account: account.to_string(),
        }
    }

    fn acted(name: &str, aws: CallerIdentity, production: bool) -> ActedIn {
        ActedIn {
            name: name.to_string(),
            aws,
            production,
        }
    }

    fn two_accounts(backup: CallerIdentity) -> Vec<ActedIn> {
        vec![
            acted("workload", known("111111111111", "alice"), true),
            acted("backup", backup, false),
        ]
    }

    /// A journal acting in `accounts` (none: one identity), in `dir`.
    fn journal_in(dir: &Path, accounts: Vec<ActedIn>) -> Journal {
        let aws = if accounts.is_empty() {
            known("111111111111", "alice")
        } else {
            CallerIdentity::Unknown {
                why: "named accounts".to_string(),
            }
        };
        Journal::new(dir.to_path_buf(), crate::audit::identity::current(aws))
            .with_accounts(accounts)
    }

    /// The one-change runbook's library (its file in `books`) and a run of it, started.
    fn one_change(books: &Path) -> (Library, Run, Vec<Work>) {
        std::fs::write(books.join("one-change.md"), ONE_CHANGE).expect("write");
        let library = Library::load(&[books.to_path_buf()]);
        let book = library
            .find("one-change")
            .and_then(|e| e.loaded.clone().ok())
            .expect("loads");
        let values = crate::runbook::lang::params::resolve(&book, &[]).expect("no parameters");
        let now = jiff::Timestamp::from_second(1_800_000_000).expect("valid");
        let id = crate::runbook::exec::run_id(&book, now, "0a1b2c");
        let (run, work) = Run::start(id, book, values, "t", now).expect("starts");
        (library, run, work)
    }

    fn answer(run: &mut Run, work: &Work, body: ReportBody) -> Vec<Work> {
        let now = jiff::Timestamp::from_second(1_800_000_010).expect("valid");
        run.on_report(
            Report {
                run: work.run.clone(),
                request: work.request,
                step: work.step,
                body,
            },
            now,
        )
    }

    /// Gates `work` placed in `account`, answers every read with a check that holds and every
    /// change with success, until the run asks for nothing more; returns the accounts the
    /// runner was told each job acts in.
    fn carry_out_in(
        journal: &mut Journal,
        run: &mut Run,
        mut work: Vec<Work>,
        account: &str,
    ) -> Vec<Option<String>> {
        let mut told = Vec::new();
        let now = jiff::Timestamp::from_second(1_800_000_005).expect("valid");
        loop {
            let gated = journal.gate_placed([&*run], work, |_| Ok(Some(account.to_string())));
            assert!(gated.notices.is_empty(), "{:?}", gated.notices);
            let mut next = Vec::new();
            for w in gated.work {
                told.push(journal.take_account(&w));
                let body = match &w.job {
                    Job::Inspect(_) => ReportBody::Inspected(vec![Check::new("it", true, "ok")]),
                    Job::Perform { .. } => {
                        ReportBody::Done(crate::runbook::exec::work::Outcome::new("changed"))
                    }
                };
                next.extend(answer(run, &w, body));
            }
            if next.is_empty()
                && run.state.current.is_some()
                && run
                    .log
                    .last()
                    .is_some_and(|e| !matches!(e.event, LogEvent::Intent { .. }))
            {
                match run.confirm(None, now) {
                    Ok(more) if !more.is_empty() => next = more,
                    _ => {}
                }
            }
            if next.is_empty() {
                journal.gate([&*run], Vec::new());
                return told;
            }
            work = next;
        }
    }

    fn records_of(dir: &Path, run: &str) -> Vec<super::super::model::Record> {
        super::super::read::read_run(&super::super::writer::file_for(dir, run))
            .expect("verifies")
            .records
    }

    #[test]
    fn with_named_accounts_a_steps_intent_and_outcome_name_its_account_and_identity() {
        let dir = private_dir();
        let books = tempfile::tempdir().expect("books");
        let (_, mut run, work) = one_change(books.path());
        let backup = known("210987654321", "bob");
        let mut journal = journal_in(dir.path(), two_accounts(backup.clone()));
        let told = carry_out_in(&mut journal, &mut run, work, "backup");
        assert!(
            told.iter().all(|a| a.as_deref() == Some("backup")),
            "the runner is told the account of every job: {told:?}"
        );
        let records = records_of(dir.path(), &run.id);
        let named: Vec<(&str, Option<&ActedIn>)> = records
            .iter()
            .map(|r| (r.event.kind(), r.account.as_ref()))
            .collect();
        let expected = acted("backup", backup, false);
        for (kind, account) in &named {
            match *kind {
                "intent" | "step-done" => {
                    assert_eq!(*account, Some(&expected), "{kind}: {named:?}")
                }
                _ => assert_eq!(*account, None, "{kind}: {named:?}"),
            }
        }
        assert!(named.iter().any(|(k, _)| *k == "step-done"), "{named:?}");
        // The report says where the run acted, and as whom.
        let file =
            super::super::read::read_run(&super::super::writer::file_for(dir.path(), &run.id))
                .expect("verifies");
        let report = super::super::report::markdown(&file, None);
        assert!(
            report.contains(
                "| Accounts acted in | backup as arn:aws:sts::210987654321:assumed-role/ripcord-runbook/bob |"
            ),
            "{report}"
        );
    }

    #[test]
    fn without_named_accounts_no_record_names_an_account() {
        let dir = private_dir();
        let books = tempfile::tempdir().expect("books");
        let (_, mut run, work) = one_change(books.path());
        let mut journal = journal_in(dir.path(), Vec::new());
        // Placing is not even asked: one account.
        let told = carry_out_in(&mut journal, &mut run, work, "ignored");
        assert!(told.iter().all(Option::is_none), "{told:?}");
        let path = super::super::writer::file_for(dir.path(), &run.id);
        let text = std::fs::read_to_string(path).expect("reads");
        assert!(text.contains("\"intent\""), "{text}");
        for line in text.lines() {
            let record: Value = serde_json::from_str(line).expect("JSON");
            assert_eq!(record.get("account"), None, "{line}");
        }
    }

    #[test]
    fn a_job_that_cannot_be_placed_is_refused_a_read_as_cannot_tell_a_change_before_any_call() {
        let dir = private_dir();
        let books = tempfile::tempdir().expect("books");
        let (_, mut run, work) = one_change(books.path());
        let mut journal = journal_in(dir.path(), two_accounts(known("210987654321", "bob")));
        let why = "cannot tell which account api.example.com. is in: no account in view shows it";
        let gated = journal.gate_placed([&run], work.clone(), |_| Err(why.to_string()));
        assert!(gated.work.is_empty());
        let [Notice::Refused(report)] = &gated.notices[..] else {
            panic!("{:?}", gated.notices)
        };
        let ReportBody::Inspected(checks) = &report.body else {
            panic!("a read refused reads as a check: {report:?}")
        };
        assert_eq!(checks[0].holds, None);
        assert_eq!(checks[0].detail, why);
        // Read in an account, then the change: placed in an account this cockpit has no
        // credentials for, it is refused before any call, and its intent names no account.
        let gated = journal.gate_placed([&run], work, |_| Ok(Some("backup".into())));
        let inspect = gated.work[0].clone();
        assert_eq!(journal.take_account(&inspect).as_deref(), Some("backup"));
        answer(
            &mut run,
            &inspect,
            ReportBody::Inspected(vec![Check::new("it", true, "ok")]),
        );
        let now = jiff::Timestamp::from_second(1_800_000_020).expect("valid");
        let change = run.confirm(None, now).expect("confirmed");
        let gated = journal.gate_placed([&run], change, |_| Ok(Some("elsewhere".into())));
        assert!(gated.work.is_empty());
        let [Notice::Refused(report)] = &gated.notices[..] else {
            panic!("{:?}", gated.notices)
        };
        let ReportBody::Failed(error) = &report.body else {
            panic!("{report:?}")
        };
        assert!(
            error.starts_with("refused before any call: account elsewhere has no credentials"),
            "{error}"
        );
        let records = records_of(dir.path(), &run.id);
        let intent = records
            .iter()
            .find(|r| matches!(r.event, LogEvent::Intent { .. }))
            .expect("the intent was written");
        assert_eq!(intent.account, None);
    }

    #[test]
    fn resume_refuses_an_account_whose_credentials_now_answer_for_another_account() {
        let dir = private_dir();
        let books = tempfile::tempdir().expect("books");
        let (library, mut run, work) = one_change(books.path());
        let then = known("210987654321", "bob");
        let mut journal = journal_in(dir.path(), two_accounts(then.clone()));
        // The read is answered, the change is not: the run is left unfinished.
        let gated = journal.gate_placed([&run], work, |_| Ok(Some("backup".into())));
        answer(
            &mut run,
            &gated.work[0],
            ReportBody::Inspected(vec![Check::new("it", true, "ok")]),
        );
        let now = jiff::Timestamp::from_second(1_800_000_020).expect("valid");
        let change = run.confirm(None, now).expect("confirmed");
        let gated = journal.gate_placed([&run], change, |_| Ok(Some("backup".into())));
        assert_eq!(gated.work.len(), 1);
        drop(journal);
        let id = run.id.clone();

        let other = known("111111111111", "alice");
        let err = journal_in(dir.path(), two_accounts(other.clone()))
            .resume(&id, &library, &[])
            .expect_err("another AWS account answers as backup");
        let ResumeRefusal::AccountChanged {
            name,
            then: was,
            now,
            ..
        } = &err
        else {
            panic!("the account changed: {err}")
        };
        assert_eq!(
            (name.as_str(), was, now),
            ("backup", &then.describe(), &other.describe())
        );
        let err = journal_in(dir.path(), vec![acted("workload", other.clone(), true)])
            .resume(&id, &library, &[])
            .expect_err("backup not in view");
        assert!(
            matches!(&err, ResumeRefusal::AccountNotInView { name, .. } if name == "backup"),
            "{err}"
        );
        let err = journal_in(dir.path(), Vec::new())
            .resume(&id, &library, &[])
            .expect_err("one identity");
        assert!(
            matches!(err, ResumeRefusal::NamedAccountsNeeded { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("[[account]] tables"), "{err}");
        // A colleague's credentials in the same AWS account may go on with it.
        journal_in(dir.path(), two_accounts(known("210987654321", "carol")))
            .resume(&id, &library, &[])
            .expect("the same accounts");
    }

    #[test]
    fn scrub_reaches_every_string_and_leaves_keys_alone() {
        let mut v = serde_json::json!({"e": ["a hunter2 b", {"x": "hunter2"}], "n": 1});
        scrub(&mut v, &["hunter2".to_string(), String::new()]);
        assert_eq!(
            v,
            serde_json::json!({"e": ["a •••••• b", {"x": "••••••"}], "n": 1})
        );
    }
}
