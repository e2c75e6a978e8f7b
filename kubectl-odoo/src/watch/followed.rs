//! What following a job resource reads of it, typed by its kind: the kinds that
//! share a status ([`JobResource::job_status`]) are read through it; a cluster
//! migration, whose steps are its own, reads its own status. No decision is made on
//! a kind's name.

use std::fmt::Debug;

use kube::ResourceExt;
use odoo_model::job::JobResource;
use odoo_model::{
    OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooRestoreJob, OdooUpgradeJob,
};
use serde::de::DeserializeOwned;

use crate::phase::AnyJobPhase;

/// A job resource the plugin follows to its end.
pub trait Followed: JobResource + Clone + DeserializeOwned + Debug + Send + Sync + 'static {
    /// Where it stands; `None` before the operator wrote a phase.
    fn phase(&self) -> Option<AnyJobPhase> {
        self.job_status()?.phase.map(AnyJobPhase::Job)
    }
    /// What the operator said of that phase.
    fn message(&self) -> Option<&str> {
        self.job_status()?.message.as_deref()
    }
    /// The generation of the spec the status describes.
    fn observed_generation(&self) -> Option<i64> {
        self.job_status()?.observed_generation
    }
    /// The batch Job that does the work, whose log is tailed while it runs.
    fn job_name(&self) -> Option<&str> {
        self.job_status()?.job_name.as_deref()
    }
    /// How far the work has come, for people; empty when the kind does not say.
    fn progress(&self) -> String {
        String::new()
    }
    /// The command that follows it again once the plugin stopped following it (Ctrl-C,
    /// a timeout): it goes on in the cluster.
    fn follow_again(&self, namespace: &str) -> String {
        let kind = Self::kind(&()).to_lowercase();
        format!("kubectl get {kind} {} -n {namespace} -w", self.name_any())
    }
}

impl Followed for OdooInitJob {}

/// An upgrade ends with its instance rolling out the image, which status shows too.
impl Followed for OdooUpgradeJob {
    fn follow_again(&self, namespace: &str) -> String {
        let instance = &self.instance_ref().name;
        format!("kubectl odoo status {instance} -n {namespace} --watch")
    }
}

impl Followed for OdooBackupJob {
    fn progress(&self) -> String {
        bytes(self.status.as_ref().and_then(|s| s.progress_bytes))
    }
    fn follow_again(&self, namespace: &str) -> String {
        format!(
            "kubectl odoo backup describe {} -n {namespace}",
            self.name_any()
        )
    }
}

impl Followed for OdooRestoreJob {
    fn progress(&self) -> String {
        bytes(self.status.as_ref().and_then(|s| s.progress_bytes))
    }
}

impl Followed for OdooClusterMigration {
    fn phase(&self) -> Option<AnyJobPhase> {
        self.status.as_ref()?.phase.map(AnyJobPhase::Migration)
    }
    fn message(&self) -> Option<&str> {
        self.status.as_ref()?.message.as_deref()
    }
    fn observed_generation(&self) -> Option<i64> {
        self.status.as_ref()?.observed_generation
    }
    /// A migration's steps run in the operator, with no batch Job of its own.
    fn job_name(&self) -> Option<&str> {
        None
    }
    fn progress(&self) -> String {
        self.status
            .as_ref()
            .and_then(|s| s.progress.clone())
            .unwrap_or_default()
    }
}

/// Bytes moved so far, for people.
fn bytes(count: Option<i64>) -> String {
    count.map(crate::output::size).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A resource of kind `K` for the instance `shop`, with the rest of `spec`.
    fn of_shop<K: Followed>(kind: &str, mut spec: serde_json::Value) -> K {
        spec["instanceRef"] = json!({"name": "shop"});
        serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1",
            "kind": kind,
            "metadata": {"name": "shop-1", "namespace": "team"},
            "spec": spec,
        }))
        .expect("a valid resource")
    }

    #[test]
    fn each_kind_says_how_to_follow_it_again() {
        let restore: OdooRestoreJob =
            of_shop("OdooRestoreJob", json!({"source": {"backupJob": "b"}}));
        assert_eq!(
            restore.follow_again("team"),
            "kubectl get odoorestorejob shop-1 -n team -w"
        );
        let upgrade: OdooUpgradeJob = of_shop("OdooUpgradeJob", json!({}));
        assert_eq!(
            upgrade.follow_again("team"),
            "kubectl odoo status shop -n team --watch"
        );
        let pvc = json!({"destination": {"pvc": {"claimName": "b"}}});
        let backup: OdooBackupJob = of_shop("OdooBackupJob", pvc);
        assert_eq!(
            backup.follow_again("team"),
            "kubectl odoo backup describe shop-1 -n team"
        );
    }
}
