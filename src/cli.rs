//! Command-line interface.

use crate::source::sim::Scenario;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ripcord",
    version,
    about = "A terminal disaster-recovery cockpit for AWS",
    long_about = "A terminal disaster-recovery cockpit for AWS.\n\n\
        Shows how far behind each replica is against its RPO, whether backups succeed and how old \
        the newest good recovery point is, and which DNS health checks fail from which checker \
        regions.\n\n\
        Run `ripcord demo` first: it shows the cockpit on a built-in simulated fleet."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: the platform config dir; see `ripcord config path`]
    #[arg(long, global = true, env = "RIPCORD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Theme: dark, light, high-contrast, mono, or a path to a theme file (overrides the config)
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// Change nothing: runbooks cannot run, and their keys are hidden
    #[arg(long, global = true)]
    pub read_only: bool,
    /// AWS profile to use (overrides the config file's `profile` and AWS_PROFILE)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS regions to poll, comma-separated (overrides the config file's `regions`;
    /// default: the region of the AWS environment, e.g. AWS_REGION)
    #[arg(long, global = true, value_name = "REGION,...", value_delimiter = ',', value_parser = parse_region)]
    pub regions: Vec<String>,
    /// Of the config file's `[[account]]` tables, the ones to watch, comma-separated by name
    /// [default: all of them]
    #[arg(long, global = true, value_name = "NAME,...", value_delimiter = ',')]
    pub accounts: Vec<String>,
    /// Where run audit logs are written and read [default: the platform data dir; see `ripcord config path`]
    #[arg(long, global = true, env = "RIPCORD_AUDIT_DIR", value_name = "DIR")]
    pub audit_dir: Option<PathBuf>,
}

fn parse_region(text: &str) -> Result<String, String> {
    let name = text.trim();
    if crate::source::aws::sdk::is_region_name(name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "`{name}` is not an AWS region name (e.g. us-east-1)"
        ))
    }
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// The cockpit on the built-in simulated fleet (no AWS account needed)
    Demo(DemoArgs),
    /// One glance, for cron and mornings: fetch everything once, print a table (or --json),
    /// exit 0 OK, 1 WARN, 2 CRIT, 3 could not fetch or judge something
    Status(StatusArgs),
    /// Help with the config file
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Markdown runbooks: list, check, run (format: runbooks/README.md)
    #[command(subcommand)]
    Runbook(RunbookCmd),
    /// The audit log of runbook runs: verify its hash chain, show runs, write a run's report
    #[command(subcommand)]
    Audit(crate::audit::cli::AuditCmd),
    /// Reports for people: `report readiness -o readiness.md`
    #[command(subcommand)]
    Report(ReportCmd),
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// DR readiness per workload as Markdown, for the auditor: targets, findings with their
    /// evidence and its time, drills with run ids and chain heads, and what is missing
    Readiness(ReadinessReportArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ReadinessReportArgs {
    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// The longest fetching the live evidence may take
    #[arg(long, default_value = "20s", value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
    /// Judge the built-in simulated fleet instead of AWS (drills still come from the audit log)
    #[arg(long)]
    pub sim: bool,
    /// What the simulated fleet goes through (with --sim)
    #[arg(long, value_enum, default_value_t = Scenario::Normal, requires = "sim")]
    pub scenario: Scenario,
    /// Seed of the simulation (with --sim)
    #[arg(long, default_value_t = 42, requires = "sim")]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCmd {
    /// List the shipped runbooks and those in the config's runbook_dirs
    List,
    /// Check runbooks; print each problem as file:line:column and exit 1 if there are any
    Check {
        /// Runbook files (or names of known runbooks)
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
    },
    /// Walk through a runbook in the cockpit, step by step
    Run(RunbookRunArgs),
    /// Go on with an unfinished run from its audit log, on AWS (the same account), or with --sim
    /// a drill (without RUN: list the unfinished runs)
    Resume(RunbookResumeArgs),
}

#[derive(Debug, Args, Clone)]
pub struct RunbookResumeArgs {
    /// The run id (as `ripcord audit show` lists it) or the path of its .jsonl file
    #[arg(value_name = "RUN")]
    pub run: Option<String>,
    /// A secret parameter's value, given again (secrets are never in the audit log)
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Go on with a drill against the built-in simulated fleet (a fresh one: it re-reads the
    /// simulator); without it, the run goes on against AWS
    #[arg(long)]
    pub sim: bool,
    /// The simulated fleet's options, with --sim
    #[command(flatten)]
    pub demo: DemoArgs,
}

#[derive(Debug, Args, Clone)]
pub struct RunbookRunArgs {
    /// A runbook file, or the name of a known runbook
    #[arg(value_name = "FILE|NAME")]
    pub runbook: String,
    /// A parameter value (repeat for each); the value may hold any character
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Drill against the built-in simulated fleet instead of AWS
    #[arg(long)]
    pub sim: bool,
    /// The simulated fleet's options, with --sim
    #[command(flatten)]
    pub demo: DemoArgs,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// What the simulated fleet goes through
    #[arg(long, value_enum, default_value_t = Scenario::Normal)]
    pub scenario: Scenario,
    /// The region that fails in the region-outage scenario
    #[arg(long, default_value = "us-east-1", value_parser = ["us-east-1", "us-west-2", "eu-west-1"])]
    pub outage_region: String,
    /// How many replicas to simulate (for scale work)
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub fleet_size: u32,
    /// Seed of the simulation; the same seed shows the same fleet
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args, Clone)]
pub struct StatusArgs {
    /// Print JSON for scripts (schema: docs/status-json.md) instead of the table
    #[arg(long)]
    pub json: bool,
    /// The longest the whole glance may take; feeds not answered by then count as not fetched
    #[arg(long, default_value = "20s", value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
    /// Look at the built-in simulated fleet instead of AWS
    #[arg(long)]
    pub sim: bool,
    /// What the simulated fleet goes through (with --sim)
    #[arg(long, value_enum, default_value_t = Scenario::Normal, requires = "sim")]
    pub scenario: Scenario,
    /// Seed of the simulation (with --sim)
    #[arg(long, default_value_t = 42, requires = "sim")]
    pub seed: u64,
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}`: {e} (write it like 20s, 1m)"))?;
    if d < std::time::Duration::from_secs(1) || d > std::time::Duration::from_secs(600) {
        return Err(format!("`{text}`: use between 1s and 10m"));
    }
    Ok(d)
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print where ripcord reads its config from (and where it logs)
    Path,
    /// Print an example config with every key explained
    Example,
    /// Check the config file and theme; exit 1 with the file, line and key of any problem
    Check,
}

/// Text appended to `--help`: the paths a user may need, computed for this machine.
pub fn after_help() -> String {
    format!(
        "Paths on this machine:\n  config  {}\n  logs    {}\n  audit   {}\n\nEnvironment: RIPCORD_CONFIG (config file), RIPCORD_LOG_DIR (log directory), \
         RIPCORD_AUDIT_DIR (audit log directory), RIPCORD_LOG (log filter, e.g. debug), NO_COLOR (monochrome).\n\
         AWS: the standard credential chain and variables apply (AWS_PROFILE, SSO profiles, \
         AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>). `ripcord` alone opens the \
         live cockpit on that account.",
        crate::config::default_config_path().display(),
        crate::config::log_dir().display(),
        crate::config::audit_dir(None).display()
    )
}
