//! One module per command; each exposes its `Args` and `run`.

pub mod version;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// Runs the chosen command.
pub async fn dispatch(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Version(args) => version::run(&cli.global, args).await,
    }
}
