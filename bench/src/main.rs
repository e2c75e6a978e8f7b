//! `odoo-bench`: the scale benchmark (see the README's "Benchmark" section and
//! `hack/bench.sh`, which builds it and the operator with optimisations first).
//!
//!   odoo-bench run --instances 100,1000 [--namespaces 100] [--idle 60] [--json FILE]
//!   odoo-bench floor …   (started by `run`: the floor client, a process of its own)

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use odoo_bench::{self as bench, Reconciler, Settings, report};

#[derive(Parser)]
#[command(about = "N OdooInstances on the simulated cluster: the operator against the floor")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the benchmark for each instance count and prints one table per count.
    Run {
        /// Instance counts, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "100,1000")]
        instances: Vec<usize>,
        /// The operator's `--concurrent-reconciles` (its default when unset).
        #[arg(long)]
        concurrency: Option<u16>,
        /// Namespaces the instances are spread over (the tenant layout), one by default.
        #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
        namespaces: usize,
        /// Seconds of quiet after convergence in which writes are counted.
        #[arg(long, default_value_t = 60)]
        idle: u64,
        /// Give up a run that has not converged after this many seconds.
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
        /// Also write every figure as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// State and logs of each run (control plane, reconciler).
        #[arg(long, default_value = "target/bench")]
        state_dir: PathBuf,
        /// Run the operator only and print its figures as JSON, without the floor
        /// and the ratios: half the time, for iterating on one figure.
        #[arg(long)]
        operator_only: bool,
    },
    /// The floor client (started by `run`).
    #[command(hide = true)]
    Floor {
        #[arg(long)]
        kubeconfig: PathBuf,
        #[arg(long)]
        operator_namespace: String,
        #[arg(long)]
        instances: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match Cli::parse().command {
        Command::Run {
            instances,
            namespaces,
            concurrency,
            idle,
            timeout,
            json,
            state_dir,
            operator_only,
        } => {
            let state_dir = std::path::absolute(&state_dir)?;
            let pg = odoo_tests::postgres::start_guarded()?;
            let mut comparisons = Vec::new();
            for n in instances {
                let settings = Settings {
                    instances: n,
                    namespaces,
                    concurrency,
                    idle: Duration::from_secs(idle),
                    timeout: Duration::from_secs(timeout),
                    bin_dir: bench::bin_dir()?,
                    state_dir: state_dir.clone(),
                };
                let operator =
                    runtime.block_on(bench::run(Reconciler::Operator, &settings, &pg))?;
                if operator_only {
                    println!("{}", serde_json::to_string_pretty(&operator)?);
                    continue;
                }
                let floor = runtime.block_on(bench::run(Reconciler::Floor, &settings, &pg))?;
                let comparison = report::Comparison::new(operator, floor);
                println!("{}", report::table(&comparison));
                comparisons.push(comparison);
                if let Some(path) = &json {
                    // Written after every count, so a long run keeps what it measured.
                    std::fs::write(path, serde_json::to_string_pretty(&comparisons)?)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
            }
            if let Some(path) = &json {
                eprintln!("figures written to {}", path.display());
            }
            Ok(())
        }
        Command::Floor {
            kubeconfig,
            operator_namespace,
            instances,
        } => runtime.block_on(async {
            let kubeconfig = kube::config::Kubeconfig::read_from(&kubeconfig)?;
            let config =
                kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
            let client = kube::Client::try_from(config)?;
            bench::floor::run(client, &operator_namespace, instances).await
        }),
    }
}
