//! Reconcile errors, split into permanent (wait for a change) and transient (retry
//! with backoff).

use crate::apply::ApplyError;
use odoo_model::Reason;
use odoo_model::api_error::describe;

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr)]
pub enum Error {
    /// The spec cannot work as written; a Warning event and condition say why, and
    /// the operator waits for a change.
    #[error("{0}")]
    InvalidSpec(String),
    /// The pg-clusters Secret is missing or wrong; waits for a change there.
    #[error("{0}")]
    PgClusters(String),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("{action}: {}", describe(source))]
    Kube { action: String, source: kube::Error },
    #[error("PostgreSQL cluster {cluster}: {message}")]
    Database {
        cluster: String,
        message: String,
        /// The server could not be reached at all (as opposed to refusing a statement).
        unreachable: bool,
    },
    /// Deletion waits for the instance's pods to stop before dropping the database.
    #[error("waiting for {pods} pods to stop before dropping the database")]
    WaitingForPods { pods: i32 },
    #[error("finalizer: {0}")]
    Finalizer(String),
    /// A cached object's text did not decode as its kind (a bug, not a cluster
    /// state): retried, and the error names the object.
    #[error("reading the cached {kind} {name}: {source}")]
    Cached {
        kind: &'static str,
        name: String,
        source: serde_json::Error,
    },
    /// Object storage could not be asked (a check of a stored backup); retried.
    #[error("object storage: {0}")]
    Storage(String),
    /// A job kind's pass kept asking for more without ending, or asked for an
    /// effect before reading what it needs (a bug, not a cluster state): retried
    /// with backoff; the entry's log line names the job.
    #[error("{0}")]
    Unsettled(String),
}

impl Error {
    /// Wraps a client error with what the operator was doing.
    pub fn kube(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let action = action.into();
        move |source| Error::Kube { action, source }
    }

    /// The API server refused a write because the object changed since it was read.
    pub fn is_conflict(&self) -> bool {
        let source = match self {
            Error::Kube { source, .. } => source,
            Error::Apply(ApplyError::Patch { source, .. } | ApplyError::Get { source, .. }) => {
                source
            }
            _ => return false,
        };
        odoo_model::api_error::is_conflict(source)
    }

    /// The metric label / event reason of this error.
    pub fn category(&self) -> &'static str {
        self.into()
    }

    /// The reason of the event that reports this error: its category.
    pub fn reason(&self) -> Reason {
        match self {
            Error::InvalidSpec(_) => Reason::InvalidSpec,
            Error::PgClusters(_) => Reason::PgClusters,
            Error::Apply(_) => Reason::Apply,
            Error::Kube { .. } => Reason::Kube,
            Error::Database { .. } => Reason::Database,
            Error::WaitingForPods { .. } => Reason::WaitingForPods,
            Error::Finalizer(_) => Reason::Finalizer,
            Error::Cached { .. } => Reason::Cached,
            Error::Storage(_) => Reason::Storage,
            Error::Unsettled(_) => Reason::Unsettled,
        }
    }
}

impl From<crate::validate::ValidationError> for Error {
    /// A cluster the contract lacks waits for the pg-clusters Secret; any other
    /// reason waits for the spec.
    fn from(e: crate::validate::ValidationError) -> Self {
        match e {
            crate::validate::ValidationError::Cluster(message) => Error::PgClusters(message),
            other => Error::InvalidSpec(other.to_string()),
        }
    }
}

/// What an effect needs of the pass's facts: a kind's step asks for the effect
/// only once the pass learnt it, so a pass without it is a bug (`missing` says
/// which), not a spin.
pub fn needed<'a, T: ?Sized>(value: Option<&'a T>, missing: &str) -> Result<&'a T, Error> {
    value.ok_or_else(|| Error::Unsettled(missing.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event of an error keeps the reason it had as the error's category.
    #[test]
    fn an_errors_reason_is_its_category() {
        let unreadable = serde_json::from_str::<u8>("x").expect_err("not a number");
        for e in [
            Error::InvalidSpec("x".into()),
            Error::PgClusters("x".into()),
            Error::Database {
                cluster: "main".into(),
                message: "x".into(),
                unreachable: true,
            },
            Error::WaitingForPods { pods: 1 },
            Error::Finalizer("x".into()),
            Error::Cached {
                kind: "Pod",
                name: "x".into(),
                source: unreadable,
            },
            Error::Storage("x".into()),
        ] {
            assert_eq!(e.reason().as_str(), e.category());
        }
    }
}
