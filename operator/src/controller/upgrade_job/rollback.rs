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

/// Whether `job` may still be marked rolled back: a real upgrade that succeeded
/// and is not marked yet. Every other finished upgrade job is final.
pub fn markable(job: &OdooUpgradeJob) -> bool {
    job.status.as_ref().is_some_and(|s| {
        !job.spec.rehearsal && s.job.phase == Some(JobPhase::Succeeded) && !s.rolled_back
    })
}

/// A finished upgrade job woken by its instance: marks it rolled back when the
/// instance reverted its image, once.
pub async fn finished(
    ctx: &Context,
    job: Arc<OdooUpgradeJob>,
    instance: Option<OdooInstance>,
) -> Result<Action, Error> {
    if markable(&job)
        && let Some(instance) = &instance
        && reverted(&job, instance)
        && newest(&ctx.caches.upgrade_jobs, instance).as_deref() == Some(&job.name_any())
    {
        let current = job.status.clone().unwrap_or_default();
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
    let state = upgrades.state();
    let of_instance = state
        .iter()
        .filter_map(|guard| guard.0.as_ref().ok())
        .filter(|j| j.namespace().as_deref() == Some(ns.as_str()))
        .filter(|j| j.spec.instance_ref.name == name);
    odoo_model::upgrade_job::newest_upgrade(of_instance).map(|j| j.name_any())
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
    let due = markable(job) && reverted(job, instance);
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
    fn only_a_succeeded_real_upgrade_not_marked_yet_may_be_marked() {
        let mut j = job(0);
        assert!(!markable(&j), "no phase yet");
        j.status.as_mut().expect("status").job.phase = Some(JobPhase::Succeeded);
        assert!(markable(&j));
        j.status.as_mut().expect("status").rolled_back = true;
        assert!(!markable(&j), "marked already");
        j.status.as_mut().expect("status").rolled_back = false;
        j.spec.rehearsal = true;
        assert!(!markable(&j), "a rehearsal");
    }

    #[test]
    fn the_newest_real_upgrade_is_the_newest_made_rehearsals_aside() {
        let (mut old, mut new, mut rehearsal) = (job(0), job(60), job(120));
        old.metadata.name = Some("old".into());
        new.metadata.name = Some("new".into());
        rehearsal.metadata.name = Some("try".into());
        rehearsal.spec.rehearsal = true;
        let jobs = [old, rehearsal, new];
        let newest = odoo_model::upgrade_job::newest_upgrade(&jobs).map(|j| j.name_any());
        assert_eq!(newest.as_deref(), Some("new"));
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
