//! `ripcord audit ...`: the clap definitions, kept beside the commands they run.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain of run files (all in the audit directory when none is named);
    /// print each file's head hash, or the first bad line and what is wrong with it
    Verify(VerifyArgs),
    /// List the runs in the audit log, or one run's records
    Show(ShowArgs),
    /// Write a Markdown report of one run: each step, who confirmed it, durations, the values
    /// at each decision, interruptions, total time against the RTO
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Run files (.jsonl) or run ids [default: every run in the audit directory]
    #[arg(value_name = "FILE|RUN")]
    pub files: Vec<String>,
    /// The head hash printed by an earlier verify (kept elsewhere): the file must end there,
    /// which catches records cut off its end
    #[arg(long, value_name = "HASH")]
    pub expect_head: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A run id (or the path of its .jsonl file); without it, every run is listed
    #[arg(value_name = "RUN")]
    pub run: Option<String>,
    /// Keep printing the run's new records as they are written (watch a run another ripcord
    /// is carrying out); ends when the run does
    #[arg(long, requires = "run")]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run id (or the path of its .jsonl file)
    #[arg(value_name = "RUN")]
    pub run: String,
    /// Write the report to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}
