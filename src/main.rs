//! ripcord's entry point: parse the command line and dispatch. Nothing else lives here.

use clap::{CommandFactory, FromArgMatches};
use ripcord::app::{App, Mode};
use ripcord::cli::{Cli, Cmd, ConfigCmd, DemoArgs, RunbookCmd};
use ripcord::cockpit::{self, Exit, Sources};
use ripcord::config::{self, Config, Refresh};
use ripcord::runbook::commands as runbook_commands;
use ripcord::runbook::params::ParamValues;
use ripcord::runbook::{Library, Runbook};
use ripcord::source::sim::{SimFleet, SimOptions};
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
        None => {
            // Read the config anyway so that a broken file is reported now, not later.
            load()?;
            eprintln!(
                "ripcord: the live AWS cockpit is not built yet: the AWS sources come in the next release.\n\
                 Nothing was fetched from AWS. To see the cockpit now, run `ripcord demo` (a simulated fleet)."
            );
            Ok(ExitCode::from(2))
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
                Ok(_) => {
                    eprintln!(
                        "ripcord: runbooks cannot act on AWS yet: the AWS actions come with the AWS sources.\n\
                         Nothing was changed. Drill this runbook against the simulated fleet with --sim."
                    );
                    Ok(ExitCode::from(2))
                }
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
    let regions: Vec<String> = ripcord::source::FleetSource::regions(sim.as_ref());
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
    app.runbooks.actions_available = true;
    app.runbooks.operator = operator();
    app.runbooks.launch = start;
    tracing::info!(?args, "demo starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(cockpit::run(
        app,
        Sources {
            fleet: sim.clone(),
            sim: Some(sim),
            refresh,
        },
    ));
    // Never wait on a stuck task at exit: a hung fetch must not keep the process alive.
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
