//! `odoo-agent`: the program job pods run (backup, restore, copy, switch-filestore,
//! copy-filestore, verify), copied into them from the operator image by `odoo-agent install`.

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "odoo-agent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: odoo_agent::AgentCommand,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    odoo_agent::run(Cli::parse().command).await
}
