//! `demandcast`: the command line.
//!
//! `main` parses flags, sets up logging, and hands over to [`run`], which
//! resolves each command's settings (failing fast on bad flags) and runs it.
//! Errors come back as `anyhow::Error` and are printed once, here, with their
//! cause chain and `hint:` lines; the exit code says whose fault it was
//! (0 ok, 1 runtime failure, 2 bad flags or bad input).

mod cli;
mod commands;
mod data_hints;
mod decide_args;
mod decide_settings;
mod decide_stock;
mod error;
mod gbm_cli;
mod input;
mod neural_args;
mod output;
mod progress;
mod report;
mod settings;
mod text_args;
mod text_output;
mod ui;

use clap::Parser;
use cli::{Cli, Command, ImportSource};
use std::process::ExitCode;
use ui::Ui;

fn main() -> ExitCode {
    // Before any thread starts: forecasting parallelises over batches itself.
    demandcast::neural::train::run_kernels_on_callers();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout and usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_tracing(cli.global.verbose, cli.global.quiet);
    match run(cli) {
        Ok(code) => code,
        Err(err) if error::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            ui::error(&err);
            ExitCode::from(error::exit_code(&err))
        }
    }
}

/// Resolves settings for the chosen command, then runs it.
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::new(cli.global.quiet);
    match cli.command {
        Command::Forecast(args) => commands::forecast::run(&settings::forecast(args)?, &ui),
        Command::Backtest(args) => commands::backtest::run(&settings::backtest(args)?, &ui),
        Command::Import(args) => match args.source {
            ImportSource::M5(m5) => commands::import_m5::run(&settings::import_m5(m5)?, &ui),
        },
        Command::Models => commands::models::run(),
        Command::Simulate(args) => commands::simulate::run(&decide_settings::simulate(args)?, &ui),
        Command::Fit(args) => commands::fit::run(&settings::fit(args)?, &ui),
        Command::Plan(args) => commands::plan::run(&decide_settings::plan(args)?, &ui),
        Command::Embed(args) => commands::embed::run(&text_args::embed(args)?, &ui),
        Command::FinetuneText(args) => commands::finetune_text::run(args, &ui),
        Command::Pretrain(args) => commands::pretrain::run(args, &ui),
        Command::Finetune(args) => commands::finetune::run(args, &ui),
        Command::Append(args) => commands::append::run(args, &ui),
        Command::Serve(args) => commands::serve::run(args),
        Command::Runs(args) => commands::runs::run(args),
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, `-vvv`
/// trace; `DEMANDCAST_LOG` (an env-filter string) overrides.
fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let level = match (quiet, verbose) {
        (true, 0) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("DEMANDCAST_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(verbose >= 2)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .try_init();
}
