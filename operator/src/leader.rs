//! Leader election on a `coordination.k8s.io/v1` Lease, so that of several operator
//! replicas exactly one reconciles and the others stand by.
//!
//! Every write is a `replace` carrying the `resourceVersion` that was read, so when two
//! replicas race for an expired lease the API server accepts one and answers the other
//! 409 Conflict. Expiry is judged from the lease's own `renewTime` and
//! `leaseDurationSeconds`, which assumes the replicas' clocks agree to well within the
//! lease duration (NTP on the nodes).

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use odoo_model::labels::OPERATOR_VERSION_ANNOTATION;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum LeaderError {
    #[error("reading Lease {name}")]
    GetLease {
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("creating Lease {name}")]
    CreateLease {
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("updating Lease {name}")]
    ReplaceLease {
        name: String,
        #[source]
        source: kube::Error,
    },
}

impl LeaderError {
    fn status_code(&self) -> Option<u16> {
        let (LeaderError::GetLease { source, .. }
        | LeaderError::CreateLease { source, .. }
        | LeaderError::ReplaceLease { source, .. }) = self;
        match source {
            kube::Error::Api(status) => Some(status.code),
            _ => None,
        }
    }

    /// Another writer got in between our read and our write: read again at once.
    fn is_conflict(&self) -> bool {
        self.status_code() == Some(409)
    }

    /// A client error (missing RBAC, missing namespace) that retrying will not fix;
    /// failing makes the misconfiguration visible instead of waiting forever.
    fn is_permanent(&self) -> bool {
        matches!(self.status_code(), Some(code) if (400..500).contains(&code) && code != 409 && code != 429)
    }
}

/// `$POD_NAME` (set from the downward API in the chart), else hostname and pid, so two
/// processes on one machine still differ.
pub fn default_identity() -> String {
    if let Ok(pod) = std::env::var("POD_NAME")
        && !pod.is_empty()
    {
        return pod;
    }
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Whether `me` may write itself as holder of `lease` at `now`: it is free, already
/// ours, or its holder has not renewed within the lease duration.
pub fn may_acquire(lease: &Lease, me: &str, now: Timestamp) -> bool {
    let Some(spec) = &lease.spec else { return true };
    match spec.holder_identity.as_deref() {
        None | Some("") => return true,
        Some(holder) if holder == me => return true,
        Some(_) => {}
    }
    let (Some(renewed), Some(secs)) = (
        spec.renew_time.as_ref().or(spec.acquire_time.as_ref()),
        spec.lease_duration_seconds,
    ) else {
        // A holder without a renewal time or duration can never expire; treating it as
        // expired is the only way such a lease is ever taken over.
        return true;
    };
    now.duration_since(renewed.0) >= SignedDuration::from_secs(i64::from(secs))
}

/// `lease` (or a new one) with `me` as holder, renewed at `now`.
fn claimed(
    lease: Option<Lease>,
    name: &str,
    me: &str,
    duration_secs: i32,
    now: Timestamp,
) -> Lease {
    let mut lease = lease.unwrap_or_else(|| Lease {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: None,
    });
    let mut spec = lease.spec.take().unwrap_or_default();
    if spec.holder_identity.as_deref() != Some(me) {
        spec.lease_transitions = Some(match spec.holder_identity.as_deref() {
            // The first holder of a new lease is not a transition.
            None if spec.lease_transitions.is_none() => 0,
            _ => spec.lease_transitions.unwrap_or(0).saturating_add(1),
        });
        spec.holder_identity = Some(me.to_owned());
        spec.acquire_time = Some(MicroTime(now));
    }
    spec.renew_time = Some(MicroTime(now));
    spec.lease_duration_seconds = Some(duration_secs);
    lease.spec = Some(spec);
    lease.metadata.annotations.get_or_insert_default().insert(
        OPERATOR_VERSION_ANNOTATION.to_owned(),
        env!("CARGO_PKG_VERSION").to_owned(),
    );
    lease
}

/// `lease` without a holder, so a standby takes it on its next try, not after expiry.
fn released(mut lease: Lease, now: Timestamp) -> Lease {
    let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
    spec.holder_identity = None;
    spec.renew_time = Some(MicroTime(now));
    spec.lease_duration_seconds = Some(1);
    lease
}

/// Contends for one Lease under one identity.
#[derive(Clone)]
pub struct LeaderElector {
    api: Api<Lease>,
    name: String,
    identity: String,
    lease_duration: Duration,
    renew_every: Duration,
}

impl LeaderElector {
    /// An elector with client-go's usual timing: a 15 s lease renewed every 5 s.
    pub fn new(api: Api<Lease>, name: impl Into<String>, identity: impl Into<String>) -> Self {
        LeaderElector {
            api,
            name: name.into(),
            identity: identity.into(),
            lease_duration: Duration::from_secs(15),
            renew_every: Duration::from_secs(5),
        }
    }

    /// Sets the lease duration (whole seconds, at least 1) and how often the holder
    /// renews and standbys retry. Renewing at most every half lease leaves room for a
    /// failed renewal to be retried before the lease expires.
    pub fn with_timing(mut self, lease_duration: Duration, renew_every: Duration) -> Self {
        self.lease_duration = Duration::from_secs(lease_duration.as_secs().max(1));
        self.renew_every = renew_every.min(self.lease_duration / 2);
        self
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    fn duration_secs(&self) -> i32 {
        i32::try_from(self.lease_duration.as_secs()).unwrap_or(i32::MAX)
    }

    /// Waits until this identity holds the lease, then renews it in the background.
    pub async fn acquire(&self) -> Result<LeaderGuard, LeaderError> {
        let mut waiting_logged = false;
        let renewed_at = loop {
            let attempt = Instant::now();
            match self.try_claim(true).await {
                Ok(None) => break attempt,
                Ok(Some(holder)) => {
                    if !waiting_logged {
                        tracing::info!(lease = %self.name, %holder, "waiting for leadership");
                        waiting_logged = true;
                    }
                }
                Err(error) if error.is_conflict() => continue,
                Err(error) if error.is_permanent() => return Err(error),
                Err(error) => {
                    tracing::warn!(lease = %self.name, error = %error_chain(&error), "acquiring leadership");
                }
            }
            tokio::time::sleep(self.renew_every).await;
        };
        tracing::info!(lease = %self.name, identity = %self.identity, "acquired leadership");
        let (lost_tx, lost_rx) = watch::channel(false);
        let renewal = tokio::spawn(renew(self.clone(), renewed_at, lost_tx));
        Ok(LeaderGuard {
            elector: self.clone(),
            renewal,
            lost: lost_rx,
        })
    }

    /// Writes us as holder if allowed; `Ok(Some(holder))` when someone else holds it.
    /// A renewal (`takeover == false`) never creates or takes over a lease: if ours is
    /// gone or taken, leadership is lost.
    async fn try_claim(&self, takeover: bool) -> Result<Option<String>, LeaderError> {
        let name = || self.name.clone();
        let current =
            self.api
                .get_opt(&self.name)
                .await
                .map_err(|source| LeaderError::GetLease {
                    name: name(),
                    source,
                })?;
        let now = Timestamp::now();
        let allowed = match &current {
            None => takeover,
            Some(lease) if takeover => may_acquire(lease, &self.identity, now),
            Some(lease) => holder(lease) == Some(self.identity.as_str()),
        };
        if !allowed {
            return Ok(Some(
                current.as_ref().and_then(holder).unwrap_or("").to_owned(),
            ));
        }
        let creating = current.is_none();
        let lease = claimed(
            current,
            &self.name,
            &self.identity,
            self.duration_secs(),
            now,
        );
        let pp = PostParams::default();
        if creating {
            self.api
                .create(&pp, &lease)
                .await
                .map_err(|source| LeaderError::CreateLease {
                    name: name(),
                    source,
                })?;
        } else {
            self.api
                .replace(&self.name, &pp, &lease)
                .await
                .map_err(|source| LeaderError::ReplaceLease {
                    name: name(),
                    source,
                })?;
        }
        Ok(None)
    }

    async fn release(&self) -> Result<(), LeaderError> {
        // Conflicts come only from a concurrent write; a few re-reads settle them.
        for _ in 0..3 {
            let current =
                self.api
                    .get_opt(&self.name)
                    .await
                    .map_err(|source| LeaderError::GetLease {
                        name: self.name.clone(),
                        source,
                    })?;
            let Some(lease) = current.filter(|l| holder(l) == Some(self.identity.as_str())) else {
                return Ok(());
            };
            match self
                .api
                .replace(
                    &self.name,
                    &PostParams::default(),
                    &released(lease, Timestamp::now()),
                )
                .await
            {
                Ok(_) => {
                    tracing::info!(lease = %self.name, "released leadership");
                    return Ok(());
                }
                Err(source) => {
                    let error = LeaderError::ReplaceLease {
                        name: self.name.clone(),
                        source,
                    };
                    if !error.is_conflict() {
                        return Err(error);
                    }
                }
            }
        }
        Ok(())
    }
}

fn holder(lease: &Lease) -> Option<&str> {
    lease.spec.as_ref()?.holder_identity.as_deref()
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// Renews until the lease is taken or cannot be renewed before it expires, then
/// reports loss. Each request is cut off at the expiry, so a hung API call cannot
/// keep a replica leading past the moment a standby may take over.
async fn renew(elector: LeaderElector, mut renewed_at: Instant, lost: watch::Sender<bool>) {
    let name = elector.name.clone();
    loop {
        tokio::time::sleep(elector.renew_every).await;
        let deadline = renewed_at + elector.lease_duration;
        let attempt = Instant::now();
        let outcome = loop {
            match tokio::time::timeout_at(deadline, elector.try_claim(false)).await {
                Ok(Err(error)) if error.is_conflict() => continue,
                other => break other,
            }
        };
        match outcome {
            Ok(Ok(None)) => renewed_at = attempt,
            Ok(Ok(Some(holder))) => {
                tracing::error!(lease = %name, %holder, "leadership lost: lease taken");
                break;
            }
            Ok(Err(error)) if Instant::now() < deadline => {
                tracing::warn!(lease = %name, error = %error_chain(&error), "renewing leadership");
            }
            Ok(Err(_)) | Err(_) => {
                tracing::error!(lease = %name, "leadership lost: lease not renewed before expiry");
                break;
            }
        }
    }
    lost.send_replace(true);
}

/// Proof of leadership. Dropping it stops renewal (the lease then expires);
/// [`LeaderGuard::release`] hands over at once.
pub struct LeaderGuard {
    elector: LeaderElector,
    renewal: JoinHandle<()>,
    lost: watch::Receiver<bool>,
}

impl LeaderGuard {
    /// Resolves once leadership is lost; the caller should stop reconciling and exit
    /// so the standby takes over. Also resolves after [`LeaderGuard::release`].
    pub fn lost(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut lost = self.lost.clone();
        async move {
            // An error means the renewal task ended without a verdict: treat as lost.
            let _ = lost.wait_for(|lost| *lost).await;
        }
    }

    pub fn is_leader(&self) -> bool {
        !*self.lost.borrow() && !self.renewal.is_finished()
    }

    /// Stops renewing and clears the holder, so the standby takes over without
    /// waiting for the lease to expire. Call on graceful shutdown, after the
    /// controllers have stopped.
    pub async fn release(mut self) -> Result<(), LeaderError> {
        self.renewal.abort();
        // Wait for the abort so no renewal can land after the release.
        let _ = (&mut self.renewal).await;
        self.elector.release().await
    }
}

impl Drop for LeaderGuard {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

#[cfg(test)]
#[path = "leader_tests.rs"]
mod tests;
