//! What every job-like resource of an instance shares (init, upgrade, backup and
//! restore jobs, cluster migrations), so the operator's controllers and the
//! plugin's followers can treat them alike.

use crate::common::{InstanceRef, JobStatusCommon};
use crate::{OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooRestoreJob, OdooUpgradeJob};

/// A namespaced resource that works on one OdooInstance.
pub trait JobResource:
    kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
{
    /// The instance it works on.
    fn instance_ref(&self) -> &InstanceRef;
    /// The status the job kinds share: `None` before the operator wrote one, and
    /// always for a cluster migration, which has phases of its own.
    fn job_status(&self) -> Option<&JobStatusCommon>;
}

macro_rules! job_resource {
    ($($kind:ty),*) => {$(
        impl JobResource for $kind {
            fn instance_ref(&self) -> &InstanceRef {
                &self.spec.instance_ref
            }
            fn job_status(&self) -> Option<&JobStatusCommon> {
                self.status.as_ref().map(|s| &s.job)
            }
        }
    )*};
}

job_resource!(OdooInitJob, OdooUpgradeJob, OdooBackupJob, OdooRestoreJob);

impl JobResource for OdooClusterMigration {
    fn instance_ref(&self) -> &InstanceRef {
        &self.spec.instance_ref
    }
    fn job_status(&self) -> Option<&JobStatusCommon> {
        None
    }
}
