//! Errors of the plugin and the exit codes scripts can rely on.

/// What went wrong, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad flags or arguments (exit 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// The kubeconfig could not be read or has no usable context (exit 1).
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// The API server could not be reached or refused the request (exit 1; exit 5
    /// when it answered that the object does not exist).
    #[error("{action}: {}", describe(source))]
    Api { action: String, source: kube::Error },
    /// Writing output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
    /// The object does not exist (exit 5).
    #[error("{0}")]
    NotFound(String),
    /// The object exists but is not in a state the command can work with: a backup
    /// that has not succeeded, a destination the command cannot read (exit 5, with
    /// not found: the command could not start).
    #[error("{0}")]
    Precondition(String),
    /// Anything else that went wrong on the way (exit 1): a local file, a
    /// confirmation that did not match, a check that did not pass.
    #[error("{0}")]
    Failed(String),
    /// What the command waited for reached a failed phase instead (exit 3): the
    /// instance is InitFailed/UpgradeFailed/Error, the job Failed or RolledBack.
    #[error("{0}")]
    PhaseFailed(String),
    /// A wait ran out of time (exit 4).
    #[error("{0}")]
    Timeout(String),
    /// Interrupted by Ctrl-C while following (exit 130, as shells report SIGINT).
    #[error("interrupted")]
    Interrupted,
    /// stdout was closed by the reader (`| head`): not an error.
    #[error("broken pipe")]
    BrokenPipe,
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Api { source, .. } if is_not_found(source) => 5,
            CliError::Kubeconfig(_) | CliError::Api { .. } => 1,
            CliError::Output(_) | CliError::Failed(_) => 1,
            CliError::PhaseFailed(_) => 3,
            CliError::Timeout(_) => 4,
            CliError::NotFound(_) | CliError::Precondition(_) => 5,
            CliError::Interrupted => 130,
            CliError::BrokenPipe => 0,
        }
    }

    /// Wraps a client error with what the plugin was doing.
    pub fn api(action: impl Into<String>) -> impl FnOnce(kube::Error) -> CliError {
        let action = action.into();
        move |source| CliError::Api { action, source }
    }
}

pub use odoo_model::api_error::{describe, is_not_found};
