//! `kubectl odoo`: the command-line interface of the Odoo operator.

pub mod bucket_index;
pub mod cli;
pub mod commands;
pub mod confirm;
pub mod ctx;
pub mod duration;
pub mod error;
pub mod fleet;
pub mod format;
pub mod global;
pub mod limits;
pub mod output;
pub mod phase;
pub mod progress;
pub mod read;
pub mod s3;
pub mod watch;

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Command;
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::output::Printer;

/// The plugin's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Answers kubectl's completion protocol; never fails loudly (a broken completion
/// must not spill errors into the user's prompt).
pub fn complete(words: Vec<String>) -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return ExitCode::SUCCESS;
    };
    let _ = runtime.block_on(commands::completion::complete(&cli::Cli::command(), words));
    ExitCode::SUCCESS
}

/// Runs a parsed command line and maps the outcome to an exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    let printer = Printer::new(cli.command.output(), cli.global.color);
    let ctx = LazyCtx::new(cli.global);
    let outcome = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(dispatch(&ctx, cli.command, &printer)),
        Err(e) => Err(CliError::Failed(format!("starting the async runtime: {e}"))),
    };
    match outcome {
        Ok(()) | Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            printer.error(&e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs the chosen command with the invocation's context (resolved by the first
/// command step that reaches the cluster) and its one printer.
async fn dispatch(ctx: &LazyCtx, command: Command, printer: &Printer) -> Result<(), CliError> {
    match command {
        Command::Version(args) => commands::version::run(ctx, args, printer).await,
        Command::Create(args) => commands::create::run(ctx, args, printer).await,
        Command::List(args) => commands::list::run(ctx, args, printer).await,
        Command::Status(args) => commands::status::run(ctx, args, printer).await,
        Command::Completion(args) => commands::completion::run(args, cli::Cli::command(), printer),
        Command::Stop(args) => commands::power::stop(ctx, args, printer).await,
        Command::Start(args) => commands::power::start(ctx, args, printer).await,
        Command::Scale(args) => commands::scale::run(ctx, args, printer).await,
        Command::Delete(args) => commands::delete::run(ctx, args, printer).await,
        Command::Events(args) => commands::events::run(ctx, args, printer).await,
        Command::Upgrade(args) => commands::upgrade::run(ctx, args, printer).await,
        Command::Backup(args) => commands::backup::run(ctx, args, printer).await,
        Command::Restore(args) => commands::restore::run(ctx, args, printer).await,
        Command::MigrateCluster(args) => commands::migrate::run(ctx, args, printer).await,
        Command::Logs(args) => commands::logs::run(ctx, args, printer).await,
        Command::Doctor(args) => commands::doctor::run(ctx, args, printer).await,
        Command::Report(args) => commands::report::run(ctx, args, printer).await,
    }
}
