//! Getting a run ready to resume: its file read and verified, its lock taken, the very
//! runbook it started with (same SHA-256), its parameters (secrets given again), and its file
//! opened to go on with. Everything that can go wrong is found here, before the run is rebuilt.

use super::journal::Attachment;
use super::lock::RunLock;
use super::model::{ActedIn, RunbookRef};
use super::read::read_run;
use super::runs::locate;
use super::writer::AuditWriter;
use crate::runbook::act::port::CallerIdentity;
use crate::runbook::exec::Run;
use crate::runbook::exec::log::{BoundParam, LogEntry, LogEvent};
use crate::runbook::lang::library::{self, Library};
use crate::runbook::lang::model::Runbook;
use crate::runbook::lang::params::{self, ParamValues};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the app needs to rebuild the run (`Run::resume`).
#[derive(Debug, Clone)]
pub struct ResumeData {
    pub book: Arc<Runbook>,
    pub params: ParamValues,
    pub entries: Vec<LogEntry>,
    /// A torn last line that was discarded, described for the `run-resumed` record.
    pub torn_tail: Option<String>,
    pub path: PathBuf,
}

/// Why a run cannot be resumed: each a reason the operator can act on, worded as they read
/// it. Callers and tests tell them apart by variant, not by the words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResumeRefusal {
    /// No run by that id or path (the message says what the directory holds).
    #[error("{0}")]
    NoSuchRun(String),
    /// The run file cannot be read, or fails its chain.
    #[error("{0}")]
    Unreadable(String),
    #[error("{file}: holds no records: there is nothing to resume")]
    Empty { file: String },
    #[error(
        "run {run} is already over: there is nothing to resume (`ripcord audit report {run}` writes its report)"
    )]
    Over { run: String },
    /// Another ripcord holds the run's lock (the message names it and how to watch).
    #[error("{0}")]
    Held(String),
    #[error(
        "run {run} followed runbook `{name}` ({file}), which ripcord cannot find now: put it back in a runbook_dirs directory"
    )]
    RunbookMissing {
        run: String,
        name: String,
        file: String,
    },
    #[error(
        "{file} no longer passes its checks ({problem}): fix it back to the version the run started with"
    )]
    RunbookBroken { file: String, problem: String },
    #[error(
        "{file} has changed since run {run} started (SHA-256 {then} then, {now} now): resuming would follow different steps; restore that version, or start a new run"
    )]
    RunbookChanged {
        file: String,
        run: String,
        then: String,
        now: String,
    },
    #[error(
        "parameter `{name}` was {value} when run {run} started and cannot change now: leave out --param {name}"
    )]
    ParamFixed {
        run: String,
        name: String,
        value: String,
    },
    #[error(
        "parameter `{name}` is secret and was given when run {run} started; secrets are never written to the audit log, so give it again: ripcord runbook resume {run}{sim_flag} --param {name}=VALUE"
    )]
    SecretNeeded {
        run: String,
        name: String,
        sim_flag: &'static str,
    },
    #[error("run {run} has no parameter `{name}` (its parameters: {known})")]
    NoSuchParam {
        run: String,
        name: String,
        known: String,
    },
    /// A value given again does not fit its parameter.
    #[error("{0}")]
    BadParam(String),
    /// The records do not fit the runbook (the message names the record).
    #[error("{file}: {why}")]
    CannotRebuild { file: String, why: String },
    #[error(
        "run {run} is a drill against the simulated fleet: it goes on there, never against AWS (ripcord runbook resume {run} --sim, or ripcord demo)"
    )]
    DrillNotOnAws { run: String },
    #[error(
        "run {run} acted on AWS ({acted_as}): it cannot go on against the simulated fleet; resume it without --sim, with the same account's credentials"
    )]
    AwsRunNotOnSimulator { run: String, acted_as: String },
    #[error(
        "run {run} acted on AWS account {then} ({arn}), and these credentials are for account {now}: resume it with credentials for account {then} (--profile)"
    )]
    OtherAccount {
        run: String,
        then: String,
        arn: String,
        now: String,
    },
    #[error(
        "run {run} acted in the named accounts {names}: resume it with the config's [[account]] tables that name them"
    )]
    NamedAccountsNeeded { run: String, names: String },
    #[error(
        "run {run} acted with one set of credentials ({arn}), not in named accounts: resume it with a config without [[account]] tables and that account's --profile"
    )]
    OneAccountRun { run: String, arn: String },
    #[error(
        "run {run} acted in account {name}, which is not in view now (accounts: {in_view}): add it back to the config, or to --accounts"
    )]
    AccountNotInView {
        run: String,
        name: String,
        in_view: String,
    },
    #[error(
        "run {run} acted in account {name} as {then}, and the credentials for account {name} now answer as {now}: another AWS account; resume it with account {name}'s credentials as they were"
    )]
    AccountChanged {
        run: String,
        name: String,
        then: String,
        now: String,
    },
    /// The run file could not be opened to go on with.
    #[error("{0}")]
    CannotOpen(String),
    /// This cockpit already writes a run of that id.
    #[error("{0}")]
    AlreadyOpen(String),
}

pub struct Prepared {
    pub data: ResumeData,
    /// For the journal: the file to go on with (not opened yet), and the lock.
    pub pending: Pending,
    /// Whose credentials the run started with (its first record's): it goes on only against
    /// the same kind of fleet and account (`same_source`).
    pub acted_as: CallerIdentity,
    /// With named accounts: each account the run's steps acted in, and the identity its first
    /// record there names; it goes on only where the same accounts answer (`same_accounts`).
    pub acted_in: BTreeMap<String, CallerIdentity>,
}

/// A run file read and verified, its lock held, not yet changed in any way: a torn last line
/// is cut off only by `open`, once the resume is accepted, so that a refused resume leaves the
/// file exactly as it found it.
pub struct Pending {
    pub run: String,
    pub runbook: RunbookRef,
    pub lock: RunLock,
    pub secrets: Vec<String>,
    path: PathBuf,
    valid_len: u64,
    last_seq: u64,
    head: String,
}

impl Pending {
    /// Opens the file to go on with it (discarding a torn last line).
    pub fn open(self) -> Result<Attachment, ResumeRefusal> {
        let writer =
            AuditWriter::continue_file(&self.path, self.valid_len, self.last_seq, &self.head)
                .map_err(|e| ResumeRefusal::CannotOpen(e.to_string()))?;
        Ok(Attachment {
            run: self.run,
            runbook: self.runbook,
            writer,
            lock: self.lock,
            secrets: self.secrets,
        })
    }
}

/// Whether a run that started with the credentials `acted_as` may go on with actions whose
/// credentials are `now`: a drill against the simulated fleet never goes on against AWS, a run
/// on AWS never against the simulator, and a run on one AWS account never on another. (Other
/// credentials on the same account may: a colleague taking over; the resume records who.)
/// Where either identity could not be told, only the simulator is told apart.
pub fn same_source(
    acted_as: &CallerIdentity,
    now: &CallerIdentity,
    run: &str,
) -> Result<(), ResumeRefusal> {
    let run = run.to_string();
    match (acted_as, now) {
        (CallerIdentity::Simulated, CallerIdentity::Simulated) => Ok(()),
        (CallerIdentity::Simulated, _) => Err(ResumeRefusal::DrillNotOnAws { run }),
        (_, CallerIdentity::Simulated) => Err(ResumeRefusal::AwsRunNotOnSimulator {
            run,
            acted_as: acted_as.describe(),
        }),
        (
            CallerIdentity::Known { account: then, arn },
            CallerIdentity::Known { account: now, .. },
        ) if then != now => Err(ResumeRefusal::OtherAccount {
            run,
            then: then.clone(),
            arn: arn.clone(),
            now: now.clone(),
        }),
        _ => Ok(()),
    }
}

/// Whether a run may go on with the named accounts of this cockpit, `now` (each with the
/// identity its credentials answer with): every account the run acted in must be there, and
/// answer for the same AWS account as when the run acted there (`same_source`'s rule, per
/// account). A run that acted with one set of credentials (no `[[account]]` tables) goes on
/// only without named accounts, and a run that acted in named accounts only with them.
pub fn same_accounts(
    prepared: &Prepared,
    now: &BTreeMap<String, ActedIn>,
    run: &str,
) -> Result<(), ResumeRefusal> {
    let run = run.to_string();
    if now.is_empty() {
        if prepared.acted_in.is_empty() {
            return Ok(());
        }
        return Err(ResumeRefusal::NamedAccountsNeeded {
            run,
            names: names(prepared.acted_in.keys()),
        });
    }
    if let CallerIdentity::Known { arn, .. } = &prepared.acted_as {
        return Err(ResumeRefusal::OneAccountRun {
            run,
            arn: arn.clone(),
        });
    }
    for (name, then) in &prepared.acted_in {
        let Some(account) = now.get(name) else {
            return Err(ResumeRefusal::AccountNotInView {
                run,
                name: name.clone(),
                in_view: names(now.keys()),
            });
        };
        same_source(then, &account.aws, &run).map_err(|_| ResumeRefusal::AccountChanged {
            run: run.clone(),
            name: name.clone(),
            then: then.describe(),
            now: account.aws.describe(),
        })?;
    }
    Ok(())
}

fn names<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.map(String::as_str).collect::<Vec<_>>().join(", ")
}

/// Prepares the run given by id or path. `given` are `--param` values: secrets given when the
/// run started must be given again (they are never in the log).
pub fn prepare(
    dir: &Path,
    run_arg: &str,
    library: &Library,
    given: &[(String, String)],
) -> Result<Prepared, ResumeRefusal> {
    let path = locate(dir, run_arg).map_err(ResumeRefusal::NoSuchRun)?;
    let file = read_run(&path).map_err(ResumeRefusal::Unreadable)?;
    let Some(first) = file.first() else {
        return Err(ResumeRefusal::Empty {
            file: path.display().to_string(),
        });
    };
    let run = first.run.clone();
    let recorded = first.runbook.clone();
    if file.is_over() {
        return Err(ResumeRefusal::Over { run });
    }
    // The file's directory holds the lock, so a run given by path is locked where it lives.
    let lock_dir = path.parent().unwrap_or(dir);
    let lock =
        RunLock::acquire(lock_dir, &run).map_err(|e| ResumeRefusal::Held(e.describe(&run)))?;
    let book = same_runbook(&recorded, library, &run)?;
    let bound: Vec<BoundParam> = file
        .records
        .iter()
        .find_map(|r| match &r.event {
            LogEvent::ParamsBound { params } => Some(params.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let sim_flag = if first.operator.aws == CallerIdentity::Simulated {
        " --sim"
    } else {
        ""
    };
    let params = params_for_resume(&book, &bound, given, &run, sim_flag)?;
    let entries: Vec<LogEntry> = file.records.iter().map(|r| r.entry()).collect();
    // The run is rebuilt here once, only to refuse a log that cannot go on before anything
    // is changed; the app rebuilds it again from the same records (`Run::resume`).
    Run::rebuild(book.clone(), params.clone(), entries.clone(), "").map_err(|why| {
        ResumeRefusal::CannotRebuild {
            file: path.display().to_string(),
            why,
        }
    })?;
    let torn_tail = file.torn.as_ref().map(|t| t.describe());
    let acted_as = first.operator.aws.clone();
    let mut acted_in = BTreeMap::new();
    for account in file.records.iter().filter_map(|r| r.account.as_ref()) {
        acted_in
            .entry(account.name.clone())
            .or_insert_with(|| account.aws.clone());
    }
    Ok(Prepared {
        acted_as,
        acted_in,
        pending: Pending {
            run: run.clone(),
            runbook: recorded,
            lock,
            secrets: params.secret_values(),
            path: path.clone(),
            valid_len: file.valid_len,
            last_seq: file.last_seq(),
            head: file.head.clone(),
        },
        data: ResumeData {
            book,
            params,
            entries,
            torn_tail,
            path,
        },
    })
}

/// The runbook the run started with, found by name (or at its file), and unchanged.
fn same_runbook(
    recorded: &RunbookRef,
    library: &Library,
    run: &str,
) -> Result<Arc<Runbook>, ResumeRefusal> {
    let entry = library
        .find(&recorded.name)
        .cloned()
        .or_else(|| {
            Path::new(&recorded.file)
                .is_file()
                .then(|| library::read_file(Path::new(&recorded.file)))
        })
        .ok_or_else(|| ResumeRefusal::RunbookMissing {
            run: run.to_string(),
            name: recorded.name.clone(),
            file: recorded.file.clone(),
        })?;
    let book = entry
        .loaded
        .clone()
        .map_err(|problems| ResumeRefusal::RunbookBroken {
            file: entry.file.clone(),
            problem: problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
        })?;
    if book.sha256 != recorded.sha256 {
        return Err(ResumeRefusal::RunbookChanged {
            file: entry.file.clone(),
            run: run.to_string(),
            then: short(&recorded.sha256).to_string(),
            now: short(&book.sha256).to_string(),
        });
    }
    Ok(book)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The run's parameter values: the ones logged, with every secret that was given supplied
/// again in `given`. `sim_flag` is ` --sim` for a drill, for the command line it suggests.
fn params_for_resume(
    book: &Runbook,
    bound: &[BoundParam],
    given: &[(String, String)],
    run: &str,
    sim_flag: &'static str,
) -> Result<ParamValues, ResumeRefusal> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in bound {
        let again = given.iter().find(|(n, _)| *n == p.name);
        match (p.secret, p.given, again) {
            (_, _, Some((n, v))) if p.secret => pairs.push((n.clone(), v.clone())),
            (_, _, Some(_)) => {
                return Err(ResumeRefusal::ParamFixed {
                    run: run.to_string(),
                    name: p.name.clone(),
                    value: p.value.clone(),
                });
            }
            (true, true, None) => {
                return Err(ResumeRefusal::SecretNeeded {
                    run: run.to_string(),
                    name: p.name.clone(),
                    sim_flag,
                });
            }
            (false, true, None) => pairs.push((p.name.clone(), p.value.clone())),
            (_, false, None) => {}
        }
    }
    for (name, _) in given {
        if !bound.iter().any(|p| p.name == *name) {
            return Err(ResumeRefusal::NoSuchParam {
                run: run.to_string(),
                name: name.clone(),
                known: bound
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    params::resolve(book, &pairs).map_err(|problems| {
        ResumeRefusal::BadParam(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(account: &str, who: &str) -> CallerIdentity {
        CallerIdentity::Known {
            arn: format!("arn:aws:sts::{account}:assumed-role/dr/{who}"),
            account: account.to_string(),
        }
    }

    fn unknown() -> CallerIdentity {
        CallerIdentity::Unknown {
            why: "sts:GetCallerIdentity failed".to_string(),
        }
    }

    /// A drill's run file, its run unfinished, ending in a torn line; returns its id.
    fn drill_with_a_torn_tail(dir: &Path) -> String {
        drill_file(dir, |book, now| {
            crate::runbook::exec::run_id(book, now, "0a1b2c")
        })
    }

    /// A drill's run file under the id `id_for` gives, unfinished, ending in a torn line.
    fn drill_file(dir: &Path, id_for: impl Fn(&Runbook, jiff::Timestamp) -> String) -> String {
        use crate::audit::journal::Journal;
        let library = Library::shipped();
        let book = library
            .find("rds-cross-region-failover")
            .and_then(|e| e.loaded.clone().ok())
            .expect("shipped");
        let values = params::resolve(&book, &[]).expect("defaults fit");
        let now = jiff::Timestamp::from_second(1_800_000_000).expect("valid");
        let id = id_for(&book, now);
        let (run, _) = Run::start(id, book, values, "tester", now).expect("starts");
        let id = run.id.clone();
        let mut journal = Journal::new(
            dir.to_path_buf(),
            crate::audit::identity::current(CallerIdentity::Simulated),
        );
        journal.gate([&run], Vec::new());
        drop(journal);
        let path = crate::audit::writer::file_for(dir, &id);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("opens");
        std::io::Write::write_all(&mut file, b"{\"at\":\"2027-01-15T08:00:01Z\",\"ev")
            .expect("torn");
        id
    }

    #[test]
    fn a_run_file_named_by_an_id_without_the_random_part_still_verifies_and_resumes() {
        use crate::audit::journal::Journal;
        let dir = tempfile::tempdir().expect("tempdir");
        // The audit directory must be private: one others can read or write is refused.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod 700");
        // As ids were before they had a random part: the runbook and the second only.
        let id = drill_file(dir.path(), |book, now| {
            format!("{}-{}", book.name, now.strftime("%Y%m%dT%H%M%SZ"))
        });
        assert_eq!(id, "rds-cross-region-failover-20270115T080000Z");
        let path = crate::audit::writer::file_for(dir.path(), &id);
        let file = read_run(&path).expect("reads and verifies (the torn tail set aside)");
        assert_eq!(file.first().map(|r| r.run.as_str()), Some(id.as_str()));
        let mut journal = Journal::new(
            dir.path().to_path_buf(),
            crate::audit::identity::current(CallerIdentity::Simulated),
        );
        let data = journal
            .resume(&id, &Library::shipped(), &[])
            .expect("resumes");
        let (run, _) = Run::resume(
            data.book,
            data.params,
            data.entries,
            "next",
            None,
            jiff::Timestamp::now(),
        )
        .expect("rebuilds");
        assert_eq!(run.id, id);
    }

    #[test]
    fn a_refused_resume_leaves_the_run_file_byte_identical() {
        use crate::audit::journal::Journal;
        let dir = tempfile::tempdir().expect("tempdir");
        // The audit directory must be private: one others can read or write is refused.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod 700");
        let id = drill_with_a_torn_tail(dir.path());
        let path = crate::audit::writer::file_for(dir.path(), &id);
        let before = std::fs::read(&path).expect("reads");
        // A drill never goes on against AWS: refused.
        let mut on_aws = Journal::new(
            dir.path().to_path_buf(),
            crate::audit::identity::current(aws("111111111111", "alice")),
        );
        let why = on_aws
            .resume(&id, &Library::shipped(), &[])
            .expect_err("a drill is not resumed on AWS");
        assert!(matches!(why, ResumeRefusal::DrillNotOnAws { .. }), "{why}");
        assert_eq!(
            std::fs::read(&path).expect("reads"),
            before,
            "the torn last line is still there: nothing changed on disk"
        );
        drop(on_aws);
        // Resumed where it may go on, the torn line is discarded then, and only then.
        let mut on_sim = Journal::new(
            dir.path().to_path_buf(),
            crate::audit::identity::current(CallerIdentity::Simulated),
        );
        on_sim
            .resume(&id, &Library::shipped(), &[])
            .expect("a drill goes on against the simulator");
        let after = std::fs::read(&path).expect("reads");
        assert!(after.ends_with(b"\n"), "the torn tail is gone");
        assert!(before.starts_with(&after));
    }

    #[test]
    fn a_drill_goes_on_only_against_the_simulator() {
        let sim = CallerIdentity::Simulated;
        assert!(same_source(&sim, &sim, "r").is_ok());
        for other in [aws("111111111111", "alice"), unknown()] {
            let why = same_source(&sim, &other, "r").expect_err("not on AWS");
            assert_eq!(why, ResumeRefusal::DrillNotOnAws { run: "r".into() });
            assert!(why.to_string().contains("--sim"), "{why}");
        }
    }

    #[test]
    fn a_run_on_aws_goes_on_only_on_aws_and_on_the_same_account() {
        let alice = aws("111111111111", "alice");
        let why = same_source(&alice, &CallerIdentity::Simulated, "r").expect_err("not sim");
        assert!(
            matches!(why, ResumeRefusal::AwsRunNotOnSimulator { .. }),
            "{why}"
        );
        assert!(
            same_source(&alice, &aws("111111111111", "bob"), "r").is_ok(),
            "a colleague on the same account takes over"
        );
        let why = same_source(&alice, &aws("222222222222", "alice"), "r").expect_err("other");
        let ResumeRefusal::OtherAccount { then, now, .. } = &why else {
            panic!("another account: {why}")
        };
        assert_eq!(
            (then.as_str(), now.as_str()),
            ("111111111111", "222222222222")
        );
        assert!(why.to_string().contains("--profile"), "{why}");
        // Where an identity could not be told, only the simulator is told apart.
        assert!(same_source(&alice, &unknown(), "r").is_ok());
        assert!(same_source(&unknown(), &alice, "r").is_ok());
        assert!(same_source(&unknown(), &CallerIdentity::Simulated, "r").is_err());
    }
}
