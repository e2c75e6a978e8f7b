//! Command line of the operator binary: run, crds, and the flags of each.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tracing::{info, warn};

use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};

use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;

use odoo_model::labels::LEADER_LEASE;

use crate::config::OperatorConfig;
use crate::health::Health;
use crate::leader::LeaderElector;

/// Kubernetes operator for Odoo: reconciles instances and their job resources.
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
    Run(Box<RunArgs>),
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
    /// The operator's namespace, where the pg-clusters Secret lives.
    #[arg(long, env = "POD_NAMESPACE", default_value = "odoo-operator")]
    namespace: String,
    /// Name of the Secret listing the PostgreSQL clusters (key clusters.yaml).
    #[arg(
        long,
        env = "ODOO_OPERATOR_PG_CLUSTERS_SECRET",
        default_value = "pg-clusters"
    )]
    pg_clusters_secret: String,
    /// Reconcile only the instances of this namespace (every namespace when unset),
    /// for tenants that run an operator of their own.
    #[arg(long, env = "ODOO_OPERATOR_WATCH_NAMESPACE")]
    watch_namespace: Option<String>,
    /// Default Odoo image, pinned to a tag or digest.
    #[arg(
        long,
        env = "ODOO_OPERATOR_DEFAULT_IMAGE",
        default_value = "odoo:18.0-20251001"
    )]
    default_image: String,
    /// Default filestore size.
    #[arg(
        long,
        env = "ODOO_OPERATOR_DEFAULT_STORAGE_SIZE",
        default_value = "10Gi"
    )]
    default_storage_size: String,
    /// Default filestore StorageClass (the cluster default when unset).
    #[arg(long, env = "ODOO_OPERATOR_DEFAULT_STORAGE_CLASS")]
    default_storage_class: Option<String>,
    /// Default IngressClass.
    #[arg(long, env = "ODOO_OPERATOR_DEFAULT_INGRESS_CLASS")]
    default_ingress_class: Option<String>,
    /// Default cert-manager ClusterIssuer.
    #[arg(long, env = "ODOO_OPERATOR_DEFAULT_INGRESS_ISSUER")]
    default_ingress_issuer: Option<String>,
    /// Default resources of the Odoo pods, as JSON (a ResourceRequirements).
    #[arg(long, env = "ODOO_OPERATOR_DEFAULT_RESOURCES", value_parser = parse_json::<ResourceRequirements>)]
    default_resources: Option<ResourceRequirements>,
    /// Default affinity of the Odoo pods, as JSON (an Affinity).
    #[arg(long, env = "ODOO_OPERATOR_DEFAULT_AFFINITY", value_parser = parse_json::<Affinity>)]
    default_affinity: Option<Affinity>,
    /// Default tolerations of the Odoo pods, as a JSON list.
    #[arg(long, env = "ODOO_OPERATOR_DEFAULT_TOLERATIONS", value_parser = parse_json::<Vec<Toleration>>)]
    default_tolerations: Option<Vec<Toleration>>,
    /// Image of the operator itself, from which backup and restore pods copy the
    /// agent binary (`odoo-operator:<version>` when unset).
    #[arg(long, env = "ODOO_OPERATOR_AGENT_IMAGE")]
    agent_image: Option<String>,
    /// Serve the validating admission webhook over HTTPS with this certificate (PEM).
    /// Reloaded when the file changes. Needs --webhook-key; no webhook when unset.
    #[arg(long, env = "ODOO_OPERATOR_WEBHOOK_CERT", requires = "webhook_key")]
    webhook_cert: Option<PathBuf>,
    /// Private key (PEM) of the webhook certificate.
    #[arg(long, env = "ODOO_OPERATOR_WEBHOOK_KEY", requires = "webhook_cert")]
    webhook_key: Option<PathBuf>,
    /// Address of the admission webhook.
    #[arg(
        long,
        env = "ODOO_OPERATOR_WEBHOOK_ADDR",
        default_value = "0.0.0.0:9443"
    )]
    webhook_addr: SocketAddr,
    /// How often the webhook certificate files are checked for a rotation, in seconds.
    #[arg(long, env = "ODOO_OPERATOR_WEBHOOK_RELOAD_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    webhook_reload_seconds: u64,
    /// Username the operator's own API requests carry, which admission lets through
    /// the flows only the operator runs (a cluster migration's switch).
    /// `system:serviceaccount:<namespace>:odoo-operator` when unset.
    #[arg(long, env = "ODOO_OPERATOR_USER")]
    operator_user: Option<String>,
    /// Reconciles each controller runs at once. Bounds the requests a burst of
    /// new instances sends the API server at once (the leader Lease must still be
    /// renewed in time) and the memory they hold; PostgreSQL connections have their
    /// own bound (`--pg-connections-per-cluster`).
    #[arg(long, env = "ODOO_OPERATOR_CONCURRENT_RECONCILES", default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrent_reconciles: u16,
    /// Connections provisioning opens at once to one PostgreSQL cluster, whatever
    /// the number of reconciles: keep it well under the cluster's
    /// `max_connections`, which its Odoo pods share.
    #[arg(long, env = "ODOO_OPERATOR_PG_CONNECTIONS_PER_CLUSTER", default_value_t = crate::pg::pool::DEFAULT_CONNECTIONS_PER_CLUSTER, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pg_connections_per_cluster: usize,
    /// How long the leader Lease lasts without renewal, in seconds: how long a
    /// standby waits after a leader died without releasing it. Renewed every third
    /// of it.
    #[arg(long, env = "ODOO_OPERATOR_LEASE_SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(3..=300))]
    lease_seconds: u64,
}

fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))
}

impl RunArgs {
    fn operator_config(&self) -> OperatorConfig {
        OperatorConfig {
            image: self.default_image.clone(),
            storage_size: self.default_storage_size.clone(),
            storage_class: self.default_storage_class.clone(),
            ingress_class: self.default_ingress_class.clone(),
            ingress_issuer: self.default_ingress_issuer.clone(),
            resources: self.default_resources.clone(),
            affinity: self.default_affinity.clone(),
            tolerations: self.default_tolerations.clone().unwrap_or_default(),
            namespace: self.namespace.clone(),
            pg_clusters_secret: self.pg_clusters_secret.clone(),
            watch_namespace: self.watch_namespace.clone(),
            concurrent_reconciles: self.concurrent_reconciles,
            pg_connections_per_cluster: self.pg_connections_per_cluster,
            agent_image: self
                .agent_image
                .clone()
                .unwrap_or_else(|| format!("odoo-operator:{}", crate::VERSION)),
        }
    }
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
            Some(Command::StateDiagram { write }) => {
                print_or_write(&crate::state::mermaid::document(), write)
            }
            Some(Command::Run(args)) => run(*args).await,
            None => run(self.run).await,
        }
    }
}

async fn webhook(
    args: &RunArgs,
    client: &Client,
) -> anyhow::Result<Option<crate::admission::server::WebhookServer>> {
    let (Some(cert), Some(key)) = (&args.webhook_cert, &args.webhook_key) else {
        info!("admission webhook off (no --webhook-cert/--webhook-key)");
        return Ok(None);
    };
    let state = crate::admission::AdmissionState {
        lookup: crate::admission::lookup::KubeLookup {
            client: client.clone(),
            operator_namespace: args.namespace.clone(),
            pg_clusters_secret: args.pg_clusters_secret.clone(),
        },
        operator_user: args
            .operator_user
            .clone()
            .unwrap_or_else(|| format!("system:serviceaccount:{}:odoo-operator", args.namespace)),
        default_image: args.default_image.clone(),
    };
    let files = crate::admission::tls::CertFiles {
        cert: cert.clone(),
        key: key.clone(),
    };
    let server = crate::admission::server::WebhookServer::bind(
        args.webhook_addr,
        files,
        std::time::Duration::from_secs(args.webhook_reload_seconds),
        state,
    )
    .await
    .context("starting the admission webhook")?;
    Ok(Some(server))
}

fn print_or_write(text: &str, write: Option<PathBuf>) -> anyhow::Result<()> {
    match write {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
        }
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
    Ok(crate::api_client::client(config)?)
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    info!(version = crate::VERSION, "starting odoo-operator");
    let client = client(args.kubeconfig.as_ref()).await?;
    let health = Arc::new(Health::default());
    let metrics = crate::metrics::Metrics::new();
    // Probes and metrics are served from the start, so a standby replica waiting for
    // the lease is alive and ready rather than restarted by its liveness probe.
    let server = tokio::spawn(crate::health::serve(
        args.health_addr,
        health.clone(),
        metrics.clone(),
    ));
    // Every replica answers admission, leader or not: the Service spreads requests.
    if let Some(webhook) = webhook(&args, &client).await? {
        tokio::spawn(webhook.serve());
    }

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

    // Only the holder of the Lease reconciles, so two replicas never act twice; the
    // Lease also carries the holder's version, for `kubectl odoo version`.
    // The Lease has a connection of its own: on the controllers' HTTP/2 connection
    // its renewals queued behind their traffic, and at 3,000 new instances one came
    // too late and the leader stepped down.
    let lease_client = self::client(args.kubeconfig.as_ref()).await?;
    let leases = Api::<Lease>::namespaced(lease_client, &args.namespace);
    let lease = std::time::Duration::from_secs(args.lease_seconds);
    let elector = LeaderElector::new(leases, LEADER_LEASE, crate::leader::default_identity())
        .with_timing(lease, lease / 3);
    info!(
        identity = elector.identity(),
        lease = LEADER_LEASE,
        "waiting for leadership"
    );
    let guard = tokio::select! {
        guard = elector.acquire() => guard.context("acquiring the leader lease")?,
        _ = tokio::signal::ctrl_c() => return Ok(()),
    };
    info!(identity = elector.identity(), "leading");

    let mut ctx = crate::controller::Context::new(client.clone(), args.operator_config(), metrics);
    // Callbacks are sent by a task of their own, so a slow receiver never holds up
    // a reconcile.
    let (callbacks, deliveries) =
        crate::callbacks::Callbacks::new(client, ctx.events.clone(), ctx.metrics.clone());
    ctx.callbacks = callbacks;
    tokio::spawn(deliveries);
    let ctx = Arc::new(ctx);
    let lost = guard.lost();
    tokio::select! {
        res = server => res.context("health server task")?.context("health server")?,
        // The controllers stop on SIGTERM/Ctrl-C after finishing in-flight reconciles.
        () = crate::controller::run(ctx) => info!("controllers stopped, shutting down"),
        () = lost => anyhow::bail!("leadership lost; exiting so the other replica takes over"),
    }
    // Hand the lease over at once instead of letting the standby wait for expiry.
    guard
        .release()
        .await
        .context("releasing the leader lease")?;
    Ok(())
}
