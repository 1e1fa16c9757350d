//! ripcord's entry point: parse the command line and dispatch. Nothing else lives here.

use clap::{CommandFactory, FromArgMatches};
use ripcord::app::Mode;
use ripcord::app::runbook::Launch;
use ripcord::assemble::{Parts, Settings, assemble};
use ripcord::audit::model::ActedIn;
use ripcord::audit::resume::Prepared;
use ripcord::cli::{
    Cli, Cmd, ConfigCmd, DemoArgs, ReadinessReportArgs, ReportCmd, RunbookCmd, RunbookResumeArgs,
    StatusArgs,
};
use ripcord::cockpit::{self, Exit};
use ripcord::config::{self, Config, Refresh};
use ripcord::runbook::act::port::CallerIdentity;
use ripcord::runbook::act::route::Acting;
use ripcord::runbook::cli as runbook_commands;
use ripcord::runbook::{Actions, Library};
use ripcord::source::AccountFleet;
use ripcord::source::aws::account as aws_account;
use ripcord::source::aws::actions::AwsActions;
use ripcord::source::aws::sdk::CallLimits;
use ripcord::source::aws::{AwsFleet, sdk};
use ripcord::source::sim::{SimFleet, SimOptions};
use ripcord::status::Target;
use ripcord::theme::{self, Theme};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// jemalloc rather than glibc's malloc (the `jemalloc` feature, on by default): see
/// `one_arena`. Without the feature (`--no-default-features`) the system's malloc is used,
/// which valgrind's massif and dhat can see and jemalloc's allocations they cannot.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Makes the calling thread allocate from jemalloc's first arena, as every thread of the
/// program does (the main thread here, the runtime's from `runtime`). The pollers build each
/// answer on a tokio worker and the UI thread frees it a while later; with an arena per
/// thread (glibc's, and jemalloc's by default), each worker's arena keeps the pages its
/// answers were freed from, part-used and so not given back, and at 10,000 replicas that
/// was a third of the resident memory (benches/README.md, "Memory at 10,000 replicas").
/// The threads share one lock instead; they allocate little enough for that not to show.
fn one_arena() {
    #[cfg(feature = "jemalloc")]
    {
        use tikv_jemalloc_ctl::{Access, AsName};
        if let Err(e) = b"thread.arena\0".name().write(0u32) {
            // Only the memory it saves is lost: the program works the same.
            tracing::debug!("could not move this thread to jemalloc's first arena: {e}");
        }
    }
}

/// How long jemalloc keeps the pages of freed memory before giving them back to the system,
/// in milliseconds: none. Every answer replaces one as large (at 10,000 replicas a
/// region's backups are megabytes), and pages kept for reuse, part-used by what lives on,
/// held the demo's peak some 8 MB higher (jemalloc's default, 10 s: ~54 MB against ~46 MB
/// over an idle minute). The price is the freeing thread's: about 0.4 CPU seconds a minute
/// at 10,000 replicas, mostly the UI thread's, which drops each replaced answer
/// (benches/README.md, "Memory at 10,000 replicas").
#[cfg(feature = "jemalloc")]
const DIRTY_DECAY_MS: isize = 0;

/// Sets `DIRTY_DECAY_MS` for the arena every thread allocates from (`one_arena`).
fn give_back_freed_pages() {
    #[cfg(feature = "jemalloc")]
    {
        use tikv_jemalloc_ctl::{Access, AsName};
        if let Err(e) = b"arena.0.dirty_decay_ms\0".name().write(DIRTY_DECAY_MS) {
            // Only the memory it saves is lost: the program works the same.
            tracing::debug!("could not set jemalloc's dirty_decay_ms: {e}");
        }
    }
}

fn main() -> ExitCode {
    one_arena();
    give_back_freed_pages();
    let matches = Cli::command()
        .after_help(ripcord::cli::after_help())
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ripcord: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let load = || Config::load(cli.global.config.as_deref());
    match &cli.command {
        Some(Cmd::Config(ConfigCmd::Path)) => {
            println!(
                "config  {}",
                cli.global
                    .config
                    .clone()
                    .unwrap_or_else(config::default_config_path)
                    .display()
            );
            println!("logs    {}", config::log_dir().display());
            println!(
                "audit   {}",
                config::audit_dir(cli.global.audit_dir.as_deref()).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Config(ConfigCmd::Example)) => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Config(ConfigCmd::Check)) => {
            let checked = load().and_then(|(cfg, path)| {
                let theme = Theme::load(cli.global.theme.as_deref().unwrap_or(&cfg.theme))?;
                Ok((cfg, path, theme))
            });
            match checked {
                Ok((cfg, path, theme)) => {
                    let exists = if path.exists() {
                        ""
                    } else {
                        " (not present: defaults apply)"
                    };
                    println!(
                        "{}{exists}: OK ({} workloads, theme {})",
                        path.display(),
                        cfg.workloads.len(),
                        theme.name
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Some(Cmd::Demo(args)) => {
            let (cfg, _) = load()?;
            demo(&cli, cfg, args.clone(), None)
        }
        Some(Cmd::Runbook(cmd)) => {
            let (cfg, _) = load()?;
            runbook(&cli, cfg, cmd)
        }
        Some(Cmd::Status(args)) => match load() {
            Ok((cfg, _)) => Ok(status(&cli, cfg, args)),
            Err(e) => {
                // For `status`, a broken config is one more thing that could not be judged.
                eprintln!("ripcord: {e}");
                Ok(ExitCode::from(3))
            }
        },
        Some(Cmd::Report(ReportCmd::Readiness(args))) => {
            let (cfg, _) = load()?;
            Ok(report_readiness(&cli, cfg, args))
        }
        Some(Cmd::Audit(cmd)) => {
            let (cfg, _) = load()?;
            let code = ripcord::audit::commands::run(
                cmd,
                &config::audit_dir(cli.global.audit_dir.as_deref()),
                &Library::load(&cfg.runbook_dirs),
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )?;
            Ok(ExitCode::from(code))
        }
        None => {
            let (cfg, _) = load()?;
            live(&cli, cfg, None, None)
        }
    }
}

/// How long setting up AWS (profile, SSO token, region lookup) may take before giving up.
const AWS_SETUP_TIMEOUT: Duration = Duration::from_secs(30);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(one_arena)
        .enable_all()
        .build()?)
}

/// The cockpit on the AWS account of the environment (or `--profile`), able to run runbooks
/// against it unless `--read-only`; `launch` is a run asked for by `ripcord runbook run`, and
/// `resumed` one read back by `ripcord runbook resume`. Runs go through the audit journal, as
/// in the demo: every record on disk before its work is done, nothing done when it cannot be.
fn live(
    cli: &Cli,
    cfg: Config,
    launch: Option<Launch>,
    resumed: Option<Prepared>,
) -> anyhow::Result<ExitCode> {
    let theme = Theme::select(
        cli.global.theme.as_deref().unwrap_or(&cfg.theme),
        theme::no_color_requested(),
    )?;
    let profile = sdk::pick_profile(cli.global.profile.as_deref(), cfg.profile.as_deref());
    let regions = sdk::pick_regions(&cli.global.regions, &cfg.regions);
    let chosen = ripcord::accounts::choose(&cfg.accounts, &cli.global.accounts)
        .map_err(anyhow::Error::msg)?;
    let runtime = runtime()?;
    let within_setup_time = |what: &'static str| {
        anyhow::anyhow!(
            "setting up AWS{what} took over {}s (credentials or region lookup did not answer)",
            AWS_SETUP_TIMEOUT.as_secs()
        )
    };
    // Before the terminal is taken over, so that a bad profile or region is plainly printed.
    let (fleets, acting): (Vec<AccountFleet>, Option<Acting>) = if chosen.is_empty() {
        let (aws, regions) = runtime
            .block_on(async {
                tokio::time::timeout(
                    AWS_SETUP_TIMEOUT,
                    AwsFleet::setup(profile.as_deref(), &regions),
                )
                .await
            })
            .map_err(|_| within_setup_time(""))??;
        let fleet = Arc::new(AwsFleet::from_sdk_config(&aws, &regions, CallLimits::READS));
        // Read-only never even builds the clients that change things.
        let acting = (!cli.global.read_only)
            .then(|| Acting::One(Arc::new(AwsActions::new(&aws)) as Arc<dyn Actions>));
        (vec![AccountFleet::single(fleet)], acting)
    } else {
        let configured = runtime
            .block_on(async {
                tokio::time::timeout(
                    AWS_SETUP_TIMEOUT,
                    aws_account::configured(
                        &chosen,
                        profile.as_deref(),
                        &regions,
                        CallLimits::READS,
                    ),
                )
                .await
            })
            .map_err(|_| within_setup_time(" of the accounts"))??;
        // Each account acts with the credentials its fleet is read with; a step acts in the
        // account its resource is seen in. Read-only builds no changing client at all.
        let acting = (!cli.global.read_only).then(|| {
            Acting::PerAccount(
                configured
                    .iter()
                    .map(|c| {
                        let actions: Arc<dyn Actions> = Arc::new(AwsActions::new(&c.sdk));
                        (c.name.clone(), actions)
                    })
                    .collect(),
            )
        });
        let fleets = configured.iter().map(|c| c.fleet.clone()).collect();
        (fleets, acting)
    };
    let log = ripcord::logging::init(&config::log_dir());
    if let Err(e) = &log {
        eprintln!("ripcord: warning: {e}; continuing without a log file");
    }
    let caller = match &acting {
        Some(Acting::One(actions)) => ask_caller(&runtime, actions.as_ref()),
        Some(Acting::PerAccount(_)) => CallerIdentity::Unknown {
            why: "named accounts: each step's records name the account it acts in and that account's identity".to_string(),
        },
        None => CallerIdentity::Unknown {
            why: "read-only: no runbook actions, so no credentials act".to_string(),
        },
    };
    // Each account's identity, asked once now (in parallel), for the audit records.
    let accounts = match &acting {
        Some(Acting::PerAccount(all)) => {
            let production: Vec<String> = chosen
                .iter()
                .filter(|a| a.label().is_production())
                .map(|a| a.name.clone())
                .collect();
            ask_callers(&runtime, all, &production)
        }
        _ => Vec::new(),
    };
    let parts = Parts {
        mode: Mode::Live {
            profile: profile.clone(),
        },
        fleets,
        sim: None,
        acting,
        accounts,
        workloads: cfg.workloads(Vec::new()),
        refresh: cfg.refresh,
        caller: caller.clone(),
    };
    let assembled = match assemble(parts, settings(cli, &cfg, theme), launch, resumed, now()) {
        Ok(assembled) => assembled,
        Err(why) => {
            runtime.shutdown_timeout(Duration::from_millis(500));
            eprintln!("ripcord: {why}");
            return Ok(ExitCode::from(1));
        }
    };
    tracing::info!(
        ?profile,
        regions = ?regions,
        read_only = cli.global.read_only,
        caller = %caller.describe(),
        "live cockpit starting"
    );
    let result = runtime.block_on(cockpit::run_with_journal(
        assembled.app,
        assembled.sources,
        assembled.journal,
    ));
    finish(runtime, result)
}

/// Whose credentials the actions use (sts:GetCallerIdentity for AWS), for the audit log; asked
/// once, before the terminal is taken over. An identity that cannot be told is recorded as
/// unknown, with why: it does not stop the cockpit.
fn ask_caller(runtime: &tokio::runtime::Runtime, actions: &dyn Actions) -> CallerIdentity {
    runtime
        .block_on(async {
            tokio::time::timeout(AWS_SETUP_TIMEOUT, actions.caller_identity()).await
        })
        .unwrap_or_else(|_| CallerIdentity::Unknown {
            why: format!(
                "sts:GetCallerIdentity did not answer within {}s",
                AWS_SETUP_TIMEOUT.as_secs()
            ),
        })
}

/// Each named account's identity (sts:GetCallerIdentity with its own credentials), asked at
/// once for all of them, before the terminal is taken over; `production`: the accounts marked
/// production. One that cannot be told is recorded as unknown, with why.
fn ask_callers(
    runtime: &tokio::runtime::Runtime,
    accounts: &[(String, Arc<dyn Actions>)],
    production: &[String],
) -> Vec<ActedIn> {
    let asked = runtime.block_on(futures_util::future::join_all(accounts.iter().map(
        |(name, actions)| async move {
            let aws = tokio::time::timeout(AWS_SETUP_TIMEOUT, actions.caller_identity())
                .await
                .unwrap_or_else(|_| CallerIdentity::Unknown {
                    why: format!(
                        "sts:GetCallerIdentity did not answer within {}s",
                        AWS_SETUP_TIMEOUT.as_secs()
                    ),
                });
            ActedIn {
                name: name.clone(),
                aws,
                production: production.contains(name),
            }
        },
    )));
    for a in &asked {
        tracing::info!(account = %a.name, caller = %a.aws.describe(), "account identity");
    }
    asked
}

/// Ends a cockpit run: never waits on a stuck task, and says why it stopped if not by `q`.
fn finish(
    runtime: tokio::runtime::Runtime,
    result: anyhow::Result<Exit>,
) -> anyhow::Result<ExitCode> {
    // A hung fetch must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(500));
    match result? {
        Exit::Quit => Ok(ExitCode::SUCCESS),
        Exit::Signal(stop) => {
            // The terminal may be gone (hang-up): a failed write must not turn into a panic.
            let _ = writeln!(std::io::stderr(), "ripcord: stopped ({})", stop.why());
            Ok(ExitCode::from(stop.exit_status()))
        }
    }
}

/// Where a one-shot glance (`status`, `report readiness`) looks: the simulator, or the
/// accounts chosen (`--accounts`) of the config, or the one account of `profile`.
fn glance_target(
    cli: &Cli,
    cfg: &Config,
    profile: Option<String>,
    sim: bool,
    seed: u64,
    scenario: ripcord::source::sim::Scenario,
) -> Result<Target, String> {
    if sim {
        return Ok(Target::Sim { seed, scenario });
    }
    let accounts = ripcord::accounts::choose(&cfg.accounts, &cli.global.accounts)
        .map_err(|e| e.to_string())?
        .into_iter()
        .cloned()
        .collect();
    Ok(Target::Aws {
        profile,
        regions: sdk::pick_regions(&cli.global.regions, &cfg.regions),
        accounts,
    })
}

/// `ripcord status`: everything once, within `--timeout`, as a table or JSON and an exit code.
fn status(cli: &Cli, cfg: Config, args: &StatusArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ripcord: {e:#}");
            return ExitCode::from(3);
        }
    };
    let profile = sdk::pick_profile(cli.global.profile.as_deref(), cfg.profile.as_deref());
    let target = match glance_target(
        cli,
        &cfg,
        profile.clone(),
        args.sim,
        args.seed,
        args.scenario,
    ) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("ripcord: {e}");
            return ExitCode::from(3);
        }
    };
    let outcome = runtime.block_on(ripcord::status::glance(target, &cfg, args.timeout));
    // Fetches that missed the deadline were dropped; nothing is waited on at exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    let report = match outcome {
        Ok(fleet) => {
            let evidence = ripcord::status::readiness_evidence(
                &cfg.runbook_dirs,
                &config::audit_dir(cli.global.audit_dir.as_deref()),
                args.sim,
            );
            ripcord::status::report(&fleet, profile.as_deref().filter(|_| !args.sim))
                .with_readiness(fleet.readiness(&evidence))
        }
        Err(message) => {
            eprintln!("ripcord: nothing fetched: {message}");
            return ExitCode::from(3);
        }
    };
    let printed = if args.json {
        serde_json::to_string_pretty(&report).map(|json| json + "\n")
    } else {
        Ok(ripcord::status::render(&report))
    };
    match printed {
        Ok(text) => {
            // A closed pipe (`| head`) is no reason to panic.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::from(report.exit_code)
        }
        Err(e) => {
            eprintln!("ripcord: cannot write the report: {e}");
            ExitCode::from(3)
        }
    }
}

/// `ripcord report readiness`: one glance (as `status` takes it) and the audit log's drills,
/// written as Markdown. Exit 0 when written, 1 when the file cannot be written, 3 when
/// nothing could be fetched.
fn report_readiness(cli: &Cli, cfg: Config, args: &ReadinessReportArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ripcord: {e:#}");
            return ExitCode::from(3);
        }
    };
    let profile = sdk::pick_profile(cli.global.profile.as_deref(), cfg.profile.as_deref());
    let target = match glance_target(
        cli,
        &cfg,
        profile.clone(),
        args.sim,
        args.seed,
        args.scenario,
    ) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("ripcord: {e}");
            return ExitCode::from(3);
        }
    };
    let outcome = runtime.block_on(ripcord::status::glance(target, &cfg, args.timeout));
    runtime.shutdown_timeout(Duration::from_millis(200));
    let fleet = match outcome {
        Ok(fleet) => fleet,
        Err(message) => {
            eprintln!("ripcord: nothing fetched: {message}");
            return ExitCode::from(3);
        }
    };
    let evidence = ripcord::status::readiness_evidence(
        &cfg.runbook_dirs,
        &config::audit_dir(cli.global.audit_dir.as_deref()),
        args.sim,
    );
    let report = ripcord::status::report(&fleet, profile.as_deref().filter(|_| !args.sim))
        .with_readiness(fleet.readiness(&evidence));
    let text = ripcord::status::readiness_report::markdown(&report, &evidence);
    let written = match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("{}: cannot write the report: {e}", path.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .or_else(|e| {
                // A closed pipe (`| head`) is no failure to write.
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(|e| format!("cannot write the report: {e}")),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ripcord: {e}");
            ExitCode::from(1)
        }
    }
}

fn runbook(cli: &Cli, cfg: Config, cmd: &RunbookCmd) -> anyhow::Result<ExitCode> {
    let library = Library::load(&cfg.runbook_dirs);
    match cmd {
        RunbookCmd::List => {
            runbook_commands::list(&library, &mut std::io::stdout(), &mut std::io::stderr())?;
            Ok(ExitCode::SUCCESS)
        }
        RunbookCmd::Check { files } => {
            let ok = runbook_commands::check(files, &library, &mut std::io::stdout())?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RunbookCmd::Run(args) => {
            if cli.global.read_only {
                eprintln!("ripcord: --read-only is set: runbooks do not run in read-only mode");
                return Ok(ExitCode::from(2));
            }
            match runbook_commands::prepare_run(&args.runbook, &args.params, &library) {
                Err(refused) => {
                    for line in &refused.lines {
                        eprintln!("{line}");
                    }
                    Ok(ExitCode::from(refused.code))
                }
                Ok((book, values)) if args.sim => demo(
                    cli,
                    cfg,
                    args.demo.clone(),
                    Some(Launch::Start(book, values)),
                ),
                Ok((book, values)) => live(cli, cfg, Some(Launch::Start(book, values)), None),
            }
        }
        RunbookCmd::Resume(args) => resume(cli, cfg, args, &library),
    }
}

/// `ripcord runbook resume [RUN]`: lists the unfinished runs, or checks everything about one
/// before the terminal is taken over, then goes on with it in the cockpit.
fn resume(
    cli: &Cli,
    cfg: Config,
    args: &RunbookResumeArgs,
    library: &Library,
) -> anyhow::Result<ExitCode> {
    let dir = config::audit_dir(cli.global.audit_dir.as_deref());
    let Some(run) = &args.run else {
        let unfinished = ripcord::audit::runs::unfinished(&dir);
        if unfinished.is_empty() {
            println!("{}: no unfinished runs", dir.display());
        }
        for r in &unfinished {
            println!(
                "{}  {}  at {}{}  [{}]",
                r.id,
                r.state_word(),
                r.at_step.as_deref().unwrap_or("the start"),
                r.in_doubt
                    .as_ref()
                    .map(|s| format!(" (in doubt: {s})"))
                    .unwrap_or_default(),
                match &r.acted_as {
                    CallerIdentity::Simulated => "a drill: resume it with --sim".to_string(),
                    other => format!("AWS: {}", other.describe()),
                }
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    if cli.global.read_only {
        eprintln!("ripcord: --read-only is set: runs are not resumed in read-only mode");
        return Ok(ExitCode::from(2));
    }
    let mut given = Vec::new();
    for p in &args.params {
        match ripcord::runbook::lang::params::split_assignment(p) {
            Ok(pair) => given.push(pair),
            Err(e) => {
                eprintln!("ripcord: --param {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let prepared = match ripcord::audit::resume::prepare(&dir, run, library, &given) {
        Ok(prepared) => prepared,
        Err(why) => {
            eprintln!("ripcord: {why}");
            return Ok(ExitCode::from(1));
        }
    };
    if args.sim {
        return demo_with(cli, cfg, args.demo.clone(), None, Some(prepared));
    }
    // A drill is told apart before AWS is set up; the account, once the credentials are known.
    let not_yet = CallerIdentity::Unknown {
        why: "not asked yet".to_string(),
    };
    if let Err(why) = ripcord::audit::resume::same_source(&prepared.acted_as, &not_yet, run) {
        eprintln!("ripcord: {why}");
        return Ok(ExitCode::from(1));
    }
    live(cli, cfg, None, Some(prepared))
}

fn demo(
    cli: &Cli,
    cfg: Config,
    args: DemoArgs,
    launch: Option<Launch>,
) -> anyhow::Result<ExitCode> {
    demo_with(cli, cfg, args, launch, None)
}

/// The cockpit on a fresh simulated fleet; `launch` is a run asked for by `ripcord runbook run
/// --sim`, and `resumed` one read back by `ripcord runbook resume --sim`.
fn demo_with(
    cli: &Cli,
    cfg: Config,
    args: DemoArgs,
    launch: Option<Launch>,
    resumed: Option<Prepared>,
) -> anyhow::Result<ExitCode> {
    let theme = Theme::select(
        cli.global.theme.as_deref().unwrap_or(&cfg.theme),
        theme::no_color_requested(),
    )?;
    let log = ripcord::logging::init(&config::log_dir());
    if let Err(e) = &log {
        eprintln!("ripcord: warning: {e}; continuing without a log file");
    }
    let sim = Arc::new(SimFleet::new(SimOptions {
        seed: args.seed,
        fleet_size: args.fleet_size as usize,
        scenario: args.scenario,
        outage_region: args.outage_region.clone(),
        clock: ripcord::clock::Clock::System,
    }));
    // The simulator carries out runbook actions: runbooks drill against it.
    let actions = (!cli.global.read_only).then(|| -> Arc<dyn Actions> { sim.clone() });
    let runtime = runtime()?;
    let parts = Parts {
        mode: Mode::Demo {
            scenario: args.scenario,
        },
        // The simulated estate spans two accounts, each polled on its own.
        fleets: ripcord::source::sim::accounts::fleets(&sim),
        caller: ask_caller(&runtime, sim.as_ref()),
        sim: Some(sim.clone()),
        acting: actions.map(Acting::One),
        // The simulator acts as one: its two accounts are views of one estate.
        accounts: Vec::new(),
        workloads: cfg.workloads(sim.workloads()),
        refresh: Refresh::demo(),
    };
    // The demo's drill history: a real restore drill of orders, run headless against a
    // simulator of its own some days back into the demo's own audit directory, unless a
    // recent one is on record (docs/readiness.md#the-demo). Before assembling, which reads it.
    let rehearsing = std::time::Instant::now();
    let rehearsal = runtime.block_on(ripcord::assemble::rehearsal::ensure(
        &config::audit_dir(cli.global.audit_dir.as_deref()),
        args.seed,
        now(),
    ));
    tracing::info!(?rehearsal, took = ?rehearsing.elapsed(), "demo drill history");
    let mut assembled = match assemble(parts, settings(cli, &cfg, theme), launch, resumed, now()) {
        Ok(assembled) => assembled,
        Err(why) => {
            eprintln!("ripcord: {why}");
            return Ok(ExitCode::from(1));
        }
    };
    if let Err(why) = rehearsal {
        assembled
            .app
            .flash_error(format!("the demo's drill rehearsal failed: {why}"));
    }
    tracing::info!(?args, "demo starting");
    let result = runtime.block_on(cockpit::run_with_journal(
        assembled.app,
        assembled.sources,
        assembled.journal,
    ));
    finish(runtime, result)
}

/// What the operator chose on the command line and in the config, the same for every cockpit.
fn settings(cli: &Cli, cfg: &Config, theme: Theme) -> Settings {
    Settings {
        theme,
        read_only: cli.global.read_only,
        runbook_dirs: cfg.runbook_dirs.clone(),
        audit_dir: config::audit_dir(cli.global.audit_dir.as_deref()),
        operator: ripcord::audit::identity::os_user(),
    }
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

#[cfg(all(test, feature = "jemalloc"))]
mod tests {
    use tikv_jemalloc_ctl::{Access, AsName};

    fn arena_of_this_thread() -> u32 {
        b"thread.arena\0"
            .name()
            .read()
            .expect("jemalloc tells a thread's arena")
    }

    /// Freed pages go back to the system at once (`DIRTY_DECAY_MS`), not after jemalloc's
    /// default ten seconds.
    #[test]
    fn the_first_arena_gives_freed_pages_back_at_once() {
        super::give_back_freed_pages();
        let decay: isize = b"arena.0.dirty_decay_ms\0"
            .name()
            .read()
            .expect("jemalloc tells an arena's decay");
        assert_eq!(decay, super::DIRTY_DECAY_MS);
        assert_eq!(decay, 0);
    }

    /// The pollers' answers are made on the runtime's threads and freed on the UI thread:
    /// all of them allocate from the one arena, so no worker keeps pages of its own.
    #[test]
    fn the_runtime_threads_allocate_from_the_first_arena() {
        let runtime = super::runtime().expect("a runtime");
        let arenas = runtime.block_on(async {
            let mut arenas = Vec::new();
            for _ in 0..8 {
                let on_worker = tokio::spawn(async { arena_of_this_thread() });
                let blocking = tokio::task::spawn_blocking(arena_of_this_thread);
                arenas.push(on_worker.await.expect("the task ran"));
                arenas.push(blocking.await.expect("the task ran"));
            }
            arenas
        });
        runtime.shutdown_background();
        assert!(arenas.iter().all(|a| *a == 0), "arenas used: {arenas:?}");
    }
}
