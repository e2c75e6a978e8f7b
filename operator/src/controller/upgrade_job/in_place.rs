//! InPlace, Running: the batch Job starts only once no cron worker (and in
//! Maintenance mode no web worker) holds the database, and runs on the live
//! database; an exit 0 is believed only once the database shows the update. Pure.

use kube::ResourceExt;
use odoo_model::upgrade_job::UpgradeMode;
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use super::facts::{Db, Effect, Facts, Step, current, target};
use super::outcome::{STOPPING, UPDATING, adopts, failed, finished, running, update_start};
use super::plan;
use crate::controller::step::JobStep;
use crate::runtime::batch::Outcome;

pub fn step(job: &OdooUpgradeJob, instance: &OdooInstance, f: &Facts) -> Step {
    let status = current(job);
    let target = target(&status);
    let name = plan::update_job_name(job);
    let ns = job.namespace().unwrap_or_default();
    let Some(update) = f.update else {
        return JobStep::Do(Effect::ReadUpdate);
    };
    match update {
        None => {
            if !f.started {
                let stop_web = job.spec.mode == UpgradeMode::Maintenance;
                let Some(workers) = &f.workers else {
                    return JobStep::Do(Effect::ReadWorkers { stop_web });
                };
                if let Some(waiting) = workers {
                    return running(status, Some(waiting.clone()), STOPPING);
                }
            }
            let message = format!("Job {name} running odoo --update with {target}");
            update_start(job, f, status, Db::Live, message)
        }
        Some(Outcome::Running) => running(status, None, UPDATING),
        Some(Outcome::Complete) => match &f.updated {
            None if f.resolved.is_none() => JobStep::Do(Effect::Resolve),
            None => JobStep::Do(Effect::ReadUpdated(Db::Live)),
            Some(Ok(_)) if adopts(job, instance, &target) && !f.adopted => {
                JobStep::Do(Effect::Adopt)
            }
            Some(Ok(found)) => {
                let message = format!("database upgraded to {target} ({found}); rolling out");
                JobStep::End(finished(status, JobPhase::Succeeded, message))
            }
            Some(Err(why)) => JobStep::End(failed(
                status,
                format!(
                    "{why} (strategy InPlace: the live database may be partly updated); the previous image keeps serving. Logs: kubectl logs job/{name} -n {ns}"
                ),
            )),
        },
        Some(Outcome::Failed) => match &f.failure {
            None => JobStep::Do(Effect::ReadFailure),
            Some(said) => {
                let said = said.as_ref().map(|e| format!(" ({e})")).unwrap_or_default();
                JobStep::End(failed(
                    status,
                    format!(
                        "upgrade to {target} failed{said} on the live database, which Odoo may have left partly updated (strategy InPlace); the previous image keeps serving. Logs: kubectl logs job/{name} -n {ns}"
                    ),
                ))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::step::{Again, ended, message, on_both, told};
    use odoo_model::Reason;
    use odoo_model::upgrade_job::{OdooUpgradeJobStatus, UpgradeStrategy};

    fn job() -> OdooUpgradeJob {
        let mut job = super::super::test_support::job();
        job.status = Some(OdooUpgradeJobStatus {
            image: Some("odoo:19.0-b".into()),
            strategy: Some(UpgradeStrategy::InPlace),
            ..Default::default()
        });
        job.status.as_mut().expect("status").job.phase = Some(JobPhase::Running);
        job
    }

    /// The update Job ended.
    fn update_ended(outcome: Outcome) -> Facts {
        Facts {
            update: Some(Some(outcome)),
            ..Facts::default()
        }
    }

    fn instance() -> OdooInstance {
        OdooInstance::new("shop", Default::default())
    }

    #[test]
    fn cron_stops_before_the_start_is_recorded_and_the_job_comes_a_pass_later() {
        let mut j = job();
        let mut f = Facts {
            update: Some(None),
            ..Facts::default()
        };
        assert_eq!(
            step(&j, &instance(), &f),
            JobStep::Do(Effect::ReadWorkers { stop_web: false })
        );
        f.workers = Some(Some("shop-cron still runs 1 pod".into()));
        let e = ended(step(&j, &instance(), &f));
        assert_eq!(e.phase, JobPhase::Running);
        assert_eq!(message(&e), "shop-cron still runs 1 pod");
        f.workers = Some(None);
        assert_eq!(step(&j, &instance(), &f), JobStep::Do(Effect::Resolve));
        f.resolved = Some(super::super::facts::Resolved::sample("shop"));
        assert_eq!(
            step(&j, &instance(), &f),
            JobStep::Do(Effect::ReadClock(Db::Live))
        );
        let since: k8s_openapi::jiff::Timestamp = "2026-12-04T10:00:00.5Z".parse().expect("time");
        f.clock = Some(since);
        let e = ended(step(&j, &instance(), &f));
        assert_eq!(e.status.update_started.as_ref().map(|t| t.0), Some(since));
        assert_eq!(e.status.job.job_name.as_deref(), Some("up-job"));
        assert_eq!(
            message(&e),
            "Job up-job running odoo --update with odoo:19.0-b"
        );
        // The next pass finds the start recorded: it makes the Job, reading no clock.
        j.status = Some(e.status);
        f.clock = None;
        assert_eq!(
            step(&j, &instance(), &f),
            JobStep::Do(Effect::StartUpdate(Db::Live))
        );
        f.started = true;
        let e = ended(step(&j, &instance(), &f));
        assert_eq!(e.again, Again::After(UPDATING));
    }

    #[test]
    fn a_checked_update_adopts_an_explicit_target_then_succeeds() {
        let j = job();
        let mut f = update_ended(Outcome::Complete);
        assert_eq!(step(&j, &instance(), &f), JobStep::Do(Effect::Resolve));
        f.resolved = Some(super::super::facts::Resolved::sample("shop"));
        assert_eq!(
            step(&j, &instance(), &f),
            JobStep::Do(Effect::ReadUpdated(Db::Live))
        );
        f.updated = Some(Ok("base 19.0.1.3".into()));
        let e = super::super::test_support::adopted(|f| step(&j, &instance(), f), &mut f);
        assert_eq!(
            message(&e),
            "database upgraded to odoo:19.0-b (base 19.0.1.3); rolling out"
        );
        assert_eq!(e.again, Again::OnChange);
        assert!(e.events.is_empty());
    }

    #[test]
    fn a_failure_says_the_live_database_may_be_partly_updated_on_job_and_instance() {
        let j = job();
        let mut f = update_ended(Outcome::Failed);
        assert_eq!(step(&j, &instance(), &f), JobStep::Do(Effect::ReadFailure));
        f.failure = Some(Some("KeyError: 'x'".into()));
        let e = ended(step(&j, &instance(), &f));
        assert_eq!(e.phase, JobPhase::Failed);
        assert_eq!(
            message(&e),
            "upgrade to odoo:19.0-b failed (KeyError: 'x') on the live database, which Odoo may have left partly updated (strategy InPlace); the previous image keeps serving. Logs: kubectl logs job/up-job -n team"
        );
        assert_eq!(told(&e), on_both(true, Reason::UpgradeFailed));
        let f = Facts {
            update: Some(Some(Outcome::Complete)),
            updated: Some(Err("nothing was written".into())),
            ..Facts::default()
        };
        let e = ended(step(&j, &instance(), &f));
        assert_eq!(e.phase, JobPhase::Failed);
        assert_eq!(
            message(&e),
            "nothing was written (strategy InPlace: the live database may be partly updated); the previous image keeps serving. Logs: kubectl logs job/up-job -n team"
        );
    }
}
