//! What admission reads from the cluster, behind a trait so the rules can be
//! exercised without an API server.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret};
use kube::api::ListParams;
use kube::{Api, Client, Resource, ResourceExt};
use odoo_model::cluster_migration::MigrationPhase;
use odoo_model::common::{InstanceRef, JobStatusCommon};
use odoo_model::{
    OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooInstance, OdooRestoreJob, OdooUpgradeJob,
};
use serde::de::DeserializeOwned;

/// A read that failed; admission then refuses rather than guesses.
#[derive(Debug, thiserror::Error)]
#[error("could not read {what}: {source}")]
pub struct LookupError {
    what: String,
    source: kube::Error,
}

pub(crate) trait Lookup {
    async fn instance(&self, ns: &str, name: &str) -> Result<Option<OdooInstance>, LookupError>;
    /// The data keys of a Secret, or `None` when it does not exist.
    async fn secret_keys(
        &self,
        ns: &str,
        name: &str,
    ) -> Result<Option<BTreeSet<String>>, LookupError>;
    async fn pvc_exists(&self, ns: &str, name: &str) -> Result<bool, LookupError>;
    async fn backup_jobs(&self, ns: &str) -> Result<Vec<OdooBackupJob>, LookupError>;
    /// Cluster names of the pg-clusters Secret.
    async fn pg_clusters(&self) -> Result<Vec<String>, LookupError>;
    /// `Kind/name` of the unfinished jobs of an instance.
    async fn active_jobs(&self, ns: &str, instance: &str) -> Result<Vec<String>, LookupError>;
}

/// Reads through the API server.
#[derive(Clone)]
pub struct KubeLookup {
    pub client: Client,
    /// Where the pg-clusters Secret lives, and its name.
    pub operator_namespace: String,
    pub pg_clusters_secret: String,
}

fn err(what: impl Into<String>) -> impl FnOnce(kube::Error) -> LookupError {
    let what = what.into();
    move |source| LookupError { what, source }
}

impl KubeLookup {
    async fn list<K>(&self, ns: &str) -> Result<Vec<K>, LookupError>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = Api::namespaced(self.client.clone(), ns);
        let kind = K::kind(&K::DynamicType::default()).into_owned();
        api.list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(err(format!("{kind} in {ns}")))
    }

    async fn active<K>(
        &self,
        ns: &str,
        instance: &str,
        of: impl Fn(&K) -> (&InstanceRef, bool),
    ) -> Result<Vec<String>, LookupError>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
        K::DynamicType: Default,
    {
        let kind = K::kind(&K::DynamicType::default()).into_owned();
        Ok(self
            .list::<K>(ns)
            .await?
            .iter()
            .filter(|j| {
                let (r, finished) = of(j);
                r.name == instance && !finished
            })
            .map(|j| format!("{kind}/{}", j.name_any()))
            .collect())
    }
}

fn finished(job: Option<&JobStatusCommon>) -> bool {
    job.and_then(|j| j.phase).is_some_and(|p| p.is_finished())
}

impl Lookup for KubeLookup {
    async fn instance(&self, ns: &str, name: &str) -> Result<Option<OdooInstance>, LookupError> {
        Api::<OdooInstance>::namespaced(self.client.clone(), ns)
            .get_opt(name)
            .await
            .map_err(err(format!("OdooInstance {ns}/{name}")))
    }

    async fn secret_keys(
        &self,
        ns: &str,
        name: &str,
    ) -> Result<Option<BTreeSet<String>>, LookupError> {
        let secret = Api::<Secret>::namespaced(self.client.clone(), ns)
            .get_opt(name)
            .await
            .map_err(err(format!("Secret {ns}/{name}")))?;
        Ok(secret.map(|s| {
            let data = s.data.unwrap_or_default().into_keys();
            let string = s.string_data.unwrap_or_default().into_keys();
            data.chain(string).collect()
        }))
    }

    async fn pvc_exists(&self, ns: &str, name: &str) -> Result<bool, LookupError> {
        Api::<PersistentVolumeClaim>::namespaced(self.client.clone(), ns)
            .get_opt(name)
            .await
            .map(|p| p.is_some())
            .map_err(err(format!("PersistentVolumeClaim {ns}/{name}")))
    }

    async fn backup_jobs(&self, ns: &str) -> Result<Vec<OdooBackupJob>, LookupError> {
        self.list(ns).await
    }

    async fn pg_clusters(&self) -> Result<Vec<String>, LookupError> {
        let (ns, name) = (&self.operator_namespace, &self.pg_clusters_secret);
        let secret = Api::<Secret>::namespaced(self.client.clone(), ns)
            .get_opt(name)
            .await
            .map_err(err(format!("Secret {ns}/{name}")))?;
        let data = secret.and_then(|s| s.data).unwrap_or_default();
        // A broken Secret lists no clusters; the operator reports its parse error.
        Ok(crate::pg::clusters::from_secret_data(&data)
            .map(|c| c.names().map(str::to_owned).collect())
            .unwrap_or_default())
    }

    async fn active_jobs(&self, ns: &str, instance: &str) -> Result<Vec<String>, LookupError> {
        let mut out = self
            .active::<OdooInitJob>(ns, instance, |j| {
                (
                    &j.spec.instance_ref,
                    finished(j.status.as_ref().map(|s| &s.job)),
                )
            })
            .await?;
        out.extend(
            self.active::<OdooUpgradeJob>(ns, instance, |j| {
                (
                    &j.spec.instance_ref,
                    finished(j.status.as_ref().map(|s| &s.job)),
                )
            })
            .await?,
        );
        out.extend(
            self.active::<OdooBackupJob>(ns, instance, |j| {
                (
                    &j.spec.instance_ref,
                    finished(j.status.as_ref().map(|s| &s.job)),
                )
            })
            .await?,
        );
        out.extend(
            self.active::<OdooRestoreJob>(ns, instance, |j| {
                (
                    &j.spec.instance_ref,
                    finished(j.status.as_ref().map(|s| &s.job)),
                )
            })
            .await?,
        );
        out.extend(
            self.active::<OdooClusterMigration>(ns, instance, |m| {
                let phase = m.status.as_ref().and_then(|s| s.phase);
                let done = matches!(
                    phase,
                    Some(
                        MigrationPhase::Succeeded
                            | MigrationPhase::RolledBack
                            | MigrationPhase::Failed
                    )
                );
                (&m.spec.instance_ref, done)
            })
            .await?,
        );
        Ok(out)
    }
}
