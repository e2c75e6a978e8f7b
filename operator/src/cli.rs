//! Command line of the operator binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tracing::{info, warn};

use crate::health::Health;

/// Kubernetes operator for Odoo.
#[derive(Parser, Debug)]
#[command(name = "odoo-operator", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the operator (the default).
    Run(RunArgs),
    /// Print every CustomResourceDefinition as YAML, or write the chart's CRD file.
    Crds {
        /// Write the file at this path instead of printing.
        #[arg(long)]
        write: Option<PathBuf>,
    },
    /// Print the lifecycle state diagram (Markdown with Mermaid), or write the doc.
    StateDiagram {
        /// Write the file at this path instead of printing.
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

/// Flags of the operator process.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Kubeconfig to use out of cluster; in-cluster configuration otherwise.
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// Address of the health endpoints (`/healthz`, `/readyz`).
    #[arg(
        long,
        env = "ODOO_OPERATOR_HEALTH_ADDR",
        default_value = "0.0.0.0:8080"
    )]
    health_addr: SocketAddr,
    /// Log format.
    #[arg(
        long,
        env = "ODOO_OPERATOR_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum LogFormat {
    Text,
    Json,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Some(Command::Crds { write }) => {
                let yaml = odoo_model::crds::to_yaml().context("rendering the CRDs")?;
                print_or_write(&yaml, write)
            }
            Some(Command::StateDiagram { write }) => print_or_write(&crate::state::mermaid::document(), write),
            Some(Command::Run(args)) => run(args).await,
            None => run(self.run).await,
        }
    }
}

fn print_or_write(text: &str, write: Option<PathBuf>) -> anyhow::Result<()> {
    match write {
        Some(path) => std::fs::write(&path, text).with_context(|| format!("writing {}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,kube=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn client(kubeconfig: Option<&PathBuf>) -> anyhow::Result<Client> {
    let config = match kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .with_context(|| format!("reading kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?
        }
        None => kube::Config::infer()
            .await
            .context("no kubeconfig and not in a cluster")?,
    };
    Ok(Client::try_from(config)?)
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    info!(version = crate::VERSION, "starting odoo-operator");
    let client = client(args.kubeconfig.as_ref()).await?;
    let health = Arc::new(Health::default());
    let server = tokio::spawn(crate::health::serve(args.health_addr, health.clone()));

    // Readiness means the CRDs this build knows are installed and Established: an
    // operator reconciling against missing or stale CRDs would only produce errors.
    loop {
        match crate::crd_check::check(&client).await {
            Ok(()) => break,
            Err(e) => {
                warn!(error = %e, "CRDs not ready; retrying in 5s");
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        }
    }
    info!("CRDs established");
    health.set_ready(true);

    tokio::select! {
        res = server => res.context("health server task")?.context("health server")?,
        _ = tokio::signal::ctrl_c() => info!("interrupted, shutting down"),
    }
    Ok(())
}
