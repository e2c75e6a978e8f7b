//! The Kubernetes Jobs that job resources run (init, upgrade): one builder and one
//! reading of their outcome, so every job resource behaves the same way.

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::{Resource, ResourceExt};

use crate::build::{self, pod};
use crate::validate::ValidInstance;

/// A Job running the instance's Odoo container with `args`, owned by `owner` (the
/// job resource), so deleting the resource deletes the Job and its pods.
pub fn odoo_job<K>(
    owner: &K,
    name: String,
    v: &ValidInstance,
    component: &str,
    args: Vec<String>,
) -> Job
where
    K: Resource<DynamicType = ()>,
{
    let container = pod::container(v, args, v.resources.clone());
    let mut template = pod::template(v, component, container, "");
    if let Some(spec) = template.spec.as_mut() {
        spec.restart_policy = Some("Never".into());
    }
    let mut meta = build::meta::object_meta(v, name, component);
    meta.owner_references = Some(vec![OwnerReference {
        api_version: K::api_version(&()).into(),
        kind: K::kind(&()).into(),
        name: owner.name_any(),
        uid: owner.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    Job {
        metadata: meta,
        spec: Some(JobSpec {
            // A failed run leaves the database half-changed: retrying blindly would
            // hide the first error. The user retries with a new job resource.
            backoff_limit: Some(0),
            template,
            ..JobSpec::default()
        }),
        status: None,
    }
}

/// Where a Job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Running,
    Complete,
    Failed,
}

pub fn outcome(job: &Job) -> Outcome {
    let conditions = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let holds = |t: &str| {
        conditions
            .iter()
            .any(|c| c.type_ == t && c.status == "True")
    };
    if holds("Complete") {
        Outcome::Complete
    } else if holds("Failed") {
        Outcome::Failed
    } else {
        Outcome::Running
    }
}
