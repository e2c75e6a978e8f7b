//! `kubectl odoo`: the command-line interface of the Odoo operator.

pub mod bucket_index;
pub mod cli;
pub mod commands;
pub mod confirm;
pub mod ctx;
pub mod error;
pub mod fleet;
pub mod output;
pub mod phase;
pub mod progress;
pub mod s3;
pub mod watch;

use std::process::ExitCode;

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
    let _ = runtime.block_on(commands::completion::complete(words));
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
        Ok(runtime) => runtime.block_on(commands::dispatch(&ctx, cli.command, &printer)),
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
