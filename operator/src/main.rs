use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    odoo_operator::cli::Cli::parse().run().await
}
