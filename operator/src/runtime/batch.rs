//! The Kubernetes Jobs that job resources run (init, upgrade): one builder and one
//! reading of their outcome, so every job resource behaves the same way.

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::Api;
use kube::api::ListParams;
use kube::{Resource, ResourceExt};

use crate::build::{self, pod};
use crate::validate::ValidInstance;

/// A Job running the instance's Odoo container with `args`, owned by `owner` (the
/// job resource), so deleting the resource deletes the Job and its pods.
pub fn odoo_job<K>(
    owner: &K,
    name: String,
    v: &ValidInstance,
    image: &str,
    component: &str,
    args: Vec<String>,
) -> Job
where
    K: Resource<DynamicType = ()>,
{
    let mut container = pod::container(image, args, v.resources.clone());
    // A failed run's message is the tail of Odoo's log, where its error is (see
    // [`odoo_error`]): the job's status can say why without `kubectl logs`.
    container.termination_message_policy = Some("FallbackToLogsOnError".into());
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

/// The error Odoo ended a failed run with, from the newest pod of Job `job_name`
/// (its log's tail, which Kubernetes keeps as the termination message of a failed
/// container): see [`odoo_error`]. `None` when no pod says one.
pub async fn odoo_failure(
    ctx: &crate::runtime::context::Context,
    ns: &str,
    job_name: &str,
) -> Result<Option<String>, super::error::Error> {
    let message = termination_message(ctx, ns, job_name, pod::CONTAINER_NAME).await?;
    Ok(message.as_deref().and_then(odoo_error))
}

/// The line of Odoo's log that says why it failed: the exception that ended it (the
/// last line of its traceback), else its last ERROR or CRITICAL record without
/// the timestamp and process id.
pub fn odoo_error(log: &str) -> Option<String> {
    let lines: Vec<&str> = log.lines().map(str::trim_end).collect();
    let exception = lines.iter().rev().find(|l| {
        let Some((name, rest)) = l.split_once(": ") else {
            return l.ends_with("Error") && !l.contains(' ');
        };
        // `ValueError: …`, or a class named with its module
        // (`psycopg2.errors.UndefinedColumn: …`), whose last part is capitalized.
        !rest.is_empty()
            && !name.contains(' ')
            && name.rsplit('.').next().is_some_and(|n| {
                n.ends_with("Error")
                    || n.ends_with("Exception")
                    || n.ends_with("Warning")
                    || (name.contains('.') && n.starts_with(|c: char| c.is_ascii_uppercase()))
            })
    });
    if let Some(line) = exception {
        return Some((*line).to_owned());
    }
    lines.iter().rev().find_map(|l| {
        [" CRITICAL ", " ERROR "].iter().find_map(|level| {
            let (_, record) = l.split_once(level)?;
            Some(format!("{}{}", level.trim_start(), record.trim()))
        })
    })
}

/// Where a Job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Sets what every job resource's status says about a pass: the phase, the
/// generation seen, and when it started and finished.
pub fn stamp(
    common: &mut odoo_model::common::JobStatusCommon,
    phase: odoo_model::JobPhase,
    generation: Option<i64>,
) {
    let now =
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now());
    common.phase = Some(phase);
    common.observed_generation = generation;
    if phase == odoo_model::JobPhase::Running && common.start_time.is_none() {
        common.start_time = Some(now.clone());
    }
    if phase.is_finished() && common.completion_time.is_none() {
        common.completion_time = Some(now);
    }
}

/// Writes a job resource's status with a merge patch, only when it changed.
pub async fn patch_status<K, S>(
    ctx: &crate::runtime::context::Context,
    job: &K,
    current: &S,
    next: &S,
) -> Result<(), super::error::Error>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    S: serde::Serialize + PartialEq,
{
    if next == current {
        return Ok(());
    }
    let api: kube::Api<K> =
        kube::Api::namespaced(ctx.client.clone(), &job.namespace().unwrap_or_default());
    let written = api
        .patch_status(
            &job.name_any(),
            &kube::api::PatchParams::default(),
            // The resourceVersion read makes the write conditional: a pass that started
            // from a stale copy must not overwrite an outcome recorded meanwhile.
            &kube::api::Patch::Merge(serde_json::json!({
                "metadata": { "resourceVersion": job.resource_version() },
                "status": with_removals(current, next),
            })),
        )
        .await
        .map_err(super::error::Error::kube(format!(
            "writing the status of {} {}",
            K::kind(&()),
            job.name_any()
        )))?;
    ctx.written
        .record(job, written.resource_version().as_deref());
    Ok(())
}

/// `next` as a merge patch over `current`: a field `next` no longer has is sent as
/// null, so it is removed rather than left behind by the merge.
pub fn with_removals<S: serde::Serialize>(current: &S, next: &S) -> serde_json::Value {
    let mut patch = serde_json::to_value(next).unwrap_or_default();
    if let (Some(patch), Ok(serde_json::Value::Object(current))) =
        (patch.as_object_mut(), serde_json::to_value(current))
    {
        for key in current.keys() {
            patch.entry(key.clone()).or_insert(serde_json::Value::Null);
        }
    }
    patch
}

/// The job of the same kind and instance that goes first, as `Kind/name`: one that
/// runs, or an older one still waiting (first come, first served).
pub async fn queued_behind<K>(
    client: &kube::Client,
    job: &K,
) -> Result<Option<String>, super::error::Error>
where
    K: odoo_model::job::JobResource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    use odoo_model::JobPhase;
    let api: kube::Api<K> =
        kube::Api::namespaced(client.clone(), &job.namespace().unwrap_or_default());
    let kind = K::kind(&());
    let mine = job.creation_timestamp().map(|t| t.0);
    let list = api
        .list(&Default::default())
        .await
        .map_err(super::error::Error::kube(format!("listing {kind}s")))?;
    let instance = &job.instance_ref().name;
    let other = list.items.iter().find(|j| {
        j.name_any() != job.name_any()
            && &j.instance_ref().name == instance
            && match j.job_status().and_then(|s| s.phase) {
                Some(JobPhase::Running) => true,
                None | Some(JobPhase::Pending) => j.creation_timestamp().map(|t| t.0) < mine,
                _ => false,
            }
    });
    Ok(other.map(|j| format!("{kind}/{}", j.name_any())))
}

/// Which of the named Deployments still runs pods, as a message, if any: work that
/// changes the database waits until nothing else uses it. A Deployment's
/// `status.replicas` no longer counts a pod that is terminating, and such a pod
/// may still hold connections and write: the pods its selector matches are listed,
/// terminating ones included.
pub async fn deployments_stopped(
    ctx: &crate::runtime::context::Context,
    namespace: &str,
    deployments: &[String],
) -> Result<Option<String>, super::error::Error> {
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(ctx.client.clone(), namespace);
    for name in deployments {
        let d = api
            .get_opt(name)
            .await
            .map_err(super::error::Error::kube(format!(
                "reading Deployment {name}"
            )))?;
        let Some(d) = d else { continue };
        let selector = d
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
            .unwrap_or_default();
        let (wanted, running) = (
            d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0),
            d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0),
        );
        if wanted > 0 || running > 0 {
            return Ok(Some(format!(
                "waiting for the pods of {name} to stop ({running} left)"
            )));
        }
        if selector.is_empty() {
            continue;
        }
        let labels = selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::namespaced(ctx.client.clone(), namespace);
        let left = pods
            .list_metadata(&kube::api::ListParams::default().labels(&labels))
            .await
            .map_err(super::error::Error::kube(format!(
                "listing the pods of Deployment {name}"
            )))?
            .items
            .len();
        if left > 0 {
            return Ok(Some(format!(
                "waiting for the pods of {name} to be gone ({left} terminating)"
            )));
        }
    }
    Ok(None)
}

/// The batch Job `name` in `namespace`, if it exists: from the Jobs' watch, or,
/// when the watch does not hold it (not listed yet, or just created), from the API
/// server, so a Job is never taken for missing on a cache's word.
pub async fn live_job(
    ctx: &crate::runtime::context::Context,
    namespace: &str,
    name: &str,
) -> Result<Option<k8s_openapi::api::batch::v1::Job>, super::error::Error> {
    if ctx.caches.ready()
        && let Some(job) = super::caches::get(&ctx.caches.jobs, namespace, name)
    {
        return Ok(Some(job.to_job()));
    }
    kube::Api::<k8s_openapi::api::batch::v1::Job>::namespaced(ctx.client.clone(), namespace)
        .get_opt(name)
        .await
        .map_err(super::error::Error::kube(format!("reading Job {name}")))
}

/// Like [`live_job`], but when the owner's status does not record the Job as made
/// (`recorded`), the Jobs' watch, once listed, is trusted to say it does not exist:
/// no read before the Job is first made. A Job made by a pass whose status write
/// was lost is applied again, which changes nothing.
pub async fn job_unless_new(
    ctx: &crate::runtime::context::Context,
    namespace: &str,
    name: &str,
    recorded: bool,
) -> Result<Option<k8s_openapi::api::batch::v1::Job>, super::error::Error> {
    if !recorded && ctx.caches.ready() {
        return Ok(super::caches::get(&ctx.caches.jobs, namespace, name).map(|j| j.to_job()));
    }
    live_job(ctx, namespace, name).await
}

/// The termination message of the newest pod of Job `job_name` whose `container`
/// terminated, if any.
pub async fn termination_message(
    ctx: &crate::runtime::context::Context,
    ns: &str,
    job_name: &str,
    container: &str,
) -> Result<Option<String>, super::error::Error> {
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), ns);
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={job_name}")))
        .await
        .map_err(super::error::Error::kube("listing the Job's pods"))?;
    Ok(newest_terminated(&list.items, container))
}

/// The termination message of the newest pod whose `container` terminated (by
/// creation time, then name, as a Job names its pods at random).
pub(super) fn newest_terminated(pods: &[Pod], container: &str) -> Option<String> {
    pods.iter()
        .filter_map(|p| {
            let statuses = p.status.as_ref()?.container_statuses.as_ref()?;
            let terminated = statuses
                .iter()
                .find(|c| c.name == container)?
                .state
                .as_ref()?
                .terminated
                .clone()?;
            let created = p.metadata.creation_timestamp.clone();
            Some((
                created,
                p.metadata.name.clone(),
                terminated.message.unwrap_or_default(),
            ))
        })
        .max_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)))
        .map(|(_, _, message)| message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_dropped_from_a_status_are_removed_by_the_patch() {
        let current = serde_json::json!({ "phase": "Running", "step": "Switching", "kept": "x" });
        let next = serde_json::json!({ "phase": "Succeeded", "kept": "x" });
        assert_eq!(
            with_removals(&current, &next),
            serde_json::json!({ "phase": "Succeeded", "step": null, "kept": "x" })
        );
    }
}

#[cfg(test)]
mod odoo_error_tests {
    use super::odoo_error;

    /// The tail of a real `odoo -u all --stop-after-init` whose migration raised.
    const FAILED_UPDATE: &str = "\
2026-12-03 18:23:36,584 19366 ERROR t1 odoo.modules.registry: Failed to load registry 
2026-12-03 18:23:36,584 19366 CRITICAL t1 odoo.service.server: Failed to initialize database `t1`. 
Traceback (most recent call last):
  File \"/odoo/odoo/modules/migration.py\", line 240, in migrate_module
    raise Exception(\"odoo_test_raises: the migration to 18.0.1.1 raised halfway\")
Exception: odoo_test_raises: the migration to 18.0.1.1 raised halfway
2026-12-03 18:23:36,593 19366 INFO t1 odoo.service.server: Initiating shutdown 
2026-12-03 18:23:36,594 19366 INFO t1 odoo.sql_db: ConnectionPool(read/write;used=0/count=0/max=64): Closed 1 connections  
";

    #[test]
    fn the_exception_that_ended_odoo_is_its_error() {
        assert_eq!(
            odoo_error(FAILED_UPDATE).as_deref(),
            Some("Exception: odoo_test_raises: the migration to 18.0.1.1 raised halfway")
        );
        assert_eq!(
            odoo_error("x\npsycopg2.OperationalError: connection refused\n").as_deref(),
            Some("psycopg2.OperationalError: connection refused")
        );
        // What psycopg2 adds after its exception (the query's line, a hint) is not it.
        let undefined = "Traceback (most recent call last):\n\
            psycopg2.errors.UndefinedColumn: column res_users__partner_id.tz does not exist\n\
            LINE 1: SELECT \"res_users__partner_id\".\"tz\" FROM \"res_users\"\n\
            HINT: Perhaps you meant to reference the column \"res_users__partner_id.tz\".\n";
        assert_eq!(
            odoo_error(undefined).as_deref(),
            Some("psycopg2.errors.UndefinedColumn: column res_users__partner_id.tz does not exist")
        );
    }

    #[test]
    fn without_a_traceback_the_last_error_record_is() {
        let log = "2026-12-03 18:23:36,584 1 INFO db odoo: fine\n\
                   2026-12-03 18:23:36,584 1 CRITICAL db odoo.service.server: Failed to initialize database `db`.\n\
                   2026-12-03 18:23:36,593 1 INFO db odoo.service.server: Initiating shutdown\n";
        assert_eq!(
            odoo_error(log).as_deref(),
            Some("CRITICAL db odoo.service.server: Failed to initialize database `db`.")
        );
        assert_eq!(odoo_error("all went well\n"), None);
    }
}
