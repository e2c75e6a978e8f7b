//! A rolled-back upgrade. The instance's lifecycle reverts an upgraded image
//! whose web pods were not ready within the rollback window (see the instance's
//! `decide`) and says so in its own status; the upgrade job records it in its own
//! status, written here by its own controller, so each status has one writer.

use std::sync::Arc;

use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use crate::controller::job;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::status::types;

/// Whether `instance` reverted the image `job` upgraded it to: `job` is a real
/// upgrade (no rehearsal), the instance's RolledBack condition turned true after
/// the job was made, it runs the job's previous image again, and not the job's
/// target. Pure.
pub fn reverted(job: &OdooUpgradeJob, instance: &OdooInstance) -> bool {
    // A rehearsal changed nothing on the instance: nothing of it is rolled back.
    if job.spec.rehearsal {
        return false;
    }
    let Some(status) = &job.status else {
        return false;
    };
    let Some(current) = &instance.status else {
        return false;
    };
    let rolled_back = current
        .conditions
        .iter()
        .find(|c| c.type_ == types::ROLLED_BACK && c.status == "True");
    let after_job = match (rolled_back, job.creation_timestamp()) {
        (Some(c), Some(made)) => c.last_transition_time.0 >= made.0,
        _ => false,
    };
    let target = status.image.as_ref().or(job.spec.image.as_ref());
    after_job
        && status.previous_image.is_some()
        && current.image == status.previous_image
        && target != current.image.as_ref()
}

/// A finished upgrade job woken by its instance: marks it rolled back when the
/// instance reverted its image, once.
pub async fn finished(
    ctx: &Context,
    job: Arc<OdooUpgradeJob>,
    instance: Option<OdooInstance>,
) -> Result<Action, Error> {
    let current = job.status.clone().unwrap_or_default();
    let succeeded = current.job.phase == Some(JobPhase::Succeeded);
    if succeeded
        && !current.rolled_back
        && let Some(instance) = &instance
        && reverted(&job, instance)
        && newest(&ctx.caches.upgrade_jobs, instance).as_deref() == Some(&job.name_any())
    {
        let next = odoo_model::upgrade_job::OdooUpgradeJobStatus {
            rolled_back: true,
            ..current.clone()
        };
        job::write_status(ctx, job.as_ref(), &current, &next).await?;
    }
    Ok(Action::await_change())
}

/// The newest real upgrade job of `instance` (rehearsals aside), by creation: the
/// one its lifecycle puts on probation and rolls back, as `observe::upgrade_jobs`
/// finds it.
fn newest(
    upgrades: &kube::runtime::reflector::Store<kube::core::DeserializeGuard<OdooUpgradeJob>>,
    instance: &OdooInstance,
) -> Option<String> {
    let ns = instance.namespace()?;
    let name = instance.name_any();
    upgrades
        .state()
        .iter()
        .filter_map(|guard| guard.0.as_ref().ok().cloned())
        .filter(|j| j.namespace().as_deref() == Some(ns.as_str()))
        .filter(|j| j.spec.instance_ref.name == name && !j.spec.rehearsal)
        .max_by_key(|j| j.creation_timestamp().map(|t| t.0))
        .map(|j| j.name_any())
}

/// The upgrade job an instance's change rolled back, if any: with its RolledBack
/// condition true, its newest real upgrade job when that one succeeded, is not
/// marked yet and was [`reverted`]. Every other instance change maps to nothing
/// and scans nothing.
pub fn woken_by(
    upgrades: &kube::runtime::reflector::Store<kube::core::DeserializeGuard<OdooUpgradeJob>>,
    instance: &OdooInstance,
) -> Option<kube::runtime::reflector::ObjectRef<kube::core::DeserializeGuard<OdooUpgradeJob>>> {
    let rolled_back = instance
        .status
        .as_ref()
        .is_some_and(|s| crate::status::is_true(&s.conditions, types::ROLLED_BACK));
    if !rolled_back {
        return None;
    }
    let ns = instance.namespace()?;
    let name = newest(upgrades, instance)?;
    let job = crate::runtime::caches::get(upgrades, &ns, &name)?;
    let job = job.0.as_ref().ok()?;
    let status = job.status.as_ref()?;
    let due = status.job.phase == Some(JobPhase::Succeeded)
        && !status.rolled_back
        && reverted(job, instance);
    due.then(|| kube::runtime::reflector::ObjectRef::new(&name).within(&ns))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
    use k8s_openapi::jiff::Timestamp;
    use odoo_model::upgrade_job::OdooUpgradeJobStatus;
    use odoo_model::{OdooInstanceStatus, OdooUpgradeJobSpec};

    use super::*;

    fn at(seconds: i64) -> Time {
        Time(Timestamp::from_second(1_700_000_000 + seconds).expect("a time"))
    }

    fn job(made: i64) -> OdooUpgradeJob {
        let mut job = OdooUpgradeJob::new("up", OdooUpgradeJobSpec::default());
        job.metadata.creation_timestamp = Some(at(made));
        job.status = Some(OdooUpgradeJobStatus {
            image: Some("odoo:18.0-b".into()),
            previous_image: Some("odoo:18.0-a".into()),
            ..Default::default()
        });
        job
    }

    fn instance(image: &str, rolled_back_at: Option<i64>) -> OdooInstance {
        let mut instance = OdooInstance::new("shop", Default::default());
        let conditions = rolled_back_at
            .map(|t| Condition {
                type_: types::ROLLED_BACK.into(),
                status: "True".into(),
                reason: "NotReadyInWindow".into(),
                message: String::new(),
                last_transition_time: at(t),
                observed_generation: None,
            })
            .into_iter()
            .collect();
        instance.status = Some(OdooInstanceStatus {
            image: Some(image.into()),
            conditions,
            ..Default::default()
        });
        instance
    }

    #[test]
    fn a_rehearsal_of_the_same_target_is_never_rolled_back() {
        let mut rehearsal = job(0);
        rehearsal.spec.rehearsal = true;
        assert!(!reverted(&rehearsal, &instance("odoo:18.0-a", Some(60))));
    }

    #[test]
    fn a_job_is_rolled_back_only_by_a_revert_of_its_own_target_after_it() {
        // Reverted from the job's target to its previous image, after the job.
        assert!(reverted(&job(0), &instance("odoo:18.0-a", Some(60))));
        // A rollback before the job was made is an earlier job's.
        assert!(!reverted(&job(120), &instance("odoo:18.0-a", Some(60))));
        // The instance runs the job's target: nothing was reverted.
        assert!(!reverted(&job(0), &instance("odoo:18.0-b", Some(60))));
        // No RolledBack condition.
        assert!(!reverted(&job(0), &instance("odoo:18.0-a", None)));
        // Another image altogether is not this job's previous one.
        assert!(!reverted(&job(0), &instance("odoo:17.0", Some(60))));
    }
}
