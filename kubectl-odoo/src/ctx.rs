//! One context per invocation: kubeconfig, context and namespace resolved once, on
//! first use.

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::OnceCell;

use crate::error::CliError;
use crate::global::GlobalArgs;

/// What every command needs to talk to the cluster.
#[derive(Clone)]
pub struct Ctx {
    pub client: Client,
    pub namespace: String,
    pub global: GlobalArgs,
}

impl Ctx {
    /// Resolves the kubeconfig like kubectl: `--kubeconfig`, else every path in
    /// `KUBECONFIG` merged, else `~/.kube/config`; then `--context`; then the namespace
    /// from `-n`, the context, or `default`.
    pub async fn resolve(global: &GlobalArgs) -> Result<Ctx, CliError> {
        let kubeconfig = match &global.kubeconfig {
            Some(path) => Kubeconfig::read_from(path)
                .map_err(|e| CliError::Kubeconfig(format!("reading {}: {e}", path.display())))?,
            None => Kubeconfig::read().map_err(|e| CliError::Kubeconfig(e.to_string()))?,
        };
        let options = KubeConfigOptions {
            context: global.context.clone(),
            ..Default::default()
        };
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| CliError::Kubeconfig(e.to_string()))?;
        if let Some(timeout) = global.request_timeout.filter(|t| !t.is_zero()) {
            config.read_timeout = Some(timeout);
            config.connect_timeout = Some(timeout);
            config.write_timeout = Some(timeout);
        }
        let namespace = global
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        let client = Client::try_from(config).map_err(|e| CliError::Kubeconfig(e.to_string()))?;
        Ok(Ctx {
            client,
            namespace,
            global: global.clone(),
        })
    }

    /// The same cluster and flags, in another namespace (an instance a fleet
    /// command selected with `-A`).
    pub fn in_namespace(&self, namespace: &str) -> Ctx {
        Ctx {
            namespace: namespace.to_owned(),
            ..self.clone()
        }
    }
}

/// The context of one invocation, resolved when a command first needs it and kept:
/// every step of a command (the wait after a write) shares that one resolution, and
/// what never reaches the cluster (completion scripts, `version --client`, client
/// dry runs built from flags alone) runs without a kubeconfig.
pub struct LazyCtx {
    global: GlobalArgs,
    ctx: OnceCell<Ctx>,
}

impl LazyCtx {
    pub fn new(global: GlobalArgs) -> LazyCtx {
        LazyCtx {
            global,
            ctx: OnceCell::new(),
        }
    }

    /// The resolved context: resolved now if this is the first call.
    pub async fn get(&self) -> Result<&Ctx, CliError> {
        self.ctx
            .get_or_try_init(|| Ctx::resolve(&self.global))
            .await
    }
}
