//! ripcord's entry point: parse the command line and dispatch. Nothing else lives here.

use clap::{CommandFactory, FromArgMatches};
use ripcord::app::{App, Mode};
use ripcord::cli::{Cli, Cmd, ConfigCmd, DemoArgs, RunbookCmd, StatusArgs};
use ripcord::cockpit::{self, Exit, Sources};
use ripcord::config::{self, Config, Refresh};
use ripcord::runbook::commands as runbook_commands;
use ripcord::runbook::params::ParamValues;
use ripcord::runbook::{Actions, Library, Runbook};
use ripcord::source::FleetSource;
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

fn main() -> ExitCode {
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
        None => {
            let (cfg, _) = load()?;
            live(&cli, cfg, None)
        }
    }
}

/// How long setting up AWS (profile, SSO token, region lookup) may take before giving up.
const AWS_SETUP_TIMEOUT: Duration = Duration::from_secs(30);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The cockpit on the AWS account of the environment (or `--profile`), able to run runbooks
/// against it unless `--read-only`; `start` is a run asked for by `ripcord runbook run`.
fn live(
    cli: &Cli,
    cfg: Config,
    start: Option<(Arc<Runbook>, ParamValues)>,
) -> anyhow::Result<ExitCode> {
    let theme = Theme::select(
        cli.global.theme.as_deref().unwrap_or(&cfg.theme),
        theme::no_color_requested(),
    )?;
    let profile = sdk::pick_profile(cli.global.profile.as_deref(), cfg.profile.as_deref());
    let regions = sdk::pick_regions(&cli.global.regions, &cfg.regions);
    let runtime = runtime()?;
    // Before the terminal is taken over, so that a bad profile or region is plainly printed.
    let (aws, regions) = runtime
        .block_on(async {
            tokio::time::timeout(
                AWS_SETUP_TIMEOUT,
                AwsFleet::setup(profile.as_deref(), &regions),
            )
            .await
        })
        .map_err(|_| {
            anyhow::anyhow!(
                "setting up AWS took over {}s (credentials or region lookup did not answer)",
                AWS_SETUP_TIMEOUT.as_secs()
            )
        })??;
    let log = ripcord::logging::init(&config::log_dir());
    if let Err(e) = &log {
        eprintln!("ripcord: warning: {e}; continuing without a log file");
    }
    let fleet = Arc::new(AwsFleet::from_sdk_config(&aws, &regions, CallLimits::READS));
    // Read-only never even builds the clients that change things.
    let actions =
        (!cli.global.read_only).then(|| -> Arc<dyn Actions> { Arc::new(AwsActions::new(&aws)) });
    let mut app = App::new(
        Mode::Live {
            profile: profile.clone(),
        },
        fleet.name(),
        &fleet.regions(),
        cfg.workloads(Vec::new()),
        cfg.refresh,
        theme,
        jiff::Timestamp::now(),
    );
    app.read_only = cli.global.read_only;
    app.runbooks.library = Library::load(&cfg.runbook_dirs);
    app.runbooks.actions_available = actions.is_some();
    app.runbooks.operator = operator();
    app.runbooks.launch = start;
    tracing::info!(?profile, regions = ?fleet.regions(), read_only = app.read_only, "live cockpit starting");
    let result = runtime.block_on(cockpit::run(
        app,
        Sources {
            fleet,
            sim: None,
            actions,
            refresh: cfg.refresh,
        },
    ));
    finish(runtime, result)
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
        Exit::Signal(why) => {
            // The terminal may be gone (hang-up): a failed write must not turn into a panic.
            let _ = writeln!(std::io::stderr(), "ripcord: stopped ({why})");
            Ok(ExitCode::from(130))
        }
    }
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
    let target = if args.sim {
        Target::Sim {
            seed: args.seed,
            scenario: args.scenario,
        }
    } else {
        Target::Aws {
            profile: profile.clone(),
            regions: sdk::pick_regions(&cli.global.regions, &cfg.regions),
        }
    };
    let outcome = runtime.block_on(ripcord::status::glance(target, &cfg, args.timeout));
    // Fetches that missed the deadline were dropped; nothing is waited on at exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    let report = match outcome {
        Ok(app) => ripcord::status::report(&app, profile.as_deref().filter(|_| !args.sim)),
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
                Ok(start) if args.sim => demo(cli, cfg, args.demo.clone(), Some(start)),
                Ok(start) => live(cli, cfg, Some(start)),
            }
        }
    }
}

/// Who is at the keyboard, for run logs.
fn operator() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn demo(
    cli: &Cli,
    cfg: Config,
    args: DemoArgs,
    start: Option<(Arc<Runbook>, ParamValues)>,
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
    let refresh = Refresh::demo();
    let regions: Vec<String> = sim.regions();
    let mut app = App::new(
        Mode::Demo {
            scenario: args.scenario,
        },
        "sim",
        &regions,
        cfg.workloads(sim.workloads()),
        refresh,
        theme,
        jiff::Timestamp::now(),
    );
    app.read_only = cli.global.read_only;
    app.runbooks.library = Library::load(&cfg.runbook_dirs);
    // The simulator carries out runbook actions: runbooks drill against it.
    let actions = (!cli.global.read_only).then(|| -> Arc<dyn Actions> { sim.clone() });
    app.runbooks.actions_available = actions.is_some();
    app.runbooks.operator = operator();
    app.runbooks.launch = start;
    tracing::info!(?args, "demo starting");
    let runtime = runtime()?;
    let result = runtime.block_on(cockpit::run(
        app,
        Sources {
            fleet: sim.clone(),
            actions,
            sim: Some(sim),
            refresh,
        },
    ));
    finish(runtime, result)
}
