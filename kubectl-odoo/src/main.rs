use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    kubectl_odoo::run(kubectl_odoo::cli::Cli::parse())
}
